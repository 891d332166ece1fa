# Benchmark-only executables (make bench; never part of make test's assertions):
# - wasm: perch-gemm-bench.js/.wasm, perch's dense kernels behind a few exported C functions,
#   loaded by tools/bench/gemm.bench.mjs in Node (one per wasm variant's build dir);
# - native: perch-gemm-bench-native, the XNNPACK path timed in C++.
if(PERCH_WASM)
  add_executable(perch_gemm_bench ${CMAKE_SOURCE_DIR}/tools/bench/gemm_bench_wasm.cc)
  set_target_properties(perch_gemm_bench PROPERTIES OUTPUT_NAME perch-gemm-bench SUFFIX .js)
  target_link_libraries(perch_gemm_bench PRIVATE perch)
  target_link_options(perch_gemm_bench PRIVATE
    -O3
    -sMODULARIZE=1
    -sEXPORT_NAME=createGemmBench
    -sENVIRONMENT=node,worker
    -sFILESYSTEM=0
    -sALLOW_MEMORY_GROWTH=1
    -sMAXIMUM_MEMORY=1GB
    -sTOTAL_STACK=1048576
    "-sEXPORTED_FUNCTIONS=[_malloc,_free]"
    "-sEXPORTED_RUNTIME_METHODS=[]")
  if(PERCH_WASM_VARIANT STREQUAL "simd-threads")
    # One pre-started worker: the bench runs at most 2 threads (the caller + 1), and every
    # pre-started worker adds to the cold start.
    target_link_options(perch_gemm_bench PRIVATE -sPTHREAD_POOL_SIZE=1 -Wno-pthreads-mem-growth)
  endif()
else()
  add_executable(perch_gemm_bench_native ${CMAKE_SOURCE_DIR}/tools/bench/gemm_bench_native.cc)
  set_target_properties(perch_gemm_bench_native PROPERTIES OUTPUT_NAME perch-gemm-bench-native)
  target_link_libraries(perch_gemm_bench_native PRIVATE perch)
  target_compile_options(perch_gemm_bench_native PRIVATE ${PERCH_WARNINGS})
endif()
