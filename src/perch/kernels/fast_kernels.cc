#include "perch/kernels/fast_kernels.h"

namespace perch {

const FastKernels& fast_kernels() {
  // No fast row kernels yet on any target: every op runs its reference loops. A wasmsimd kernel
  // is wired in here under `#if defined(__wasm_simd128__)`, e.g.
  //   k.softmax_rows = wasmsimd::softmax_rows;
  static const FastKernels table = [] {
    FastKernels k;
    return k;
  }();
  return table;
}

}  // namespace perch
