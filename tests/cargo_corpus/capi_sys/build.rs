// A build script that asks for a system library, as -sys crates do.
fn main() {
    println!("cargo:rustc-link-lib=m");
    println!("cargo:rustc-cfg=capi_sys_probed");
    println!("cargo:rustc-check-cfg=cfg(capi_sys_probed)");
    println!("cargo:rustc-env=CAPI_SYS_GREETING=hello from build.rs");
}
