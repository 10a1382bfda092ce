#pragma once
#include "rust/cxx.h"
#include <string>
#include <cstdint>

namespace left {
// C++ called by Rust through the bridge (extern "C++").
uint32_t cpp_weight(const std::string &word);
}
