//! regex (heavy generics), smallvec and once_cell (no_std-capable), and
//! serde_json again (shared with capi_json: one copy in the program).
use once_cell::race::OnceBox;
use regex::Regex;
use smallvec::SmallVec;
use std::ffi::{c_char, CStr};

static WORDS: OnceBox<Regex> = OnceBox::new();

/// Counts words of 3+ letters.
#[no_mangle]
pub extern "C" fn capi_text_long_words(input: *const c_char) -> u32 {
    let text = unsafe { CStr::from_ptr(input) }.to_string_lossy();
    let re = WORDS.get_or_init(|| Box::new(Regex::new(r"\b[[:alpha:]]{3,}\b").unwrap()));
    let found: SmallVec<[&str; 8]> = re.find_iter(&text).map(|m| m.as_str()).collect();
    found.len() as u32
}

/// The sum of the numbers in a JSON array (serde_json, as in capi_json).
#[no_mangle]
pub extern "C" fn capi_text_json_sum(input: *const c_char) -> i64 {
    let text = unsafe { CStr::from_ptr(input) }.to_string_lossy();
    serde_json::from_str::<Vec<i64>>(&text).map(|v| v.iter().sum()).unwrap_or(-1)
}
