extern "C" {
    fn twice(x: u32) -> u32; // native/twice.c, compiled by build.rs
}

#[no_mangle]
pub extern "C" fn right_value() -> u32 {
    unsafe { twice(shared::bump(21)) }
}
