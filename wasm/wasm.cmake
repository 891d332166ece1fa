# The JS-facing wasm module: perch + the C ABI linked into perch-<variant>.js/.wasm (+ .worker.js
# for simd-threads), loaded by js-bindings/. Every function declared in src/perch/c_api/perch.h
# is exported, plus wasm/exports.txt (malloc/free for the binding's buffers).
if(NOT PERCH_WASM)
  return()
endif()

set(PERCH_C_API_HEADER ${CMAKE_SOURCE_DIR}/src/perch/c_api/perch.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PERCH_C_API_HEADER} ${CMAKE_SOURCE_DIR}/wasm/exports.txt)
if(NOT EXISTS ${PERCH_C_API_HEADER})
  message(STATUS "wasm module: ${PERCH_C_API_HEADER} is missing; perch-${PERCH_WASM_VARIANT}.js not built")
  return()
endif()

# Exported names: "perch_xxx(" at the start of a declaration in perch.h, then exports.txt.
file(READ ${PERCH_C_API_HEADER} _perch_h)
string(REGEX REPLACE "/\\*[^*]*\\*+([^/*][^*]*\\*+)*/" "" _perch_h "${_perch_h}")  # drop comments
string(REGEX MATCHALL "[ *](perch_[a-z0-9_]+)\\(" _decls "${_perch_h}")
set(_exports "")
foreach(d ${_decls})
  string(REGEX REPLACE "^[ *](perch_[a-z0-9_]+)\\($" "_\\1" name "${d}")
  list(APPEND _exports ${name})
endforeach()
file(STRINGS ${CMAKE_SOURCE_DIR}/wasm/exports.txt _extra REGEX "^_")
list(APPEND _exports ${_extra})
list(REMOVE_DUPLICATES _exports)
list(JOIN _exports "\n" _exports_text)
set(PERCH_WASM_EXPORTS ${CMAKE_BINARY_DIR}/perch_wasm_exports.txt)
file(WRITE ${PERCH_WASM_EXPORTS} "${_exports_text}\n")

# An empty translation unit: everything comes from the perch library.
set(_main ${CMAKE_BINARY_DIR}/perch_wasm_module.c)
if(NOT EXISTS ${_main})
  file(WRITE ${_main} "/* perch wasm module: see wasm/wasm.cmake */\n")
endif()

add_executable(perch_wasm ${_main})
set_target_properties(perch_wasm PROPERTIES OUTPUT_NAME perch-${PERCH_WASM_VARIANT} SUFFIX .js)
target_link_libraries(perch_wasm PRIVATE perch)
target_link_options(perch_wasm PRIVATE
  # -Oz here is wasm-opt's pass over the linked module (4.5 KB gzip less than -Os); the kernels
  # keep their -O3 code from the compile step. emmalloc: smaller than dlmalloc, and run()
  # allocates nothing.
  -Oz
  -sMODULARIZE=1
  -sEXPORT_NAME=createPerchModule
  -sENVIRONMENT=web,worker,node
  -sFILESYSTEM=0
  -sMALLOC=emmalloc
  -sALLOW_MEMORY_GROWTH=1
  -sMAXIMUM_MEMORY=2GB
  -sTOTAL_STACK=1048576
  -sEXPORTED_FUNCTIONS=@${PERCH_WASM_EXPORTS}
  -sEXPORTED_RUNTIME_METHODS=[]
  # Every exported C function must exist: a missing one is a link error, not a runtime surprise.
  -sERROR_ON_UNDEFINED_SYMBOLS=1)
if(PERCH_WASM_VARIANT STREQUAL "simd-threads")
  # The binding chooses the pool size (threads - 1) at instantiation and adds workers before
  # each new session (see js-bindings/src/wasm_module.ts). DELAY_LOAD: the module is ready
  # without waiting for its workers to load (a worker's start was most of a cold start's extra
  # cost over the simd build in Node); sessions start their threads on their first parallel job,
  # which the caller works on meanwhile (src/perch/runtime/thread_pool.cc).
  target_link_options(perch_wasm PRIVATE
    "-sPTHREAD_POOL_SIZE=Module[\"perchPoolSize\"]"
    -sPTHREAD_POOL_SIZE_STRICT=0
    -sPTHREAD_POOL_DELAY_LOAD=1
    -Wno-pthreads-mem-growth)
endif()
set_target_properties(perch_wasm PROPERTIES LINK_DEPENDS ${PERCH_WASM_EXPORTS})

# Size: everything but the kernels and the runtime's run loop is compiled for size (model
# reader, graph, op attribute parsing, C ABI, tasks, tokenizer and featurizers: JSON-heavy setup
# and per-call code that is small next to the kernels).
file(GLOB_RECURSE _perch_size_sources CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/src/perch/format/*.cc
     ${CMAKE_SOURCE_DIR}/src/perch/graph/graph.cc
     ${CMAKE_SOURCE_DIR}/src/perch/graph/op_registry.cc
     ${CMAKE_SOURCE_DIR}/src/perch/graph/memory_planner.cc
     # Op setup (attrs, shape inference, planning); the ops whose run() loops over elements
     # themselves are excluded below.
     ${CMAKE_SOURCE_DIR}/src/perch/graph/ops/*.cc
     # ONNX-import ops that are rare in served models: Cast, ArgMax, Where, Expand, i32
     # arithmetic, Pow and comparisons.
     ${CMAKE_SOURCE_DIR}/src/perch/kernels/reference/binary_int.cc
     ${CMAKE_SOURCE_DIR}/src/perch/kernels/reference/unary_math.cc
     ${CMAKE_SOURCE_DIR}/src/perch/kernels/reference/log_softmax.cc
     ${CMAKE_SOURCE_DIR}/src/perch/kernels/reference/cast.cc
     ${CMAKE_SOURCE_DIR}/src/perch/kernels/reference/where.cc
     ${CMAKE_SOURCE_DIR}/src/perch/c_api/*.cc
     ${CMAKE_SOURCE_DIR}/src/perch/tasks/*.cc
     ${CMAKE_SOURCE_DIR}/src/perch/text/*.cc
     ${CMAKE_SOURCE_DIR}/src/perch/runtime/model.cc)
# Except the language detector's featurizer and top-k scan (they run per keystroke) and the ops
# whose run() is an element loop of its own.
list(FILTER _perch_size_sources EXCLUDE REGEX "/(text/ngram|tasks/top_k|graph/ops/(binary|elementwise_binary|gather|reduce))\\.cc$")
set_source_files_properties(${_perch_size_sources} TARGET_DIRECTORY perch PROPERTIES COMPILE_OPTIONS -Os)
