# rlib-v0 for CMake: link Rust crates built by cargo into C/C++ targets, each
# crate once, through `rlib-v0 link` (no staticlibs).
#
#   find_package(RlibV0 REQUIRED)          # -DRlibV0_DIR=$(rlib-v0 cmake-dir)
#   rlib_v0_import_crates(MANIFEST_PATH rust/Cargo.toml [CRATES left right]
#                         [PROFILE dev|release|NAME] [TARGET triple]
#                         [FEATURES f...] [NO_DEFAULT_FEATURES] [LOCKED]
#                         [NO_LINKER_LAUNCHER])
#   add_executable(app main.cpp)
#   target_link_libraries(app PRIVATE left right)   # their shared crates: once
#
# At configure time `rlib-v0 cmake-import` reads `cargo metadata` and defines
# one INTERFACE target per imported crate (named after its package, also
# rlib_v0::NAME), carrying every crate it links and the std bundle. At build
# time one custom target runs cargo through the rlib-v0 rustc wrapper (cargo's
# own dependency tracking: a no-op when nothing changed) and builds the std
# bundle for the same rustc and target.
#
# Linking: CMake passes no linker launcher along target_link_libraries, so
# rlib_v0_import_crates sets CMAKE_C_LINKER_LAUNCHER and
# CMAKE_CXX_LINKER_LAUNCHER in the calling directory: targets created after
# it link through `rlib-v0 link` (a pass-through for links without Rust).
# For targets created elsewhere, or with NO_LINKER_LAUNCHER, call
# rlib_v0_link(TARGET). At the end of configuration every executable and
# shared library that links an imported crate is checked: one without the
# launcher is a configuration error, never a link that might work by chance.
#
# Cache variables: RLIB_V0_PYTHON (Python >= 3.11 running the tool),
# RLIB_V0_CARGO, RLIB_V0_RUSTC (default: $ENV{RUSTC}, else rustc on PATH;
# cargo and the std bundle both use it).

cmake_minimum_required(VERSION 3.21)  # <LANG>_LINKER_LAUNCHER

