fn main() {
    println!("build_script: {}", answer::describe());
}
