fn main() {
    cxx_build::bridge("src/lib.rs")
        .file("src/weight.cc")
        .std("c++17")
        .compile("left_bridge");
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=src/weight.cc");
    println!("cargo:rerun-if-changed=include/weight.h");
}
