#include "perch/kernels/reference/strided_copy.h"

#include <cstring>

namespace perch::reference {

void row_major_strides(const Shape& s, int64_t* strides) {
  int64_t stride = 1;
  for (int i = s.rank() - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= s[i];
  }
}

void strided_copy(const void* x, int64_t base, const int64_t* src_strides, const Shape& ys, size_t elem_size, void* y) {
  const int rank = ys.rank();
  const int64_t total = ys.numel();
  if (total == 0) return;
  const auto* src = static_cast<const unsigned char*>(x);
  auto* dst = static_cast<unsigned char*>(y);
  int64_t idx[kMaxRank] = {};
  int64_t s = base;
  for (int64_t o = 0; o < total; ++o) {
    std::memcpy(dst + static_cast<size_t>(o) * elem_size, src + static_cast<size_t>(s) * elem_size, elem_size);
    // Odometer: advance the last dim, carrying into the ones before it.
    for (int d = rank - 1; d >= 0; --d) {
      ++idx[d];
      s += src_strides[d];
      if (idx[d] < ys[d]) break;
      s -= src_strides[d] * idx[d];
      idx[d] = 0;
    }
  }
}

}  // namespace perch::reference
