// Metadata goes to immediate dependents only: DEP_ZEDWRAP_* from zed, never
// zed-sys's DEP_ZED_*.
use std::env;

fn main() {
    let level = env::var("DEP_ZEDWRAP_LEVEL").expect("DEP_ZEDWRAP_LEVEL from zed");
    let transitive = env::var("DEP_ZED_INCLUDE").is_ok();
    println!("cargo:rustc-env=TOP_SEEN=level={level} transitive={transitive}");
}
