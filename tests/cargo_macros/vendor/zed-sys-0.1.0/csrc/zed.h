#define ZED_VERSION 30000000
int zed_answer(void);
