use std::sync::atomic::{AtomicU32, Ordering};

/// State that must exist once in the program.
static CALLS: AtomicU32 = AtomicU32::new(0);

pub fn bump(x: u32) -> u32 {
    CALLS.fetch_add(1, Ordering::SeqCst);
    x + 1
}

#[no_mangle]
pub extern "C" fn shared_calls() -> u32 {
    CALLS.load(Ordering::SeqCst)
}
