#pragma once
#include <cstdint>

// A C++ API over the Rust crate `left`.
uint32_t counter_bump(uint32_t n);
