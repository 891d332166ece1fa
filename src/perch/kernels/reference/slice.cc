#include "perch/kernels/reference/slice.h"

#include "perch/kernels/reference/strided_copy.h"

namespace perch::reference {

void slice(const void* x, const Shape& xs, const int64_t* starts, const int64_t* steps, const Shape& ys,
           size_t elem_size, void* y) {
  int64_t xstr[kMaxRank], src_strides[kMaxRank];
  row_major_strides(xs, xstr);
  int64_t base = 0;
  for (int i = 0; i < xs.rank(); ++i) {
    base += starts[i] * xstr[i];
    src_strides[i] = steps[i] * xstr[i];
  }
  strided_copy(x, base, src_strides, ys, elem_size, y);
}

}  // namespace perch::reference
