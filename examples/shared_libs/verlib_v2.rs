/// Same path as in version 1, another answer: the two must not merge.
pub fn version() -> u32 {
    2
}
