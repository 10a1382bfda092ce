//! SHA-256 through ring (C and assembly from its build script).
use std::ffi::{c_char, CStr};

/// Writes the lowercase hex SHA-256 of the NUL-terminated `input` into `out` (65 bytes).
#[no_mangle]
pub extern "C" fn capi_crypto_sha256_hex(input: *const c_char, out: *mut c_char) {
    let bytes = unsafe { CStr::from_ptr(input) }.to_bytes();
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    unsafe {
        std::ptr::copy_nonoverlapping(hex.as_ptr(), out as *mut u8, 64);
        *out.add(64) = 0;
    }
}
