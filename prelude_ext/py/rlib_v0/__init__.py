"""rlib-v0: version-0 rlibs, std bundles and a deduplicating linker wrapper."""

__version__ = "0.1.0"
