pub fn old() -> String {
    greeting::hello()
}
