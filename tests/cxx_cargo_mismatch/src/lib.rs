#[cxx::bridge(namespace = "lonely")]
mod ffi {
    extern "Rust" {
        fn answer() -> u32;
    }
}

fn answer() -> u32 {
    42
}
