#include <cstddef>
#include <iostream>

extern "C" size_t registry_count();

int main() {
    std::cout << "whole_archive_cxx: registered " << registry_count() << " plugin(s)" << std::endl;
    return 0;
}
