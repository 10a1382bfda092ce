//! Shared by both sides; owns a counter, so two copies would show.

use std::sync::atomic::{AtomicU32, Ordering};

static TOTAL: AtomicU32 = AtomicU32::new(0);

pub fn add(n: u32) -> u32 {
    TOTAL.fetch_add(n, Ordering::SeqCst) + n
}
