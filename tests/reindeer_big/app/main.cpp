// A C++ service over the Rust crate set: one call into the C API.
#include <cstddef>
#include <cstdio>
#include <cstring>
extern "C" std::size_t service_run(const char *greeting, char *out, std::size_t cap);
int main() {
    char buf[1024];
    service_run("hello-42", buf, sizeof buf);
    std::printf("service: %s\n", buf);
    return std::strncmp(buf, "error:", 6) == 0 ? 1 : 0;
}
