#pragma once
#include <string>

// The C++ API of libapp_shared.so, over the Rust crate set.
namespace app {
std::string summary();
}
