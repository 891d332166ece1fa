#include "perch/kernels/reference/gather.h"

#include <cstring>

namespace perch::reference {

void gather_rows(const void* data, size_t row_bytes, const int32_t* idx, int64_t n, void* y) {
  const auto* src = static_cast<const unsigned char*>(data);
  auto* dst = static_cast<unsigned char*>(y);
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + static_cast<size_t>(i) * row_bytes, src + static_cast<size_t>(idx[i]) * row_bytes, row_bytes);
}

void gather_axis(const void* data, int64_t outer, int64_t v, size_t inner_bytes, const int32_t* idx, int64_t n,
                 void* y) {
  const auto* src = static_cast<const unsigned char*>(data);
  auto* dst = static_cast<unsigned char*>(y);
  for (int64_t o = 0; o < outer; ++o)
    gather_rows(src + static_cast<size_t>(o * v) * inner_bytes, inner_bytes, idx, n,
                dst + static_cast<size_t>(o * n) * inner_bytes);
}

void gather_rows_i8(const int8_t* data, const float* scale, int64_t d, const int32_t* idx, int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    const int8_t* row = data + static_cast<int64_t>(idx[i]) * d;
    const float s = scale[idx[i]];
    for (int64_t j = 0; j < d; ++j) y[i * d + j] = static_cast<float>(row[j]) * s;
  }
}

}  // namespace perch::reference
