// Transpose: y.shape[i] = x.shape[perm[i]]. Any dtype, addressed by element size.
#pragma once
#include <cstddef>

#include "perch/core/shape.h"

namespace perch::reference {

void transpose(const void* x, const Shape& xs, const int* perm, size_t elem_size, void* y);

}  // namespace perch::reference
