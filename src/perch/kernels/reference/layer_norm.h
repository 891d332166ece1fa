// LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta, f32.
#pragma once
#include <cstdint>

namespace perch::reference {

// x, y: [rows, d]; gamma [d]; beta [d] or null. y may equal x.
void layer_norm_rows(const float* x, const float* gamma, const float* beta, float epsilon, float* y, int64_t rows,
                     int64_t d);

}  // namespace perch::reference
