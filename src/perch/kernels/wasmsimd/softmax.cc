// Softmax rows with SIMD128: max, exp and sum 4 lanes at a time. exp is the Cephes expf scheme
// (x = n·ln2 + r, |r| <= ln2/2, a degree-6 polynomial in r, then 2^n from the exponent bits):
// within ~2 ulp of std::exp, and 121 labels cost ~30 vector steps instead of 121 libm calls.
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include <cmath>

#include "perch/kernels/wasmsimd/horizontal.h"
#include "perch/kernels/wasmsimd/row_kernels.h"

namespace perch::wasmsimd {
namespace {

// exp(x) for x <= 0 (softmax subtracts the row max first); below -87.3 (where expf underflows to
// a denormal) the result is 0, as is exp(-inf).
inline v128_t exp_nonpositive(v128_t x) {
  const v128_t lo = wasm_f32x4_splat(-87.33654f);
  const v128_t underflow = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_pmax(x, lo);  // x < lo ? lo : x: one instruction (f32x4.max is ~8 on x86), NaN stays NaN
  const v128_t n = wasm_f32x4_floor(
      wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), wasm_f32x4_splat(0.5f)));
  // r = x - n·ln2 in two steps (ln2 split into an exact high part and a correction).
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)), r), wasm_f32x4_splat(1.0f));
  // 2^n: n is in [-126, 0] here, so (n + 127) << 23 is a normal float's exponent field. n + 127
  // is taken from the low bits of n + 127 + 1.5·2^23 (exact; a float-to-int truncation costs
  // several instructions on x86).
  const v128_t biased =
      wasm_i32x4_sub(wasm_f32x4_add(n, wasm_f32x4_splat(12582912.0f + 127.0f)), wasm_i32x4_splat(0x4B400000));
  const v128_t pow2 = wasm_i32x4_shl(biased, 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, pow2), underflow);
}

}  // namespace

void softmax_rows(const float* x, float* y, int64_t rows, int64_t n) {
  if (n == 0) return;
  for (int64_t row = 0; row < rows; ++row) {
    const float* xr = x + row * n;
    float* yr = y + row * n;
    float max = xr[0];
    int64_t j = 0;
    if (n >= 4) {
      v128_t vmax = wasm_v128_load(xr);
      // The reference's x > max ? x : max per lane, which is pmax (one instruction on x86).
      for (j = 4; j + 4 <= n; j += 4) vmax = wasm_f32x4_pmax(vmax, wasm_v128_load(xr + j));
      max = hmax(vmax);
    }
    for (; j < n; ++j) max = xr[j] > max ? xr[j] : max;
    const v128_t vm = wasm_f32x4_splat(max);
    v128_t vsum = wasm_f32x4_splat(0.0f);
    for (j = 0; j + 4 <= n; j += 4) {
      const v128_t e = exp_nonpositive(wasm_f32x4_sub(wasm_v128_load(xr + j), vm));
      wasm_v128_store(yr + j, e);
      vsum = wasm_f32x4_add(vsum, e);
    }
    float sum = hsum(vsum);
    for (; j < n; ++j) {
      float t[4] = {xr[j] - max, 0.0f, 0.0f, 0.0f};
      yr[j] = wasm_f32x4_extract_lane(exp_nonpositive(wasm_v128_load(t)), 0);
      sum += yr[j];
    }
    const float inv = 1.0f / sum;
    const v128_t vinv = wasm_f32x4_splat(inv);
    for (j = 0; j + 4 <= n; j += 4) wasm_v128_store(yr + j, wasm_f32x4_mul(wasm_v128_load(yr + j), vinv));
    for (; j < n; ++j) yr[j] *= inv;
  }
}

}  // namespace perch::wasmsimd
#endif  // __wasm_simd128__
