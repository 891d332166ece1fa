// A 4-lane f32 vector: WebAssembly SIMD128 when the build has it, four plain floats otherwise
// (wasm-baseline), so the dense micro-kernels are written once for both.
#pragma once
#include <cstdint>
#include <cstring>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace perch {
namespace wasmsimd {

#ifdef __wasm_simd128__
using f32x4 = v128_t;
inline f32x4 v_zero() { return wasm_f32x4_splat(0.0f); }
inline f32x4 v_load(const float* p) { return wasm_v128_load(p); }
inline f32x4 v_splat_load(const float* p) { return wasm_v128_load32_splat(p); }
inline f32x4 v_splat(float v) { return wasm_f32x4_splat(v); }
inline void v_store(float* p, f32x4 v) { wasm_v128_store(p, v); }
inline f32x4 v_add(f32x4 a, f32x4 b) { return wasm_f32x4_add(a, b); }
inline f32x4 v_mul(f32x4 a, f32x4 b) { return wasm_f32x4_mul(a, b); }
inline f32x4 v_relu(f32x4 a) { return wasm_f32x4_pmax(a, wasm_f32x4_splat(0.0f)); }
// 8 int8 weights → two f32x4. Not extend + convert: LLVM 14 fuses those into an i16→f32
// conversion it scalarizes. Instead bias to unsigned (xor 0x8000), interleave each 16-bit value
// under the exponent bits of 2^23 (0x4B40 high halves: 12582912 + u), and subtract the offset.
inline void v_load_i8x8(const int8_t* p, f32x4* lo, f32x4* hi) {
  const v128_t u16 = wasm_v128_xor(wasm_i16x8_load8x8(p), wasm_i16x8_splat(static_cast<int16_t>(0x8000)));
  const v128_t magic = wasm_i16x8_splat(0x4B40);
  const v128_t offset = wasm_f32x4_splat(12582912.0f + 32768.0f);
  *lo = wasm_f32x4_sub(wasm_i16x8_shuffle(u16, magic, 0, 8, 1, 9, 2, 10, 3, 11), offset);
  *hi = wasm_f32x4_sub(wasm_i16x8_shuffle(u16, magic, 4, 12, 5, 13, 6, 14, 7, 15), offset);
}
#else
struct f32x4 {
  float v[4];
};
inline f32x4 v_zero() { return f32x4{{0.0f, 0.0f, 0.0f, 0.0f}}; }
inline f32x4 v_load(const float* p) {
  f32x4 r;
  std::memcpy(r.v, p, sizeof r.v);
  return r;
}
inline f32x4 v_splat(float v) { return f32x4{{v, v, v, v}}; }
inline f32x4 v_splat_load(const float* p) { return v_splat(*p); }
inline void v_store(float* p, f32x4 v) { std::memcpy(p, v.v, sizeof v.v); }
inline f32x4 v_add(f32x4 a, f32x4 b) {
  return f32x4{{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3]}};
}
inline f32x4 v_mul(f32x4 a, f32x4 b) {
  return f32x4{{a.v[0] * b.v[0], a.v[1] * b.v[1], a.v[2] * b.v[2], a.v[3] * b.v[3]}};
}
inline f32x4 v_relu(f32x4 a) {
  for (float& x : a.v) x = x > 0.0f ? x : 0.0f;
  return a;
}
inline void v_load_i8x8(const int8_t* p, f32x4* lo, f32x4* hi) {
  for (int i = 0; i < 4; ++i) lo->v[i] = static_cast<float>(p[i]);
  for (int i = 0; i < 4; ++i) hi->v[i] = static_cast<float>(p[4 + i]);
}
#endif

// Weight loaders for one k step of an 8-wide panel.
inline void load_w8(const float* p, f32x4* lo, f32x4* hi) {
  *lo = v_load(p);
  *hi = v_load(p + 4);
}
inline void load_w8(const int8_t* p, f32x4* lo, f32x4* hi) { v_load_i8x8(p, lo, hi); }

}  // namespace wasmsimd
}  // namespace perch
