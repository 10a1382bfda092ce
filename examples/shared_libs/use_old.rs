#[no_mangle]
pub extern "C" fn use_old_version() -> u32 {
    verlib::version()
}

#[no_mangle]
pub extern "C" fn use_old_bump() -> u32 {
    counter::bump()
}
