#include "perch/kernels/reference/transpose.h"

#include "perch/kernels/reference/strided_copy.h"

namespace perch::reference {

void transpose(const void* x, const Shape& xs, const int* perm, size_t elem_size, void* y) {
  int64_t xstr[kMaxRank], src_strides[kMaxRank];
  row_major_strides(xs, xstr);
  Shape ys;
  ys.set_rank(xs.rank());
  for (int i = 0; i < xs.rank(); ++i) {
    ys[i] = xs[perm[i]];
    src_strides[i] = xstr[perm[i]];
  }
  strided_copy(x, 0, src_strides, ys, elem_size, y);
}

}  // namespace perch::reference
