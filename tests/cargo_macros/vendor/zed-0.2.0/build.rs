// Like openssl's build script: reads what zed-sys's build script said
// (DEP_ZED_*), checks the header it points at, and turns the version into a
// cfg. It has `links` too, so its own metadata goes to its dependents.
use std::env;
use std::path::PathBuf;

fn main() {
    let include = PathBuf::from(env::var("DEP_ZED_INCLUDE").expect("DEP_ZED_INCLUDE from zed-sys"));
    let header = std::fs::read_to_string(include.join("zed.h")).expect("zed.h in DEP_ZED_INCLUDE");
    let from_header: u64 = header
        .lines()
        .find_map(|l| l.strip_prefix("#define ZED_VERSION "))
        .expect("ZED_VERSION")
        .trim()
        .parse()
        .unwrap();
    let version: u64 = env::var("DEP_ZED_VERSION_NUMBER").expect("DEP_ZED_VERSION_NUMBER").parse().unwrap();
    assert_eq!(version, from_header);
    println!("cargo::rustc-check-cfg=cfg(zed3)");
    if version >= 30000000 {
        println!("cargo::rustc-cfg=zed3");
    }
    println!("cargo::metadata=level=v{}", version / 10000000);
}
