# Target platforms: one per configuration a user can pick with
# `--target-platforms toolchains//platforms:NAME`.

# The dimensions and the values of each, in the order used in platform names
# (x86-64, the host).
DIMENSIONS = {
    "linker": ["bfd", "gold", "lld", "mold"],
    "panic": ["unwind", "abort"],
    "mode": ["dev", "release"],
    "cpu_level": ["baseline", "x86-64-v3"],
}

# aarch64, cross-compiled: the same but the CPU level (x86-64-v3 is x86's),
# named `aarch64-LINKER-PANIC-MODE`.
AARCH64_DIMENSIONS = {dim: values for dim, values in DIMENSIONS.items() if dim != "cpu_level"}

# The prelude's own os/cpu constraints, which its C/C++ rules read (e.g. to
# pick the object format); the Rust triple is our own constraint.
_PRELUDE_CPU = {
    "aarch64-unknown-linux-gnu": "prelude//cpu/constraints:cpu[arm64]",
    "x86_64-unknown-linux-gnu": "prelude//cpu/constraints:cpu[x86_64]",
}

# The rustc of each target by default (constraints:rustc): the x86-64
# configurations use `[rust_v0] rustc` (rustup's, say), aarch64 the system's
# (Debian's rustc-web has std for both; rustup's stable has aarch64's only
# after `rustup target add`, then `rustc = "default"` does too).
_RUSTC = {
    "aarch64-unknown-linux-gnu": "system",
    "x86_64-unknown-linux-gnu": "default",
}

# This machine's Rust triple: what its execution platforms build exec deps for.
HOST_RUST_TARGET = "aarch64-unknown-linux-gnu" if host_info().arch.is_aarch64 else "x86_64-unknown-linux-gnu"

def exec_constraints(rustc: str) -> list[str]:
    """The constraint values of the execution platform running `rustc`
    (constraints:rustc): this machine's triple and that rustc."""
    return [
        "toolchains//constraints:rust_target[{}]".format(HOST_RUST_TARGET),
        "toolchains//constraints:rustc[{}]".format(rustc),
    ]

def rust_v0_platform(
        name: str,
        linker: str = "bfd",
        panic: str = "unwind",
        mode: str = "dev",
        cpu_level: str = "baseline",
        rust_target: str = "x86_64-unknown-linux-gnu",
        rustc: str | None = None):
    native.platform(
        name = name,
        constraint_values = [
            "prelude//os/constraints:os[linux]",
            _PRELUDE_CPU[rust_target],
            "toolchains//constraints:rust_target[{}]".format(rust_target),
            "toolchains//constraints:rustc[{}]".format(rustc or _RUSTC[rust_target]),
            "toolchains//constraints:linker[{}]".format(linker),
            "toolchains//constraints:panic[{}]".format(panic),
            "toolchains//constraints:mode[{}]".format(mode),
            "toolchains//constraints:cpu_level[{}]".format(cpu_level),
        ],
        visibility = ["PUBLIC"],
    )

def all_combinations(dimensions: dict[str, list[str]] = DIMENSIONS) -> list[dict[str, str]]:
    """Every combination of `dimensions`, as keyword arguments."""
    combos = [{}]
    for dim, values in dimensions.items():
        combos = [dict(c, **{dim: v}) for c in combos for v in values]
    return combos

def combination_name(combo: dict[str, str], dimensions: dict[str, list[str]] = DIMENSIONS) -> str:
    return "-".join([combo[dim] for dim in dimensions.keys()])
