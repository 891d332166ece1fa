#include "perch/kernels/reference/matmul.h"

#include "perch/kernels/reference/broadcast.h"

namespace perch::reference {

void matmul_rows(const float* a, const Shape& as, const float* b, const Shape& bs, float* y, const Shape& ys,
                 int64_t row_begin, int64_t row_end) {
  const int rank = ys.rank();
  const int64_t M = as.dim(-2), K = as.dim(-1), N = bs.dim(-1);
  // Batch shapes (all but the last two dims) and their broadcast strides, in matrices.
  Shape ab, bb, yb;
  ab.set_rank(as.rank() - 2);
  bb.set_rank(bs.rank() - 2);
  yb.set_rank(rank - 2);
  for (int i = 0; i < ab.rank(); ++i) ab[i] = as[i];
  for (int i = 0; i < bb.rank(); ++i) bb[i] = bs[i];
  for (int i = 0; i < yb.rank(); ++i) yb[i] = ys[i];
  int64_t sa[kMaxRank], sb[kMaxRank];
  broadcast_strides(ab, yb, sa);
  broadcast_strides(bb, yb, sb);
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t batch = M ? row / M : 0, m = M ? row % M : 0;
    // Unravel the batch index into a's and b's matrix offsets.
    int64_t rem = batch, ma = 0, mb = 0;
    for (int d = yb.rank() - 1; d >= 0; --d) {
      const int64_t i = rem % yb[d];
      rem /= yb[d];
      ma += i * sa[d];
      mb += i * sb[d];
    }
    const float* ar = a + ma * M * K + m * K;
    const float* bm = b + mb * K * N;
    float* yr = y + row * N;
    for (int64_t n = 0; n < N; ++n) {
      float acc = 0.0f;
      for (int64_t k = 0; k < K; ++k) acc += ar[k] * bm[k * N + n];
      yr[n] = acc;
    }
  }
}

void matmul(const float* a, const Shape& as, const float* b, const Shape& bs, float* y, const Shape& ys) {
  const int64_t rows = ys.rank() >= 2 ? ys.numel() / (ys.dim(-1) ? ys.dim(-1) : 1) : 0;
  if (ys.numel() == 0) return;
  matmul_rows(a, as, b, bs, y, ys, 0, rows);
}

}  // namespace perch::reference
