pub fn right() -> String {
    base::greet("right")
}
