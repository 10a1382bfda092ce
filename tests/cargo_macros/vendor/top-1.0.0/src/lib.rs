pub fn summary() -> String {
    format!("{} {} answer={} links={}", env!("TOP_SEEN"), zed::level(), zed::answer(), zed::LINKS)
}
