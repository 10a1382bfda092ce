#pragma once
#include <cstdint>

namespace right {
int32_t cpp_twice(int32_t x);
}
