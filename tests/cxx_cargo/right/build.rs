fn main() {
    cxx_build::bridge("src/lib.rs")
        .file("src/twice.cc")
        .std("c++17")
        .compile("right_bridge");
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=src/twice.cc");
    println!("cargo:rerun-if-changed=include/twice.h");
}
