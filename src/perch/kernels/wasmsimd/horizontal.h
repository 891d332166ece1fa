// Horizontal reductions of an f32x4 to one float, shared by the SIMD128 row kernels. The order
// is fixed ((0 + 1) + (2 + 3)) so every kernel reduces its 4 lanes the same way.
#pragma once
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

namespace perch::wasmsimd {

inline float hsum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

// The max of the lanes by the reference's scalar `x > max ? x : max` comparisons.
inline float hmax(v128_t v) {
  const float a = wasm_f32x4_extract_lane(v, 0), b = wasm_f32x4_extract_lane(v, 1);
  const float c = wasm_f32x4_extract_lane(v, 2), d = wasm_f32x4_extract_lane(v, 3);
  const float ab = b > a ? b : a, cd = d > c ? d : c;
  return cd > ab ? cd : ab;
}

}  // namespace perch::wasmsimd
#endif  // __wasm_simd128__
