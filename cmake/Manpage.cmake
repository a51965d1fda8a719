# Writes the man page: runs `${ORCH} __manpage` into ${OUT} (cmd/CMakeLists.txt, target
# orch-manpage). The state folder is a scratch one: generating the page reads no state.
execute_process(COMMAND "${ORCH}" --home "${OUT}.home" __manpage
                RESULT_VARIABLE rc OUTPUT_FILE "${OUT}.tmp" ERROR_VARIABLE err)
file(REMOVE_RECURSE "${OUT}.home")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "orch __manpage failed (${rc}): ${err}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
