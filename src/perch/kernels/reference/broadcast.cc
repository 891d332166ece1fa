#include "perch/kernels/reference/broadcast.h"

namespace perch::reference {

bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out) {
  const int rank = a.rank() > b.rank() ? a.rank() : b.rank();
  Shape s;
  s.set_rank(rank);
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank());
    const int ib = i - (rank - b.rank());
    const int64_t da = ia >= 0 ? a[ia] : 1;
    const int64_t db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) return false;
    s[i] = da == 1 ? db : da;
  }
  *out = s;
  return true;
}

void broadcast_strides(const Shape& x, const Shape& out, int64_t* strides) {
  const int rank = out.rank();
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    const int ix = i - (rank - x.rank());
    const int64_t d = ix >= 0 ? x[ix] : 1;
    strides[i] = d == 1 ? 0 : stride;
    stride *= d;
  }
}

}  // namespace perch::reference
