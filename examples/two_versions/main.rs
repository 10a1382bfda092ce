fn main() {
    println!("two_versions: {} / {}", old_user::old(), new_user::new());
}
