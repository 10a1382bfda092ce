#include <cstdint>
#include <iostream>

#include "counter.h"

extern "C" uint32_t right_add(uint32_t n);

int main() {
    counter_bump(40);
    // 40 + (1 + 2): one shared counter in `base`.
    std::cout << "cxx_diamond: total " << right_add(12) << std::endl;
    return 0;
}
