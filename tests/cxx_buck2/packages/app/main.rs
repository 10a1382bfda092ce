// Rust calling C++ (each bridge's extern "C++" functions) which calls Rust.
fn main() {
    println!("weigh abc {}", left::weigh("abc"));
    println!("doubled {}", right::doubled_score("abc"));
    println!("bump {} {} {}", left::left_bump(), right::right_bump(), shared::bump(100));
}
