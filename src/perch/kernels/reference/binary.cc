#include "perch/kernels/reference/binary.h"

#include "perch/kernels/reference/broadcast.h"

namespace perch::reference {
namespace {

template <typename F>
void binary_loop(F f, const float* a, const Shape& as, const float* b, const Shape& bs, float* y,
                 const Shape& ys) {
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

}  // namespace

void binary(BinaryOp op, const float* a, const Shape& as, const float* b, const Shape& bs,
            float* y, const Shape& ys) {
  switch (op) {
    case BinaryOp::kAdd: return binary_loop([](float p, float q) { return p + q; }, a, as, b, bs, y, ys);
    case BinaryOp::kSub: return binary_loop([](float p, float q) { return p - q; }, a, as, b, bs, y, ys);
    case BinaryOp::kMul: return binary_loop([](float p, float q) { return p * q; }, a, as, b, bs, y, ys);
    case BinaryOp::kDiv: return binary_loop([](float p, float q) { return p / q; }, a, as, b, bs, y, ys);
  }
}

}  // namespace perch::reference
