pub const WHO: &str = "vendored answer.rs";
