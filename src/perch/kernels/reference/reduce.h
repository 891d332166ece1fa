// ReduceMean, ReduceSum, ReduceMax: x reduced over the dims flagged in `reduce`, f32.
#pragma once
#include "perch/core/shape.h"

namespace perch::reference {

enum class ReduceOp { kMean, kSum, kMax };

// y has xs's dims with the reduced ones removed (or kept as 1: same memory layout). Over no
// elements: the sum is 0, the mean NaN (as numpy), the max -inf.
void reduce(ReduceOp op, const float* x, const Shape& xs, const bool* reduce, float* y);

}  // namespace perch::reference
