//! A first-party crate over reindeer's third-party crates: serde + derive
//! (proc macros), serde_json, thiserror (a proc macro reading CARGO_PKG_*),
//! regex, once_cell, anyhow, libc, and psm (its build script assembles code
//! and asks for the static library it made).
use once_cell::sync::Lazy;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::ffi::c_char;

#[derive(Serialize, Deserialize)]
struct Item {
    name: String,
    n: u32,
}

#[derive(Debug, thiserror::Error)]
enum AppError {
    #[error("bad input: {0}")]
    Bad(String),
}

static DIGITS: Lazy<Regex> = Lazy::new(|| Regex::new(r"\d+").unwrap());

pub fn summary(input: &str) -> anyhow::Result<String> {
    let item: Item = serde_json::from_str(input)?;
    if item.n == 0 {
        return Err(AppError::Bad(item.name).into());
    }
    let digits: u32 = DIGITS.find_iter(&item.name).map(|m| m.as_str().parse::<u32>().unwrap()).sum();
    let pid_ok = unsafe { libc::getpid() } as u32 == std::process::id();
    let stack_ok = !psm::stack_pointer().is_null();
    Ok(format!("{} n={} digits={} pid_ok={} stack_ok={} json={}", item.name, item.n, digits, pid_ok, stack_ok, serde_json::to_string(&item)?))
}

/// The summary of a fixed record, NUL-terminated into `out`.
#[no_mangle]
pub extern "C" fn app_summary(out: *mut c_char, cap: usize) -> usize {
    let s = summary(r#"{"name":"a1b22","n":3}"#).unwrap_or_else(|e| format!("error: {e}"));
    let n = s.len().min(cap.saturating_sub(1));
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), out as *mut u8, n);
        *out.add(n) = 0;
    }
    n
}

#[cfg(test)]
mod tests {
    #[test]
    fn summary_counts_digits() {
        assert_eq!(super::summary(r#"{"name":"x7y8","n":1}"#).unwrap(), "x7y8 n=1 digits=15 pid_ok=true stack_ok=true json={\"name\":\"x7y8\",\"n\":1}");
    }

    #[test]
    fn zero_is_an_error() {
        assert_eq!(super::summary(r#"{"name":"z","n":0}"#).unwrap_err().to_string(), "bad input: z");
    }
}
