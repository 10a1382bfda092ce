//! The second bridge over `shared`: a C++ string in, a Rust string out.
#[cxx::bridge(namespace = "right")]
mod ffi {
    extern "Rust" {
        fn greet(name: &CxxString) -> String;
        fn right_bump() -> u32;
        fn doubled_score(word: &str) -> i32;
    }

    unsafe extern "C++" {
        include!("right/include/twice.h");
        fn cpp_twice(x: i32) -> i32;
    }
}

fn greet(name: &cxx::CxxString) -> String {
    format!("hello, {}", name.to_string_lossy())
}

pub fn right_bump() -> u32 {
    shared::bump(10)
}

/// Rust -> C++ (src/twice.cc).
pub fn doubled_score(word: &str) -> i32 {
    ffi::cpp_twice(shared::score(word) as i32)
}
