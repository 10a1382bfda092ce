#include <cstddef>
#include <cstdio>
extern "C" std::size_t app_summary(char *out, std::size_t cap);
int main() {
    char buf[256];
    app_summary(buf, sizeof buf);
    std::printf("cxx: %s\n", buf);
    return 0;
}
