#include "perch/kernels/reference/layer_norm.h"

#include <cmath>

namespace perch::reference {

void layer_norm_rows(const float* x, const float* gamma, const float* beta, float epsilon, float* y, int64_t rows,
                     int64_t d) {
  if (d == 0) return;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    float mean = 0.0f;
    for (int64_t i = 0; i < d; ++i) mean += xr[i];
    mean /= static_cast<float>(d);
    float var = 0.0f;
    for (int64_t i = 0; i < d; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= static_cast<float>(d);
    const float inv = 1.0f / std::sqrt(var + epsilon);
    for (int64_t i = 0; i < d; ++i) yr[i] = (xr[i] - mean) * inv * gamma[i] + (beta ? beta[i] : 0.0f);
  }
}

}  // namespace perch::reference
