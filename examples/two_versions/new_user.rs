pub fn new() -> String {
    greeting::hello()
}
