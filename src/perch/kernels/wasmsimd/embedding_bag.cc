// EmbeddingBag with SIMD128 row accumulation. The bag's output is built 16 columns at a time in
// four registers (one pass over the bag's ids per 16-column block), so the partial sums never go
// through memory; the i8 path widens a whole 16-byte row slice with one load. Per element the
// additions happen in the same order as the reference (no FMA in wasm), so results are identical.
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "perch/kernels/reference/embedding_bag.h"
#include "perch/kernels/wasmsimd/row_kernels.h"

namespace perch::wasmsimd {
namespace {

// One bag's block of 4·kVecs columns: add(i, acc) adds id i's slice of those columns to acc.
template <int kVecs, typename AddBlock>
void bag_block(AddBlock add, int64_t begin, int64_t end, float inv, float* yb) {
  v128_t acc[kVecs];
  for (int v = 0; v < kVecs; ++v) acc[v] = wasm_f32x4_splat(0.0f);
  for (int64_t i = begin; i < end; ++i) add(i, acc);
  if (inv != 1.0f) {
    const v128_t vinv = wasm_f32x4_splat(inv);
    for (int v = 0; v < kVecs; ++v) acc[v] = wasm_f32x4_mul(acc[v], vinv);
  }
  for (int v = 0; v < kVecs; ++v) wasm_v128_store(yb + 4 * v, acc[v]);
}

// Each bag (reference::for_each_bag) in blocks of 16 columns, then 4, then one.
template <typename Block16, typename Block4, typename Scalar>
void bags_loop(Block16 block16, Block4 block4, Scalar scalar, int64_t d, int64_t n, const int32_t* offsets,
               int64_t bags, bool mean, float* y, int64_t bag_begin, int64_t bag_end) {
  reference::for_each_bag(offsets, n, bags, mean, d, y, bag_begin, bag_end,
                          [&](float* yb, int64_t begin, int64_t end, float inv) {
                            int64_t j = 0;
                            for (; j + 16 <= d; j += 16) block16(j, begin, end, inv, yb + j);
                            for (; j + 4 <= d; j += 4) block4(j, begin, end, inv, yb + j);
                            for (; j < d; ++j) {
                              float s = 0.0f;
                              for (int64_t i = begin; i < end; ++i) s += scalar(i, j);
                              yb[j] = inv != 1.0f ? s * inv : s;
                            }
                          });
}

// Small ints to f32 without a conversion instruction: for |x| < 2^22, the float with bits
// 0x4B400000 + x is 1.5·2^23 + x exactly. (Written as i32x4.extend + f32x4.convert, LLVM fuses
// the pair into an i16->float conversion that wasm lacks and emits 16 scalar conversions.)
inline v128_t small_ints_to_f32(v128_t i32) {
  return wasm_f32x4_sub(wasm_i32x4_add(i32, wasm_i32x4_splat(0x4B400000)), wasm_f32x4_splat(12582912.0f));
}

// 16 int8 → four f32x4 (sign extensions to i16, then i32, then the exact trick above).
inline void widen16(v128_t w8, v128_t out[4]) {
  const v128_t lo16 = wasm_i16x8_extend_low_i8x16(w8), hi16 = wasm_i16x8_extend_high_i8x16(w8);
  out[0] = small_ints_to_f32(wasm_i32x4_extend_low_i16x8(lo16));
  out[1] = small_ints_to_f32(wasm_i32x4_extend_high_i16x8(lo16));
  out[2] = small_ints_to_f32(wasm_i32x4_extend_low_i16x8(hi16));
  out[3] = small_ints_to_f32(wasm_i32x4_extend_high_i16x8(hi16));
}

}  // namespace

void embedding_bag_f32(const float* weight, int64_t d, const int32_t* ids, int64_t n, const int32_t* offsets,
                       int64_t bags, bool mean, float* y, int64_t bag_begin, int64_t bag_end) {
  auto row = [&](int64_t i) { return weight + static_cast<int64_t>(ids[i]) * d; };
  bags_loop(
      [&](int64_t j, int64_t begin, int64_t end, float inv, float* yb) {
        bag_block<4>(
            [&](int64_t i, v128_t* acc) {
              const float* r = row(i) + j;
              for (int v = 0; v < 4; ++v) acc[v] = wasm_f32x4_add(acc[v], wasm_v128_load(r + 4 * v));
            },
            begin, end, inv, yb);
      },
      [&](int64_t j, int64_t begin, int64_t end, float inv, float* yb) {
        bag_block<1>([&](int64_t i, v128_t* acc) { acc[0] = wasm_f32x4_add(acc[0], wasm_v128_load(row(i) + j)); },
                     begin, end, inv, yb);
      },
      [&](int64_t i, int64_t j) { return row(i)[j]; }, d, n, offsets, bags, mean, y, bag_begin, bag_end);
}

void embedding_bag_i8(const int8_t* weight, const float* scale, int64_t d, const int32_t* ids, int64_t n,
                      const int32_t* offsets, int64_t bags, bool mean, float* y, int64_t bag_begin, int64_t bag_end) {
  auto row = [&](int64_t i) { return weight + static_cast<int64_t>(ids[i]) * d; };
  bags_loop(
      [&](int64_t j, int64_t begin, int64_t end, float inv, float* yb) {
        bag_block<4>(
            [&](int64_t i, v128_t* acc) {
              v128_t w[4];
              widen16(wasm_v128_load(row(i) + j), w);
              const v128_t s = wasm_f32x4_splat(scale[ids[i]]);
              for (int v = 0; v < 4; ++v) acc[v] = wasm_f32x4_add(acc[v], wasm_f32x4_mul(w[v], s));
            },
            begin, end, inv, yb);
      },
      [&](int64_t j, int64_t begin, int64_t end, float inv, float* yb) {
        bag_block<1>(
            [&](int64_t i, v128_t* acc) {
              const v128_t w8 = wasm_v128_load32_zero(row(i) + j);
              const v128_t wf = small_ints_to_f32(wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(w8)));
              acc[0] = wasm_f32x4_add(acc[0], wasm_f32x4_mul(wf, wasm_f32x4_splat(scale[ids[i]])));
            },
            begin, end, inv, yb);
      },
      [&](int64_t i, int64_t j) { return static_cast<float>(row(i)[j]) * scale[ids[i]]; }, d, n, offsets, bags, mean, y,
      bag_begin, bag_end);
}

}  // namespace perch::wasmsimd
#endif  // __wasm_simd128__
