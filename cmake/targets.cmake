# Executables built on top of the perch library. Each part owns its own .cmake file, so the
# people working on the server, the CLI or the wasm module never edit the same lines.
enable_testing()

# ---- Catch2 unit tests: natively, and as wasm under Node ----
file(GLOB PERCH_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cpp/*.cc)
if(PERCH_TEST_SOURCES)
  add_executable(perch_tests ${PERCH_TEST_SOURCES})
  target_link_libraries(perch_tests PRIVATE perch)
  target_compile_options(perch_tests PRIVATE ${PERCH_WARNINGS})
  target_compile_definitions(perch_tests PRIVATE PERCH_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  if(PERCH_WASM)
    target_link_options(perch_tests PRIVATE
      --pre-js ${CMAKE_SOURCE_DIR}/wasm/node_prejs.js
      -sALLOW_MEMORY_GROWTH=1 -sNODERAWFS=1 -sEXIT_RUNTIME=1 -sTOTAL_STACK=1048576)
    if(PERCH_WASM_VARIANT STREQUAL "simd-threads")
      target_link_options(perch_tests PRIVATE -sPTHREAD_POOL_SIZE=4)
    endif()
    set_target_properties(perch_tests PROPERTIES LINK_DEPENDS ${CMAKE_SOURCE_DIR}/wasm/node_prejs.js)
    add_test(NAME perch_tests COMMAND node ${CMAKE_BINARY_DIR}/perch_tests.js)
  else()
    add_test(NAME perch_tests COMMAND perch_tests)
  endif()
  set_tests_properties(perch_tests PROPERTIES ENVIRONMENT "PERCH_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()

include(${CMAKE_SOURCE_DIR}/src/cli/cli.cmake OPTIONAL)
include(${CMAKE_SOURCE_DIR}/src/server/server.cmake OPTIONAL)
include(${CMAKE_SOURCE_DIR}/wasm/wasm.cmake OPTIONAL)
include(${CMAKE_SOURCE_DIR}/tools/bench/bench.cmake OPTIONAL)
include(${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz.cmake OPTIONAL)
