#include "perch/kernels/reference/reduce_mean.h"

#include <cstdint>

namespace perch::reference {

void reduce_mean(const float* x, const Shape& xs, const bool* reduce, float* y) {
  const int rank = xs.rank();
  // Output strides along x's dims, 0 for reduced ones.
  int64_t ostr[kMaxRank];
  int64_t stride = 1, count = 1, out_total = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (reduce[d]) {
      ostr[d] = 0;
      count *= xs[d];
    } else {
      ostr[d] = stride;
      stride *= xs[d];
      out_total *= xs[d];
    }
  }
  for (int64_t i = 0; i < out_total; ++i) y[i] = 0.0f;
  const int64_t total = xs.numel();
  if (total == 0) {
    // The mean of nothing is undefined: NaN, as numpy gives.
    for (int64_t i = 0; i < out_total; ++i) y[i] = 0.0f / static_cast<float>(count);
    return;
  }
  int64_t idx[kMaxRank] = {};
  int64_t o = 0;
  for (int64_t i = 0; i < total; ++i) {
    y[o] += x[i];
    for (int d = rank - 1; d >= 0; --d) {
      ++idx[d];
      o += ostr[d];
      if (idx[d] < xs[d]) break;
      o -= ostr[d] * idx[d];
      idx[d] = 0;
    }
  }
  const float inv = 1.0f / static_cast<float>(count);
  for (int64_t i = 0; i < out_total; ++i) y[i] *= inv;
}

}  // namespace perch::reference
