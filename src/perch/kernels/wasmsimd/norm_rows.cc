// LayerNorm and RMSNorm rows with SIMD128: sums in 4 lanes (then reduced), normalisation and
// scale 4 values at a time. Same two-pass mean/variance as the reference.
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include <cmath>

#include "perch/kernels/wasmsimd/horizontal.h"
#include "perch/kernels/wasmsimd/row_kernels.h"

namespace perch::wasmsimd {

void layer_norm_rows(const float* x, const float* gamma, const float* beta, float epsilon, float* y, int64_t rows,
                     int64_t d) {
  if (d == 0) return;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    v128_t acc = wasm_f32x4_splat(0.0f);
    int64_t i = 0;
    for (; i + 4 <= d; i += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(xr + i));
    float sum = hsum(acc);
    for (; i < d; ++i) sum += xr[i];
    const float mean = sum / static_cast<float>(d);
    const v128_t vmean = wasm_f32x4_splat(mean);
    acc = wasm_f32x4_splat(0.0f);
    for (i = 0; i + 4 <= d; i += 4) {
      const v128_t c = wasm_f32x4_sub(wasm_v128_load(xr + i), vmean);
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(c, c));
    }
    float var = hsum(acc);
    for (; i < d; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= static_cast<float>(d);
    const float inv = 1.0f / std::sqrt(var + epsilon);
    const v128_t vinv = wasm_f32x4_splat(inv);
    for (i = 0; i + 4 <= d; i += 4) {
      v128_t v = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + i), vmean), vinv),
                                wasm_v128_load(gamma + i));
      if (beta) v = wasm_f32x4_add(v, wasm_v128_load(beta + i));
      wasm_v128_store(yr + i, v);
    }
    for (; i < d; ++i) yr[i] = (xr[i] - mean) * inv * gamma[i] + (beta ? beta[i] : 0.0f);
  }
}

void rms_norm_rows(const float* x, const float* gamma, float epsilon, float* y, int64_t rows, int64_t d) {
  if (d == 0) return;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    v128_t acc = wasm_f32x4_splat(0.0f);
    int64_t i = 0;
    for (; i + 4 <= d; i += 4) {
      const v128_t v = wasm_v128_load(xr + i);
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(v, v));
    }
    float ss = hsum(acc);
    for (; i < d; ++i) ss += xr[i] * xr[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(d) + epsilon);
    const v128_t vinv = wasm_f32x4_splat(inv);
    for (i = 0; i + 4 <= d; i += 4)
      wasm_v128_store(yr + i, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(xr + i), vinv), wasm_v128_load(gamma + i)));
    for (; i < d; ++i) yr[i] = xr[i] * inv * gamma[i];
  }
}

}  // namespace perch::wasmsimd
#endif  // __wasm_simd128__
