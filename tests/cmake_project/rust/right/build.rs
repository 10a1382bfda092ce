//! Compiles native/twice.c with the C compiler CMake chose (CC_<target>, as
//! the cc crate reads it; plain `cc` otherwise) and writes a header where
//! cxx-build writes its generated headers: <target dir>/cxxbridge/<crate>/.
use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

fn tool(name: &str, default: &str) -> String {
    let key = env::var("TARGET").unwrap().replace('-', "_");
    env::var(format!("{name}_{key}")).or_else(|_| env::var(name)).unwrap_or_else(|_| default.to_string())
}

fn run(cmd: &mut Command) {
    let status = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(status.success(), "{cmd:?} failed");
}

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let obj = out.join("twice.o");
    run(Command::new(tool("CC", "cc")).args(["-c", "-O2", "-fPIC", "native/twice.c", "-o"]).arg(&obj));
    run(Command::new(tool("AR", "ar")).arg("crs").arg(out.join("libtwice.a")).arg(&obj));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=twice");
    println!("cargo:rerun-if-changed=native/twice.c");
    println!("cargo:rerun-if-changed=build.rs");

    // OUT_DIR is <target dir>[/<triple>]/<profile>/build/<pkg>-<hash>/out.
    let target_dir = env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| out.ancestors().nth(4).unwrap().to_path_buf());
    let dir = target_dir.join("cxxbridge").join("right");
    fs::create_dir_all(&dir).unwrap();
    let header = dir.join("generated.h");
    let text = "#define RIGHT_GENERATED 42\n";
    if fs::read_to_string(&header).ok().as_deref() != Some(text) {
        fs::write(&header, text).unwrap();
    }
}
