pub fn left() -> String {
    base::greet("left")
}
