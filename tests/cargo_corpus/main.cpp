// A C++ program over the four corpus crates (release profile), linked by rlib-v0 link.
#include <cstdio>
#include <string>

extern "C" {
size_t capi_json_shift(const char *input, char *out, size_t cap);
long long capi_json_keys(const char *input);
unsigned capi_text_long_words(const char *input);
long long capi_text_json_sum(const char *input);
void capi_crypto_sha256_hex(const char *input, char *out);
int capi_sys_pid_matches();
double capi_sys_cbrt(double x);
int capi_sys_build_script_ok();
}

int main() {
    std::string buf(256, '\0');
    char hex[65];
    capi_json_shift("{\"x\": 41, \"y\": 21, \"label\": \"point\"}", buf.data(), buf.size());
    std::printf("json: %s\n", buf.c_str());
    std::printf("keys: %lld\n", capi_json_keys("{\"a\": 1, \"b\": [2, 3], \"c\": null}"));
    std::printf("long words: %u\n", capi_text_long_words("a bb ccc dddd, eeeee; ff ggg"));
    std::printf("json sum: %lld\n", capi_text_json_sum("[1, 2, 3, 4, 5, 100]"));
    capi_crypto_sha256_hex("abc", hex);
    std::printf("sha256(abc): %s\n", hex);
    std::printf("pid matches: %d\n", capi_sys_pid_matches());
    std::printf("cbrt(27): %.1f\n", capi_sys_cbrt(27.0));
    std::printf("build script: %d\n", capi_sys_build_script_ok());
    return 0;
}
