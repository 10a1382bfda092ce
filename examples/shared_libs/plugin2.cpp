#include "plugin2.h"

extern "C" unsigned use_new_version(void);
extern "C" unsigned use_new_bump(void);

namespace plugin2 {
Error::~Error() = default;
unsigned version() { return use_new_version(); }
unsigned bump() { return use_new_bump(); }
template <class T> T checked(T x) {
    if (x < 0) throw Error("plugin2: negative");
    return x * static_cast<T>(use_new_version());
}
template int checked<int>(int);
}