# This file lives in the rlib_v0 Python package, in cmake/.
get_filename_component(_RLIB_V0_PACKAGE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

if(NOT RLIB_V0_PYTHON)
  find_package(Python3 3.11 REQUIRED COMPONENTS Interpreter)
  set(RLIB_V0_PYTHON "${Python3_EXECUTABLE}" CACHE FILEPATH "Python >= 3.11 that runs rlib-v0")
endif()
# lean.py runs any verb without `site`: the package needs only the standard library.
set(_RLIB_V0_TOOL "${RLIB_V0_PYTHON}" -S "${_RLIB_V0_PACKAGE_DIR}/lean.py")
find_program(RLIB_V0_CARGO cargo DOC "cargo for rlib_v0_import_crates")
if(NOT RLIB_V0_RUSTC)
  if(DEFINED ENV{RUSTC} AND NOT "$ENV{RUSTC}" STREQUAL "")
    set(RLIB_V0_RUSTC "$ENV{RUSTC}" CACHE FILEPATH "rustc for cargo and the std bundle")
  else()
    find_program(RLIB_V0_RUSTC rustc DOC "rustc for cargo and the std bundle")
  endif()
endif()

function(_rlib_v0_tool)
  execute_process(COMMAND ${_RLIB_V0_TOOL} ${ARGN} RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(STRIP "${err}" err)
    message(FATAL_ERROR "rlib-v0 ${ARGV0}: ${err}")
  endif()
endfunction()

function(rlib_v0_import_crates)
  cmake_parse_arguments(ARG "NO_DEFAULT_FEATURES;LOCKED;NO_LINKER_LAUNCHER" "MANIFEST_PATH;PROFILE;TARGET" "CRATES;FEATURES" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "rlib_v0_import_crates: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_MANIFEST_PATH)
    message(FATAL_ERROR "rlib_v0_import_crates: MANIFEST_PATH is required")
  endif()
  if(NOT RLIB_V0_CARGO OR NOT RLIB_V0_RUSTC)
    message(FATAL_ERROR "rlib_v0_import_crates: cargo or rustc not found; install Rust (rustup) or set RLIB_V0_CARGO and RLIB_V0_RUSTC")
  endif()
  get_filename_component(manifest "${ARG_MANIFEST_PATH}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(profile "${ARG_PROFILE}")
  if(NOT profile)
    # As Corrosion: Debug (or no build type) -> dev, any other -> release.
    if(CMAKE_CONFIGURATION_TYPES)
      message(FATAL_ERROR "rlib_v0_import_crates: multi-config generators need an explicit PROFILE")
    elseif(NOT CMAKE_BUILD_TYPE OR CMAKE_BUILD_TYPE STREQUAL "Debug")
      set(profile dev)
    else()
      set(profile release)
    endif()
  endif()
  set(target "${ARG_TARGET}")
  if(NOT target AND CMAKE_CROSSCOMPILING)
    if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_SYSTEM_PROCESSOR)
      set(target "${CMAKE_SYSTEM_PROCESSOR}-unknown-linux-gnu")
    else()
      message(FATAL_ERROR "rlib_v0_import_crates: cross-compiling for ${CMAKE_SYSTEM_NAME}: give the Rust TARGET triple")
    endif()
  endif()
  string(MD5 key "${manifest};${target};${profile}")
  string(SUBSTRING "${key}" 0 10 key)
  set(state "${CMAKE_BINARY_DIR}/rlib_v0/${key}")
  set(args cmake-import --manifest-path "${manifest}" --state-dir "${state}" --cargo "${RLIB_V0_CARGO}"
      --rustc "${RLIB_V0_RUSTC}" --profile "${profile}"
      --cc "${CMAKE_C_COMPILER}" --cxx "${CMAKE_CXX_COMPILER}" --ar "${CMAKE_AR}")
  if(target)
    list(APPEND args --target "${target}")
  endif()
  foreach(c IN LISTS ARG_CRATES)
    list(APPEND args --crate "${c}")
  endforeach()
  foreach(f IN LISTS ARG_FEATURES)
    list(APPEND args --feature "${f}")
  endforeach()
  if(ARG_NO_DEFAULT_FEATURES)
    list(APPEND args --no-default-features)
  endif()
  if(ARG_LOCKED)
    list(APPEND args --locked)
  endif()
  _rlib_v0_tool(${args})
  include("${state}/targets.cmake")
  set(launcher "${state}/bin/rlib-v0-link" --)
  set_property(GLOBAL PROPERTY RLIB_V0_LINKER_LAUNCHER "${launcher}")
  if(NOT ARG_NO_LINKER_LAUNCHER)
    set(CMAKE_C_LINKER_LAUNCHER "${launcher}" PARENT_SCOPE)
    set(CMAKE_CXX_LINKER_LAUNCHER "${launcher}" PARENT_SCOPE)
  endif()
  get_property(deferred GLOBAL PROPERTY RLIB_V0_CHECK_DEFERRED)
  if(NOT deferred)
    set_property(GLOBAL PROPERTY RLIB_V0_CHECK_DEFERRED TRUE)
    cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _rlib_v0_check_launchers)
  endif()
endfunction()

# Link TARGET through `rlib-v0 link` (for targets that link imported crates
# but were created before rlib_v0_import_crates, in another directory, or
# with NO_LINKER_LAUNCHER).
function(rlib_v0_link tgt)
  get_property(launcher GLOBAL PROPERTY RLIB_V0_LINKER_LAUNCHER)
  if(NOT launcher)
    message(FATAL_ERROR "rlib_v0_link(${tgt}): call rlib_v0_import_crates first")
  endif()
  set_target_properties(${tgt} PROPERTIES C_LINKER_LAUNCHER "${launcher}" CXX_LINKER_LAUNCHER "${launcher}")
endfunction()

# The imported crates TGT links, directly or through other targets.
function(_rlib_v0_crates_of tgt out)
  set(seen "")
  set(todo "${tgt}")
  set(found "")
  while(todo)
    list(POP_FRONT todo t)
    if(t IN_LIST seen OR NOT TARGET "${t}")
      continue()
    endif()
    list(APPEND seen "${t}")
    get_target_property(crate "${t}" RLIB_V0_CRATE)
    if(crate)
      list(APPEND found "${t}")
      continue()
    endif()
    get_target_property(type "${t}" TYPE)
    set(libs "")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(l "${t}" LINK_LIBRARIES)
      if(l)
        list(APPEND libs ${l})
      endif()
    endif()
    get_target_property(l "${t}" INTERFACE_LINK_LIBRARIES)
    if(l)
      list(APPEND libs ${l})
    endif()
    foreach(lib IN LISTS libs)
      # A static library's private dependencies: $<LINK_ONLY:name>.
      string(REGEX REPLACE "^\\$<LINK_ONLY:([^>]*)>$" "\\1" lib "${lib}")
      string(REGEX REPLACE "^::@\\([^)]*\\)" "" lib "${lib}")
      if(TARGET "${lib}")
        get_target_property(aliased "${lib}" ALIASED_TARGET)
        if(aliased)
          set(lib "${aliased}")
        endif()
        list(APPEND todo "${lib}")
      endif()
    endforeach()
  endwhile()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

function(_rlib_v0_targets_in dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _rlib_v0_targets_in("${sub}" more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} "${targets}" PARENT_SCOPE)
endfunction()

function(_rlib_v0_check_launchers)
  _rlib_v0_targets_in("${CMAKE_SOURCE_DIR}" targets)
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  foreach(t IN LISTS targets)
    get_target_property(type "${t}" TYPE)
    if(NOT type MATCHES "^(EXECUTABLE|SHARED_LIBRARY|MODULE_LIBRARY)$")
      continue()
    endif()
    _rlib_v0_crates_of("${t}" crates)
    if(NOT crates)
      continue()
    endif()
    foreach(lang IN ITEMS C CXX)
      if(NOT lang IN_LIST languages)
        continue()
      endif()
      get_target_property(l "${t}" ${lang}_LINKER_LAUNCHER)
      if(NOT l MATCHES "rlib-v0-link")
        list(JOIN crates ", " names)
        message(FATAL_ERROR "target ${t} links Rust crate(s) ${names} but does not link through rlib-v0 link (its ${lang}_LINKER_LAUNCHER is '${l}'): call rlib_v0_link(${t}), or create it after rlib_v0_import_crates in the same directory")
      endif()
    endforeach()
  endforeach()
endfunction()
