fn main() {
    println!("rust: {}", app_lib::summary(r#"{"name":"a1b22","n":3}"#).unwrap());
    // `json` is serde_json under its named_deps name; APP_GREETING comes from `env`.
    let v: json::Value = json::from_str(r#"{"k": [1, 2]}"#).unwrap();
    println!("{}: {}", env!("APP_GREETING"), v["k"]);
}
