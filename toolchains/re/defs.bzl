# An execution platform that sends every action to a remote execution
# (REAPI) engine, e.g. NativeLink (re/README.md). Selected by
# `[build] execution_platforms = toolchains//re:remote` (re/remote.buckconfig);
# without it Buck2 keeps using prelude//platforms:default, all local.
#
# The platform has the constraints of the prelude's default execution
# platform (host cpu and os), so exec deps (the rlib-v0 tool, the prelude's
# Python helpers) are configured exactly as in a local build and their
# actions hash the same: only where the commands run changes.

load("@prelude//cfg/exec_platform:marker.bzl", "get_exec_platform_marker")

def _remote_execution_platform_impl(ctx: AnalysisContext) -> list[Provider]:
    constraints = dict()
    constraints.update(ctx.attrs.cpu_configuration[ConfigurationInfo].constraints)
    constraints.update(ctx.attrs.os_configuration[ConfigurationInfo].constraints)
    cfg = ConfigurationInfo(constraints = constraints, values = {})
    platform = ExecutionPlatformInfo(
        label = ctx.label.raw_target(),
        configuration = cfg,
        executor_config = CommandExecutorConfig(
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
        ),
    )
    return [
        DefaultInfo(),
        platform,
        PlatformInfo(label = str(ctx.label.raw_target()), configuration = cfg),
        ExecutionPlatformRegistrationInfo(platforms = [platform], exec_marker_constraint = get_exec_platform_marker()),
    ]

rust_v0_remote_execution_platform = rule(
    impl = _remote_execution_platform_impl,
    attrs = {
        "cpu_configuration": attrs.dep(providers = [ConfigurationInfo]),
        # Let Buck2 run an action locally when the engine cannot (off by
        # default: the point of the platform is that everything runs remotely).
        "local_fallback": attrs.bool(default = False),
        "os_configuration": attrs.dep(providers = [ConfigurationInfo]),
        # REAPI platform properties of every action.
        "properties": attrs.dict(key = attrs.string(), value = attrs.string(), default = {}),
    },
    doc = "An execution platform whose actions run on a remote execution engine.",
)
