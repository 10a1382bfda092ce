extern "C" {
    pub fn zed_answer() -> i32;
}
pub const LINKS: &str = env!("ZED_SYS_LINKS");
