fn main() {
    println!("whole_archive: registered {:?}", registry::registered());
}
