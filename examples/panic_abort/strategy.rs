/// The panic strategy this crate was compiled with.
pub fn panic_strategy() -> &'static str {
    if cfg!(panic = "abort") {
        "abort"
    } else {
        "unwind"
    }
}
