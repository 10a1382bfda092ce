fn main() {
    println!("diamond: {} {}", left::left(), right::right());
}
