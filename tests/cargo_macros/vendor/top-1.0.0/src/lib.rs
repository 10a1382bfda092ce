pub fn summary() -> String {
    let at_compile_time: i32 = zed_macro::zed_answer_at_compile_time!();
    format!("{} {} answer={} macro={} links={}", env!("TOP_SEEN"), zed::level(), zed::answer(), at_compile_time, zed::LINKS)
}
