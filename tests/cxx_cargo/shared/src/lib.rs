//! One counter for the whole program: linked twice, the two bridges would
//! each count on their own.
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn bump(by: u32) -> u32 {
    COUNTER.fetch_add(by, Ordering::SeqCst) + by
}

pub fn score(word: &str) -> u32 {
    word.bytes().map(|b| (b.to_ascii_lowercase().wrapping_sub(b'a') as u32 % 26) + 1).sum()
}
