// Like libz-sys or openssl-sys: builds a C library into OUT_DIR, installs its
// header there, and tells the build scripts of dependents about both
// (`links = "zed"` makes these DEP_ZED_INCLUDE and DEP_ZED_VERSION_NUMBER).
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn run(cmd: &mut Command) {
    let status = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(status.success(), "{cmd:?} failed");
}

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let links = env::var("CARGO_MANIFEST_LINKS").expect("CARGO_MANIFEST_LINKS");
    assert_eq!(links, "zed");
    let include = out.join("include");
    std::fs::create_dir_all(&include).unwrap();
    std::fs::copy("csrc/zed.h", include.join("zed.h")).unwrap();
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    run(Command::new(&cc).args(["-c", "-fPIC", "-I"]).arg(&include).arg("csrc/zed.c").arg("-o").arg(out.join("zed.o")));
    run(Command::new("ar").arg("crs").arg(out.join("libzed.a")).arg(out.join("zed.o")));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=zed");
    // Old syntax: any key that is no instruction is metadata.
    println!("cargo:include={}", include.display());
    // New syntax.
    println!("cargo::metadata=version_number=30000000");
    println!("cargo:rustc-env=ZED_SYS_LINKS={links}");
}
