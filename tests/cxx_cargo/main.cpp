// C++ main over two cxx bridge crates that share one Rust crate.
#include "left/src/lib.rs.h"
#include "right/src/lib.rs.h"
#include <iostream>
#include <string>

int main() {
  rust::Vec<rust::String> words;
  words.push_back(rust::String("abc"));
  words.push_back(rust::String("Rust"));
  for (const auto &s : left::score_words(words)) {
    std::cout << "scored " << std::string(s.word) << " " << s.score << "\n";
  }
  std::cout << "greet " << std::string(right::greet(std::string("cxx"))) << "\n";
  std::cout << "doubled " << right::doubled_score("abc") << "\n";
  // One counter: left adds 1, right 10, in this order.
  std::cout << "bump " << left::left_bump() << " " << right::right_bump() << " " << left::left_bump() << "\n";
  std::cout << "parse " << left::parse_num(" 42 ") << "\n";
  try {
    left::parse_num("forty-two");
    std::cout << "no exception\n";
  } catch (const rust::Error &e) {
    std::cout << "exception " << e.what() << "\n";
  }
  return 0;
}
