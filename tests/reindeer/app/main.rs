fn main() {
    println!("rust: {}", app_lib::summary(r#"{"name":"a1b22","n":3}"#).unwrap());
}
