// What the build script found, and C compiled for the target.
extern "C" {
    fn c_answer() -> i32;
}

pub fn describe() -> String {
    format!(
        "for {} ({}) on {}, macro ran on {}, C says {}",
        env!("BUILD_TARGET"),
        env!("BUILD_TARGET_ARCH"),
        env!("BUILD_HOST"),
        host_arch::host_arch!(),
        unsafe { c_answer() },
    )
}
