#include <cstdio>
#include "right/generated.h"  // written by right's build script, as cxx-build writes its headers

extern "C" unsigned left_value();
extern "C" unsigned right_value();
extern "C" unsigned shared_calls();

int main() {
    unsigned l = left_value(), r = right_value();
    // shared_calls is 2 only if left and right share one copy of crate shared.
    std::printf("left=%u right=%u shared_calls=%u generated=%d\n", l, r, shared_calls(), RIGHT_GENERATED);
    return 0;
}
