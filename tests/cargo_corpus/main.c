/* A C program over the four corpus crates (built by cargo, linked by rlib-v0 link). */
#include <stdio.h>
#include <string.h>

size_t capi_json_shift(const char *input, char *out, size_t cap);
long long capi_json_keys(const char *input);
unsigned capi_text_long_words(const char *input);
long long capi_text_json_sum(const char *input);
void capi_crypto_sha256_hex(const char *input, char *out);
int capi_sys_pid_matches(void);
double capi_sys_cbrt(double x);
int capi_sys_build_script_ok(void);

int main(void) {
    char buf[256], hex[65];
    capi_json_shift("{\"x\": 41, \"y\": 21, \"label\": \"point\"}", buf, sizeof buf);
    printf("json: %s\n", buf);
    printf("keys: %lld\n", capi_json_keys("{\"a\": 1, \"b\": [2, 3], \"c\": null}"));
    printf("long words: %u\n", capi_text_long_words("a bb ccc dddd, eeeee; ff ggg"));
    printf("json sum: %lld\n", capi_text_json_sum("[1, 2, 3, 4, 5, 100]"));
    capi_crypto_sha256_hex("abc", hex);
    printf("sha256(abc): %s\n", hex);
    printf("pid matches: %d\n", capi_sys_pid_matches());
    printf("cbrt(27): %.1f\n", capi_sys_cbrt(27.0));
    printf("build script: %d\n", capi_sys_build_script_ok());
    return 0;
}
