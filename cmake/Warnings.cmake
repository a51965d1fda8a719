# Compiler warnings as an INTERFACE target: every orch target links orch_warnings.
add_library(orch_warnings INTERFACE)
target_compile_options(orch_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                               -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                               -Wimplicit-fallthrough)
if(ORCH_WERROR)
  target_compile_options(orch_warnings INTERFACE -Werror)
endif()

# ASan + UBSan build: cmake -DORCH_SANITIZE=ON
add_library(orch_sanitizers INTERFACE)
if(ORCH_SANITIZE)
  target_compile_options(orch_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                   -fno-sanitize-recover=all)
  target_link_options(orch_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# GCC 12 at -O3 (Release) warns -Wrestrict inside std::string on `"text" + std::string` (GCC bug
# 105651, fixed in 13). Tests and benchmarks are full of such lines: they are built without that
# one warning (tests/ and bench/ add these options); orch itself keeps it.
set(ORCH_TEST_WARNING_OPTIONS "")
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  set(ORCH_TEST_WARNING_OPTIONS -Wno-restrict)
endif()
