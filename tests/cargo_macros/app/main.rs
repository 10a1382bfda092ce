fn main() {
    println!("{}", top::summary());
}
