# Execution platforms: where actions run, and the configuration that exec
# deps (proc macros, build scripts, tools) are built in.
#
#     rust_v0_execution_platform(name = "exec-rustc-system", constraint_values = ["//constraints:rustc[system]"])
#     rust_v0_execution_platforms(name = "exec", platforms = [":exec-rustc-default", ":exec-rustc-system"])
#     # .buckconfig: [build] execution_platforms = toolchains//platforms:exec
#
# A platform is this machine's cpu and os (as the prelude's default one)
# plus `constraint_values`: say, which rustc it runs. A rust_v0 toolchain
# whose rustc differs by configuration asks for the platform of its rustc
# with `exec_compatible_with`, so an aarch64 build's proc macros are built
# for this machine by the very rustc that loads them (docs/adopting.md,
# "Adding a target"). Local, or remote (REAPI): the same constraints, so
# exec deps are configured alike; only where commands run changes.

load("@prelude//cfg/exec_platform:marker.bzl", "get_exec_platform_marker")
load("@prelude//platforms:defs.bzl", "host_configuration")

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
    return [
        DefaultInfo(),
        ExecutionPlatformInfo(label = ctx.label.raw_target(), configuration = cfg, executor_config = executor),
        PlatformInfo(label = str(ctx.label.raw_target()), configuration = cfg),
    ]

rust_v0_execution_platform = rule(
    impl = _execution_platform_impl,
    attrs = {
        # Constraint values beyond cpu and os: e.g. the machine's Rust triple
        # and the rustc its actions run.
        "constraint_values": attrs.list(attrs.dep(providers = [ConfigurationInfo]), default = []),
        "cpu_configuration": attrs.dep(providers = [ConfigurationInfo], default = host_configuration.cpu),
        # Remote only: let Buck2 run an action locally when the engine cannot
        # (off by default: the point is that everything runs remotely).
        "local_fallback": attrs.bool(default = False),
        "os_configuration": attrs.dep(providers = [ConfigurationInfo], default = host_configuration.os),
        # Remote only: REAPI platform properties of every action.
        "properties": attrs.dict(key = attrs.string(), value = attrs.string(), default = {}),
        # Actions run on a remote execution engine (REAPI), not here.
        "remote": attrs.bool(default = False),
    },
    doc = "An execution platform: this machine (or remote workers like it) with the given constraint values.",
)

def _execution_platforms_impl(ctx: AnalysisContext) -> list[Provider]:
    return [
        DefaultInfo(),
        ExecutionPlatformRegistrationInfo(
            platforms = [p[ExecutionPlatformInfo] for p in ctx.attrs.platforms],
            # Exec configurations carry the prelude's marker, as with its
            # default platform: proc macros and build scripts are built
            # there only (compile.bzl, EXEC_ONLY).
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
