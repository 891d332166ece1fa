#include "perch/kernels/reference/reduce.h"

#include <cstdint>
#include <limits>

namespace perch::reference {

void reduce(ReduceOp op, const float* x, const Shape& xs, const bool* reduce, float* y) {
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
  const bool max = op == ReduceOp::kMax;
  const float init = max ? -std::numeric_limits<float>::infinity() : 0.0f;
  for (int64_t i = 0; i < out_total; ++i) y[i] = init;
  const int64_t total = xs.numel();
  int64_t idx[kMaxRank] = {};
  int64_t o = 0;
  for (int64_t i = 0; i < total; ++i) {
    if (max) {
      // NaN propagates, as in numpy.
      if (x[i] > y[o] || x[i] != x[i]) y[o] = x[i];
    } else {
      y[o] += x[i];
    }
    for (int d = rank - 1; d >= 0; --d) {
      ++idx[d];
      o += ostr[d];
      if (idx[d] < xs[d]) break;
      o -= ostr[d] * idx[d];
      idx[d] = 0;
    }
  }
  if (op == ReduceOp::kMean) {
    // count 0 gives 0 * inf = NaN: the mean of nothing.
    const float inv = 1.0f / static_cast<float>(count);
    for (int64_t i = 0; i < out_total; ++i) y[i] *= inv;
  }
}

}  // namespace perch::reference
