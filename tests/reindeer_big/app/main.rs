//! The same service from a Rust `main`, for its `[link-debug]` link plan.
fn main() {
    match service::run(&["service", "--greeting", "hello-42", "--rows", "3"]) {
        Ok(line) => println!("service: {line}"),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
