#include "counter.h"

extern "C" uint32_t left_add(uint32_t n);

uint32_t counter_bump(uint32_t n) {
    return left_add(n);
}
