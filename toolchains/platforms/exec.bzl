# Execution platforms: where actions run, and the configuration the exec
# deps of a target (proc macros, build scripts, tools) are built in.
#
# One platform per rustc (constraints:rustc): this machine's cpu and os, its
# Rust triple, and the rustc. A rust_v0 toolchain asks for the execution
# platform of its configuration's rustc (`exec_compatible_with` in
# toolchains//BUCK), so an aarch64 build's proc macros are built for x86-64
# by the very rustc that loads them, and its build scripts by the same
# rustc as its crates, as cargo does.
#
# Local (`toolchains//platforms:exec`, the default of .buckconfig) or remote
# (`toolchains//re:remote`, re/remote.buckconfig): the same constraints, so
# exec deps are configured alike; only where commands run changes.

load("@prelude//cfg/exec_platform:marker.bzl", "get_exec_platform_marker")
load("@prelude//platforms:defs.bzl", "host_configuration")

# This machine's Rust triple: what exec deps are compiled for.
HOST_RUST_TARGET = "aarch64-unknown-linux-gnu" if host_info().arch.is_aarch64 else "x86_64-unknown-linux-gnu"

def _execution_platform_impl(ctx: AnalysisContext) -> list[Provider]:
    constraints = dict()
    for dep in [ctx.attrs.cpu_configuration, ctx.attrs.os_configuration] + ctx.attrs.constraint_values:
        constraints.update(dep[ConfigurationInfo].constraints)
    cfg = ConfigurationInfo(constraints = constraints, values = {})
    if ctx.attrs.remote:
        executor = CommandExecutorConfig(
            # False: an action the engine cannot run fails the build instead
            # of quietly running here, where undeclared inputs are visible.
            local_enabled = ctx.attrs.local_fallback,
            remote_enabled = True,
            use_limited_hybrid = ctx.attrs.local_fallback,
            # What a worker must offer to take the action (NativeLink matches
            # these against its workers' `platform_properties`).
            remote_execution_properties = ctx.attrs.properties,
            remote_execution_use_case = "buck2-default",
            # Outputs named by path, as the REAPI v2.1 engines expect.
            remote_output_paths = "output_paths",
            # With the fallback, what ran locally is cached for the others too.
            allow_cache_uploads = ctx.attrs.local_fallback,
        )
    else:
        executor = CommandExecutorConfig(local_enabled = True, remote_enabled = False)
    platform = ExecutionPlatformInfo(label = ctx.label.raw_target(), configuration = cfg, executor_config = executor)
    return [
        DefaultInfo(),
        platform,
        PlatformInfo(label = str(ctx.label.raw_target()), configuration = cfg),
    ]

_execution_platform = rule(
    impl = _execution_platform_impl,
    attrs = {
        # Constraint values beyond cpu and os: the Rust triple and the rustc.
        "constraint_values": attrs.list(attrs.dep(providers = [ConfigurationInfo]), default = []),
        "cpu_configuration": attrs.dep(providers = [ConfigurationInfo]),
        # Remote only: let Buck2 run an action locally when the engine cannot
        # (off by default: the point is that everything runs remotely).
        "local_fallback": attrs.bool(default = False),
        "os_configuration": attrs.dep(providers = [ConfigurationInfo]),
        # Remote only: REAPI platform properties of every action.
        "properties": attrs.dict(key = attrs.string(), value = attrs.string(), default = {}),
        # Actions run on a remote execution engine (REAPI), not here.
        "remote": attrs.bool(default = False),
    },
    doc = "An execution platform: this machine (or a remote engine's workers like it) with one rustc.",
)

def rust_v0_execution_platform(name: str, rustc: str, **kwargs):
    """The execution platform of this machine's cpu, os and Rust triple with
    `toolchains//constraints:rustc[RUSTC]`."""
    _execution_platform(
        name = name,
        cpu_configuration = host_configuration.cpu,
        os_configuration = host_configuration.os,
        constraint_values = [
            "toolchains//constraints:rust_target[{}]".format(HOST_RUST_TARGET),
            "toolchains//constraints:rustc[{}]".format(rustc),
        ],
        **kwargs
    )

def _execution_platforms_impl(ctx: AnalysisContext) -> list[Provider]:
    return [
        DefaultInfo(),
        ExecutionPlatformRegistrationInfo(
            platforms = [p[ExecutionPlatformInfo] for p in ctx.attrs.platforms],
            # Exec configurations carry the prelude's marker (as with its
            # default platform): rust_v0_library's proc macros are only ever
            # built there.
            exec_marker_constraint = get_exec_platform_marker(),
        ),
    ]

rust_v0_execution_platforms = rule(
    impl = _execution_platforms_impl,
    attrs = {
        # In order of preference: a target that asks for nothing gets the first.
        "platforms": attrs.list(attrs.dep(providers = [ExecutionPlatformInfo])),
    },
    doc = "The execution platforms Buck2 chooses from (`[build] execution_platforms`).",
)
