fn main() {
    println!("{}", ovl::describe());
}
