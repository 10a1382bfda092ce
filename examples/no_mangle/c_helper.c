/* Called from Rust. */
int c_weight(int byte) {
    return byte * 3;
}
