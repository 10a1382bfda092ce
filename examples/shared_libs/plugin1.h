#pragma once
#include <stdexcept>

// The C++ API of libplugin1.so.
namespace plugin1 {
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
    ~Error() override;
};
unsigned version();
unsigned bump();
// Throws plugin1::Error for a negative x.
template <class T> T checked(T x);
}
