// Compiler hints shared by the library.
#pragma once

// Load-time code (op factories, session setup) in files otherwise compiled for speed: optimized
// for size, so the wasm module stays small while the kernels beside it stay fast.
#if defined(__clang__)
#define PERCH_LOAD_TIME __attribute__((minsize))
#else
#define PERCH_LOAD_TIME
#endif
