/* Compiled by the build script with the target's C compiler. */
int c_answer(void) { return (int)sizeof(void *) * 5 + 2; }
