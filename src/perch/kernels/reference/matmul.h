// MatMul of two activations: a [..., M, K] · b [..., K, N] → y [..., M, N], leading (batch) dims
// broadcast numpy-style. f32.
#pragma once
#include <cstdint>

#include "perch/core/shape.h"

namespace perch::reference {

// Computes output rows [row_begin, row_end) of y viewed as [batch * M, N] (so callers can split
// the work across threads). Shapes have rank >= 2; ys is the broadcast result.
void matmul_rows(const float* a, const Shape& as, const float* b, const Shape& bs, float* y, const Shape& ys,
                 int64_t row_begin, int64_t row_end);
void matmul(const float* a, const Shape& as, const float* b, const Shape& bs, float* y, const Shape& ys);

}  // namespace perch::reference
