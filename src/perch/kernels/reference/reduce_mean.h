// ReduceMean: the mean of x over the dims flagged in `reduce`, f32.
#pragma once
#include "perch/core/shape.h"

namespace perch::reference {

// y has xs's dims with the reduced ones removed (or kept as 1: same memory layout).
void reduce_mean(const float* x, const Shape& xs, const bool* reduce, float* y);

}  // namespace perch::reference
