unsigned twice(unsigned x) { return 2 * x; }
