// RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * gamma, f32.
#pragma once
#include <cstdint>

namespace perch::reference {

// x, y: [rows, d]; gamma [d]. y may equal x.
void rms_norm_rows(const float* x, const float* gamma, float epsilon, float* y, int64_t rows, int64_t d);

}  // namespace perch::reference
