#[no_mangle]
pub extern "C" fn right_add(n: u32) -> u32 {
    // A String and a Vec: the std bundle is needed from C++ too.
    let v: Vec<u32> = format!("{n}").chars().map(|c| c.to_digit(10).unwrap()).collect();
    base::add(v.iter().sum())
}
