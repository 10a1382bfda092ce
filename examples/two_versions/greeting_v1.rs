pub const VERSION: &str = "1.0";

pub fn hello() -> String {
    format!("hello from greeting {VERSION}")
}
