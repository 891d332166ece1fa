#include "perch/kernels/reference/rms_norm.h"

#include <cmath>

namespace perch::reference {

void rms_norm_rows(const float* x, const float* gamma, float epsilon, float* y, int64_t rows, int64_t d) {
  if (d == 0) return;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    float ss = 0.0f;
    for (int64_t i = 0; i < d; ++i) ss += xr[i] * xr[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(d) + epsilon);
    for (int64_t i = 0; i < d; ++i) yr[i] = xr[i] * inv * gamma[i];
  }
}

}  // namespace perch::reference
