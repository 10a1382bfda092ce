#include "app_api.h"

#include <cstddef>

extern "C" std::size_t app_summary(char *out, std::size_t cap);

namespace app {
std::string summary() {
    char buf[256];
    app_summary(buf, sizeof buf);
    return buf;
}
}
