#include <iostream>

#include "plugin1.h"
#include "plugin2.h"

int main() {
    // Each library its own verlib, and its own copy of `counter`: 1 and 1.
    unsigned b1 = plugin1::bump(), b2 = plugin2::bump();
    std::cout << "shared_libs: versions " << plugin1::version() << " " << plugin2::version()
              << ", counters " << b1 << " " << b2 << ", checked " << plugin2::checked(21);
    try {
        plugin1::checked(-1);
    } catch (const plugin1::Error &e) {
        std::cout << ", caught " << e.what();
    }
    std::cout << std::endl;
    return 0;
}
