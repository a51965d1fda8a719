# `cmake --build build --target format-check` fails when a source file is not clang-formatted;
# `--target format` rewrites them.
find_program(CLANG_FORMAT NAMES clang-format clang-format-14)
if(CLANG_FORMAT)
  file(GLOB_RECURSE ORCH_FORMAT_SOURCES CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/cmd/*.cpp ${PROJECT_SOURCE_DIR}/cmd/*.h
       ${PROJECT_SOURCE_DIR}/lib/*.cpp ${PROJECT_SOURCE_DIR}/lib/*.h
       ${PROJECT_SOURCE_DIR}/orchestrator/*.cpp ${PROJECT_SOURCE_DIR}/orchestrator/*.h
       ${PROJECT_SOURCE_DIR}/backends/*.cpp ${PROJECT_SOURCE_DIR}/backends/*.h
       ${PROJECT_SOURCE_DIR}/tests/*.cpp ${PROJECT_SOURCE_DIR}/tests/*.h
       ${PROJECT_SOURCE_DIR}/bench/*.cpp ${PROJECT_SOURCE_DIR}/bench/*.h)
  add_custom_target(format-check COMMAND ${CLANG_FORMAT} --dry-run --Werror ${ORCH_FORMAT_SOURCES}
                    COMMENT "Checking clang-format")
  add_custom_target(format COMMAND ${CLANG_FORMAT} -i ${ORCH_FORMAT_SOURCES})
endif()
