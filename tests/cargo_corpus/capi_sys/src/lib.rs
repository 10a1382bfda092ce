//! libc, a system library asked for by our build script (libm's cbrt), and
//! a cfg and an env variable set by it.
extern "C" {
    fn cbrt(x: f64) -> f64;
}

/// getpid() through libc, compared with std's view of it: 1 when equal.
#[no_mangle]
pub extern "C" fn capi_sys_pid_matches() -> i32 {
    let pid = unsafe { libc::getpid() };
    (pid as u32 == std::process::id()) as i32
}

/// cbrt from libm, linked because build.rs asked for it.
#[no_mangle]
pub extern "C" fn capi_sys_cbrt(x: f64) -> f64 {
    unsafe { cbrt(x) }
}

/// 1 when build.rs's cfg reached the crate, and the length of its env value.
#[no_mangle]
pub extern "C" fn capi_sys_build_script_ok() -> i32 {
    let probed = cfg!(capi_sys_probed) as i32;
    probed * env!("CAPI_SYS_GREETING").len() as i32
}
