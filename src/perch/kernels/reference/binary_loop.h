// The broadcasting loop under the elementwise binary kernels (binary.cc: f32 arithmetic, compiled
// for speed; binary_int.cc: i32 arithmetic, Pow and comparisons, compiled for size in wasm).
#pragma once
#include <cstdint>

#include "perch/core/shape.h"
#include "perch/kernels/reference/broadcast.h"

namespace perch::reference {

// y (shape ys) = f(a, b) with a and b broadcast to ys.
template <typename T, typename Y, typename F>
void binary_loop(F f, const T* a, const Shape& as, const T* b, const Shape& bs, Y* y, const Shape& ys) {
  const int rank = ys.rank();
  const int64_t total = ys.numel();
  if (total == 0) return;
  if (rank == 0) {
    y[0] = f(a[0], b[0]);
    return;
  }
  int64_t sa[kMaxRank], sb[kMaxRank], idx[kMaxRank] = {};
  broadcast_strides(as, ys, sa);
  broadcast_strides(bs, ys, sb);
  const int64_t inner = ys[rank - 1];
  const int64_t ia = sa[rank - 1], ib = sb[rank - 1];
  int64_t oa = 0, ob = 0;
  for (int64_t o = 0; o < total; o += inner) {
    for (int64_t i = 0; i < inner; ++i) y[o + i] = f(a[oa + i * ia], b[ob + i * ib]);
    // Odometer over the outer dims, keeping a's and b's offsets in step.
    for (int d = rank - 2; d >= 0; --d) {
      ++idx[d];
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < ys[d]) break;
      oa -= sa[d] * idx[d];
      ob -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
}

}  // namespace perch::reference
