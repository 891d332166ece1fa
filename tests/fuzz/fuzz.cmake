# libFuzzer targets (issue 15). Built in the clang sanitizer build (PERCH_FUZZ: the native-asan
# preset), run by `make test-fuzz` (bounded, part of `make test`) and `make fuzz FUZZ_SECONDS=N`.
# In wasm builds the model-loader target is built as a corpus replay (replay_main.cc) and run by
# ctest, so 32-bit size arithmetic meets the same inputs.
set(PERCH_FUZZ_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz)

if(PERCH_FUZZ)
  foreach(target model_load tokenizer ngram_utf8 text_suggester json)
    add_executable(fuzz_${target} ${PERCH_FUZZ_DIR}/${target}_fuzz.cc)
    target_link_libraries(fuzz_${target} PRIVATE perch)
    target_compile_options(fuzz_${target} PRIVATE ${PERCH_WARNINGS} -fsanitize=fuzzer)
    target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
    target_compile_definitions(fuzz_${target} PRIVATE PERCH_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  endforeach()
  if(TARGET perch_server_lib)
    add_executable(fuzz_server_request ${PERCH_FUZZ_DIR}/server_request_fuzz.cc)
    target_link_libraries(fuzz_server_request PRIVATE perch_server_lib)
    target_include_directories(fuzz_server_request PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(fuzz_server_request PRIVATE ${PERCH_WARNINGS} -fsanitize=fuzzer)
    target_link_options(fuzz_server_request PRIVATE -fsanitize=fuzzer)
    target_compile_definitions(fuzz_server_request PRIVATE PERCH_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  endif()
endif()

if(PERCH_WASM AND PERCH_WASM_VARIANT STREQUAL "baseline")
  # The loader target's corpus, replayed in wasm32 under Node (ctest, wasm-baseline preset).
  add_executable(fuzz_model_load_replay ${PERCH_FUZZ_DIR}/model_load_fuzz.cc ${PERCH_FUZZ_DIR}/replay_main.cc)
  target_link_libraries(fuzz_model_load_replay PRIVATE perch)
  target_compile_options(fuzz_model_load_replay PRIVATE ${PERCH_WARNINGS})
  target_link_options(fuzz_model_load_replay PRIVATE
    --pre-js ${CMAKE_SOURCE_DIR}/wasm/node_prejs.js -sALLOW_MEMORY_GROWTH=1 -sNODERAWFS=1 -sEXIT_RUNTIME=1 -sTOTAL_STACK=1048576)
  add_test(NAME fuzz_model_load_replay
           COMMAND node ${CMAKE_BINARY_DIR}/fuzz_model_load_replay.js ${PERCH_FUZZ_DIR}/corpus/model_load)
endif()
