// Compiles answer.c into $OUT_DIR/libanswer.a with the target's C compiler and
// archiver, as the `cc` crate would find them, and passes on what cargo's
// environment says about the build.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn var(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| panic!("build script: {name} is not set"))
}

fn run(cmd: &mut Command) {
    let status = cmd.status().unwrap_or_else(|e| panic!("build script: cannot run {cmd:?}: {e}"));
    assert!(status.success(), "build script: {cmd:?} failed");
}

fn main() {
    let target = var("TARGET");
    let suffix = target.replace('-', "_");
    let out = PathBuf::from(var("OUT_DIR"));
    let obj = out.join("answer.o");
    let mut cc = Command::new(var(&format!("CC_{suffix}")));
    cc.args(var(&format!("CFLAGS_{suffix}")).split_whitespace());
    run(cc.args(["-c", "answer.c", "-o"]).arg(&obj));
    run(Command::new(var(&format!("AR_{suffix}"))).arg("crs").arg(out.join("libanswer.a")).arg(&obj));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=answer");
    println!("cargo:rustc-env=BUILD_TARGET={target}");
    println!("cargo:rustc-env=BUILD_HOST={}", var("HOST"));
    println!("cargo:rustc-env=BUILD_TARGET_ARCH={}", var("CARGO_CFG_TARGET_ARCH"));
}
