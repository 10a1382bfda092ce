#include <stdio.h>

int rust_checksum(const char *s);

int main(void) {
    printf("no_mangle: rust_checksum(\"abc\") = %d\n", rust_checksum("abc"));
    return 0;
}
