pub const VERSION: &str = "2.0";

/// Same function name as in 1.0, different behaviour: the two must not merge.
pub fn hello() -> String {
    format!("HELLO FROM GREETING {VERSION}")
}
