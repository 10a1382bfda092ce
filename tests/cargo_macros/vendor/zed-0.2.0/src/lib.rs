#[cfg(zed3)]
pub fn level() -> &'static str {
    "zed3"
}
#[cfg(not(zed3))]
pub fn level() -> &'static str {
    "old zed"
}
pub fn answer() -> i32 {
    unsafe { zed_sys::zed_answer() }
}
pub use zed_sys::LINKS;
