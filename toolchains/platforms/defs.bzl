# Target platforms: one per configuration a user can pick with
# `--target-platforms toolchains//platforms:NAME`.

# The dimensions and the values of each, in the order used in platform names.
DIMENSIONS = {
    "linker": ["bfd", "gold", "lld", "mold"],
    "panic": ["unwind", "abort"],
    "mode": ["dev", "release"],
    "cpu_level": ["baseline", "x86-64-v3"],
}

# The prelude's own os/cpu constraints, which its C/C++ rules read (e.g. to
# pick the object format); the Rust triple is our own constraint.
_PRELUDE_CPU = {
    "x86_64-unknown-linux-gnu": "prelude//cpu/constraints:cpu[x86_64]",
}

def rust_v0_platform(
        name: str,
        linker: str = "bfd",
        panic: str = "unwind",
        mode: str = "dev",
        cpu_level: str = "baseline",
        rust_target: str = "x86_64-unknown-linux-gnu"):
    native.platform(
        name = name,
        constraint_values = [
            "prelude//os/constraints:os[linux]",
            _PRELUDE_CPU[rust_target],
            "toolchains//constraints:rust_target[{}]".format(rust_target),
            "toolchains//constraints:linker[{}]".format(linker),
            "toolchains//constraints:panic[{}]".format(panic),
            "toolchains//constraints:mode[{}]".format(mode),
            "toolchains//constraints:cpu_level[{}]".format(cpu_level),
        ],
        visibility = ["PUBLIC"],
    )

def all_combinations() -> list[dict[str, str]]:
    """Every combination of DIMENSIONS, as keyword arguments."""
    combos = [{}]
    for dim, values in DIMENSIONS.items():
        combos = [dict(c, **{dim: v}) for c in combos for v in values]
    return combos

def combination_name(combo: dict[str, str]) -> str:
    return "-".join([combo[dim] for dim in DIMENSIONS.keys()])
