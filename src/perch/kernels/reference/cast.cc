#include "perch/kernels/reference/cast.h"

namespace perch::reference {
namespace {

double load(const void* x, DType t, int64_t i) {
  switch (t) {
    case DType::kF32:
      return static_cast<const float*>(x)[i];
    case DType::kF16:
      return f16_to_f32(static_cast<const uint16_t*>(x)[i]);
    case DType::kI32:
      return static_cast<const int32_t*>(x)[i];
    case DType::kI8:
      return static_cast<const int8_t*>(x)[i];
    case DType::kU8:
      return static_cast<const uint8_t*>(x)[i];
  }
  return 0;
}

double saturate(double v, double lo, double hi) {
  if (!(v == v)) return 0;
  return v < lo ? lo : v > hi ? hi : v;
}

}  // namespace

void cast(const void* x, DType from, void* y, DType to, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double v = load(x, from, i);
    switch (to) {
      case DType::kF32:
        static_cast<float*>(y)[i] = static_cast<float>(v);
        break;
      case DType::kF16:
        static_cast<uint16_t*>(y)[i] = f32_to_f16(static_cast<float>(v));
        break;
      case DType::kI32:
        static_cast<int32_t*>(y)[i] = static_cast<int32_t>(saturate(v, -2147483648.0, 2147483647.0));
        break;
      case DType::kI8:
        static_cast<int8_t*>(y)[i] = static_cast<int8_t>(saturate(v, -128, 127));
        break;
      case DType::kU8:
        static_cast<uint8_t*>(y)[i] = static_cast<uint8_t>(saturate(v, 0, 255));
        break;
    }
  }
}

void argmax(const float* x, int64_t outer, int64_t n, int64_t inner, bool last, int32_t* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xr = x + o * n * inner + i;
      int64_t best = 0;
      for (int64_t j = 1; j < n; ++j) {
        const float v = xr[j * inner], b = xr[best * inner];
        if (b != b) break;  // a NaN max stays
        if (v > b || v != v || (last && v == b)) best = j;
      }
      y[o * inner + i] = static_cast<int32_t>(best);
    }
  }
}

}  // namespace perch::reference
