#include "right/include/twice.h"

namespace right {
int32_t cpp_twice(int32_t x) { return 2 * x; }
}
