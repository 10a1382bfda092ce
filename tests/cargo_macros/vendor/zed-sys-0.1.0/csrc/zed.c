#include "zed.h"
int zed_answer(void) { return ZED_VERSION / 10000000 + 39; }
