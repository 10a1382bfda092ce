#include <cstddef>
#include <iostream>

extern "C" size_t allocate_boxes(size_t n);

int main() {
    std::cout << "global_allocator: counted " << allocate_boxes(3) << " allocations" << std::endl;
    return 0;
}
