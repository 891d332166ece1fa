// The copy under Transpose and Slice: y[i] = x[base + sum_d idx_d(i) * src_strides[d]] over the
// row-major indices of y's shape. Any dtype, addressed by element size.
#pragma once
#include <cstddef>
#include <cstdint>

#include "perch/core/shape.h"

namespace perch::reference {

void row_major_strides(const Shape& s, int64_t* strides);
void strided_copy(const void* x, int64_t base, const int64_t* src_strides, const Shape& ys, size_t elem_size, void* y);

}  // namespace perch::reference
