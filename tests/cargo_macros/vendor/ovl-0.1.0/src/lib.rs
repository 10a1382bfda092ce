mod answer;
mod generated;
pub fn describe() -> String {
    format!("{} {}", answer::WHO, generated::GENERATED)
}
