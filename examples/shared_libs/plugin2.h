#pragma once
#include <stdexcept>

// The C++ API of libplugin2.so.
namespace plugin2 {
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
    ~Error() override;
};
unsigned version();
unsigned bump();
// Throws plugin2::Error for a negative x.
template <class T> T checked(T x);
}
