// EmbeddingBag with SIMD128 row accumulation: each id's row is added 4 lanes at a time (per
// element the same order of additions as the reference, so the results are identical).
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "perch/kernels/wasmsimd/row_kernels.h"

namespace perch::wasmsimd {
namespace {

template <typename AddRow>
void bags_loop(AddRow add_row, int64_t d, int64_t n, const int32_t* offsets, int64_t bags, bool mean,
               float* y, int64_t bag_begin, int64_t bag_end) {
  for (int64_t b = bag_begin; b < bag_end; ++b) {
    float* yb = y + b * d;
    for (int64_t j = 0; j < d; ++j) yb[j] = 0.0f;
    const int64_t begin = offsets[b];
    const int64_t end = b + 1 < bags ? offsets[b + 1] : n;
    for (int64_t i = begin; i < end; ++i) add_row(i, yb);
    if (mean && end > begin) {
      const float inv = 1.0f / static_cast<float>(end - begin);
      const v128_t vinv = wasm_f32x4_splat(inv);
      int64_t j = 0;
      for (; j + 4 <= d; j += 4) wasm_v128_store(yb + j, wasm_f32x4_mul(wasm_v128_load(yb + j), vinv));
      for (; j < d; ++j) yb[j] *= inv;
    }
  }
}

}  // namespace

void embedding_bag_f32(const float* weight, int64_t d, const int32_t* ids, int64_t n,
                       const int32_t* offsets, int64_t bags, bool mean, float* y,
                       int64_t bag_begin, int64_t bag_end) {
  bags_loop(
      [&](int64_t i, float* yb) {
        const float* row = weight + static_cast<int64_t>(ids[i]) * d;
        int64_t j = 0;
        for (; j + 4 <= d; j += 4)
          wasm_v128_store(yb + j, wasm_f32x4_add(wasm_v128_load(yb + j), wasm_v128_load(row + j)));
        for (; j < d; ++j) yb[j] += row[j];
      },
      d, n, offsets, bags, mean, y, bag_begin, bag_end);
}

void embedding_bag_i8(const int8_t* weight, const float* scale, int64_t d, const int32_t* ids,
                      int64_t n, const int32_t* offsets, int64_t bags, bool mean, float* y,
                      int64_t bag_begin, int64_t bag_end) {
  bags_loop(
      [&](int64_t i, float* yb) {
        const int8_t* row = weight + static_cast<int64_t>(ids[i]) * d;
        const float s = scale[ids[i]];
        const v128_t vs = wasm_f32x4_splat(s);
        int64_t j = 0;
        for (; j + 4 <= d; j += 4) {
          // 4 int8 → i32 → f32 (a 32-bit lane load, then two sign extensions).
          const v128_t w8 = wasm_v128_load32_zero(row + j);
          const v128_t w32 = wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(w8));
          const v128_t wf = wasm_f32x4_convert_i32x4(w32);
          wasm_v128_store(yb + j, wasm_f32x4_add(wasm_v128_load(yb + j), wasm_f32x4_mul(wf, vs)));
        }
        for (; j < d; ++j) yb[j] += static_cast<float>(row[j]) * s;
      },
      d, n, offsets, bags, mean, y, bag_begin, bag_end);
}

}  // namespace perch::wasmsimd
#endif  // __wasm_simd128__
