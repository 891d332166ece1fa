#include "perch/kernels/reference/softmax.h"

#include <cmath>

namespace perch::reference {

void softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  for_each_row_with_max(x, y, outer, n, inner, [&](const float* xr, float* yr, float max) {
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) {
      const float e = std::exp(xr[j * inner] - max);
      yr[j * inner] = e;
      sum += e;
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < n; ++j) yr[j * inner] *= inv;
  });
}

void softmax_rows(const float* x, float* y, int64_t rows, int64_t n) { softmax(x, y, rows, n, 1); }

}  // namespace perch::reference
