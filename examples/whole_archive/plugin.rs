//! Registers itself before `main` runs, from `.init_array`. Nothing calls
//! into this crate, which is why it must be linked with --whole-archive.

extern "C" fn register_plugin() {
    registry::register("plugin");
}

#[used]
#[link_section = ".init_array"]
static REGISTER: extern "C" fn() = register_plugin;
