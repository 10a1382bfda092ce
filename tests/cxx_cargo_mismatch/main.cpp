#include "lonely/src/lib.rs.h"
#include <iostream>

int main() { std::cout << lonely::answer() << "\n"; }
