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
