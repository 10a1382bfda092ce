//! The shared bottom of the diamond.

/// How many times `greet` ran: a single counter only if `base` is linked once.
static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn greet(who: &str) -> String {
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    format!("{who}#{n}")
}
