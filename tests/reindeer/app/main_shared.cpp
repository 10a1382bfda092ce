#include <cstdio>

#include "app_api.h"

int main() {
    std::printf("cxx: %s\n", app::summary().c_str());
    return 0;
}
