#[no_mangle]
pub extern "C" fn left_add(n: u32) -> u32 {
    base::add(n)
}
