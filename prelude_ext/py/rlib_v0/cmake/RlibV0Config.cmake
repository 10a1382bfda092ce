# find_package(RlibV0) with RlibV0_DIR=$(rlib-v0 cmake-dir): the same module
# as include(RlibV0) with that directory on CMAKE_MODULE_PATH.
include("${CMAKE_CURRENT_LIST_DIR}/RlibV0.cmake")
set(RlibV0_FOUND TRUE)
