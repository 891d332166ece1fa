#include "perch/kernels/fast_kernels.h"

#if defined(__wasm_simd128__)
#include "perch/kernels/wasmsimd/row_kernels.h"
#endif

namespace perch {

const FastKernels& fast_kernels() {
  // wasm SIMD builds: the wasmsimd/ row kernels; other entries (and other targets) run the
  // reference loops.
  static const FastKernels table = [] {
    FastKernels k;
#if defined(__wasm_simd128__)
    k.embedding_bag_f32 = wasmsimd::embedding_bag_f32;
    k.embedding_bag_i8 = wasmsimd::embedding_bag_i8;
    k.layer_norm_rows = wasmsimd::layer_norm_rows;
    k.rms_norm_rows = wasmsimd::rms_norm_rows;
    k.softmax_rows = wasmsimd::softmax_rows;
#endif
    return k;
  }();
  return table;
}

}  // namespace perch
