#include "plugin1.h"

extern "C" unsigned use_old_version(void);
extern "C" unsigned use_old_bump(void);

namespace plugin1 {
Error::~Error() = default;
unsigned version() { return use_old_version(); }
unsigned bump() { return use_old_bump(); }
template <class T> T checked(T x) {
    if (x < 0) throw Error("plugin1: negative");
    return x * static_cast<T>(use_old_version());
}
template int checked<int>(int);
}
