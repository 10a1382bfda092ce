//! A cxx bridge: Rust called from C++, and C++ (src/weight.cc) called from
//! Rust, which itself calls Rust again.
#[cxx::bridge(namespace = "left")]
mod ffi {
    struct Scored {
        word: String,
        score: u32,
    }

    extern "Rust" {
        fn score_words(words: &Vec<String>) -> Vec<Scored>;
        fn rust_score(word: &CxxString) -> u32;
        fn left_bump() -> u32;
        fn parse_num(text: &str) -> Result<i32>;
    }

    unsafe extern "C++" {
        include!("left/include/weight.h");
        fn cpp_weight(word: &CxxString) -> u32;
    }
}

fn score_words(words: &Vec<String>) -> Vec<ffi::Scored> {
    words
        .iter()
        .map(|w| {
            cxx::let_cxx_string!(s = w.as_str());
            ffi::Scored { word: w.to_uppercase(), score: ffi::cpp_weight(&s) }
        })
        .collect()
}

fn rust_score(word: &cxx::CxxString) -> u32 {
    shared::score(&word.to_string_lossy())
}

/// For Rust callers (the Buck2 `rust_v0_binary`): Rust -> C++ -> Rust.
pub fn weigh(word: &str) -> u32 {
    cxx::let_cxx_string!(s = word);
    ffi::cpp_weight(&s)
}

pub fn left_bump() -> u32 {
    shared::bump(1)
}

fn parse_num(text: &str) -> Result<i32, std::num::ParseIntError> {
    text.trim().parse()
}
