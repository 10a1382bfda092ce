//! JSON through serde's derive: parse a record, change it, print it back.
use serde::{Deserialize, Serialize};
use std::ffi::{c_char, CStr};

#[derive(Serialize, Deserialize)]
struct Point {
    x: i64,
    y: i64,
    label: String,
}

fn shift(input: &str) -> anyhow::Result<String> {
    let mut p: Point = serde_json::from_str(input)?;
    p.x += 1;
    p.y *= 2;
    p.label = p.label.to_uppercase();
    Ok(serde_json::to_string(&p)?)
}

/// Writes the shifted JSON (or "error: ...") into `out` (NUL-terminated, truncated to `cap`).
#[no_mangle]
pub extern "C" fn capi_json_shift(input: *const c_char, out: *mut c_char, cap: usize) -> usize {
    let text = unsafe { CStr::from_ptr(input) }.to_string_lossy();
    let s = match shift(&text) {
        Ok(s) => s,
        Err(e) => format!("error: {e}"),
    };
    let n = s.len().min(cap.saturating_sub(1));
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), out as *mut u8, n);
        *out.add(n) = 0;
    }
    n
}

/// serde_json's own counter of something: the number of keys in an object.
#[no_mangle]
pub extern "C" fn capi_json_keys(input: *const c_char) -> i64 {
    let text = unsafe { CStr::from_ptr(input) }.to_string_lossy();
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(m)) => m.len() as i64,
        _ => -1,
    }
}
