# ctest install_layout: `cmake --install` of the build into a fresh prefix puts orch, and only
# orch, into bin/; the fake model server goes to libexec/orch/ only with ORCH_INSTALL_FAKE_MODEL.
# Run with -DBUILD_DIR=<build> -DPREFIX=<scratch folder> -DFAKE_MODEL=<ON|OFF>.
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}): ${out}${err}")
endif()
file(GLOB_RECURSE installed RELATIVE "${PREFIX}" "${PREFIX}/*")
list(SORT installed)
set(expected bin/orch)
if(FAKE_MODEL)
  list(APPEND expected libexec/orch/orch-fake-model)
endif()
if(NOT installed STREQUAL expected)
  message(FATAL_ERROR "installed: '${installed}', expected: '${expected}'")
endif()
execute_process(COMMAND "${PREFIX}/bin/orch" --version RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^orch ")
  message(FATAL_ERROR "the installed orch --version: ${rc} ${out}")
endif()
file(REMOVE_RECURSE "${PREFIX}")
message(STATUS "installed: ${installed}")
