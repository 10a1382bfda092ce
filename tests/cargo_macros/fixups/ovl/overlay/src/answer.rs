// reindeer's `overlay` fixup: replaces the vendored file of the same path.
pub const WHO: &str = "overlay answer.rs";
