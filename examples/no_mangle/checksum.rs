use std::ffi::{c_char, c_int, CStr};

extern "C" {
    fn c_weight(byte: c_int) -> c_int;
}

/// Sum of `c_weight(byte)` over a NUL-terminated string.
#[no_mangle]
pub extern "C" fn rust_checksum(s: *const c_char) -> c_int {
    let bytes = unsafe { CStr::from_ptr(s) }.to_bytes();
    bytes.iter().map(|&b| unsafe { c_weight(b as c_int) }).sum()
}
