#include "left/include/weight.h"
#include "left/src/lib.rs.h"

namespace left {
// Weighs a word in C++ and asks the crate's Rust code back for its score:
// a C++ -> Rust call from the crate's own native library (a link cycle).
uint32_t cpp_weight(const std::string &word) {
  return static_cast<uint32_t>(word.size()) * 100 + rust_score(word);
}
}
