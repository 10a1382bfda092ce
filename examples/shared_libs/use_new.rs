#[no_mangle]
pub extern "C" fn use_new_version() -> u32 {
    verlib::version()
}

#[no_mangle]
pub extern "C" fn use_new_bump() -> u32 {
    counter::bump()
}
