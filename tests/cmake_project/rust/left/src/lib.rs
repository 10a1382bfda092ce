#[no_mangle]
pub extern "C" fn left_value() -> u32 {
    let text = format!("{}", shared::bump(6));
    text.parse().unwrap()
}
