//! A process-wide list of plugin names, filled by static initializers.

use std::sync::Mutex;

static PLUGINS: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

pub fn register(name: &'static str) {
    PLUGINS.lock().unwrap().push(name);
}

pub fn registered() -> Vec<&'static str> {
    PLUGINS.lock().unwrap().clone()
}

/// For C/C++ callers: how many plugins registered.
#[no_mangle]
pub extern "C" fn registry_count() -> usize {
    PLUGINS.lock().unwrap().len()
}
