#include "perch/kernels/reference/softmax.h"

#include <cmath>

namespace perch::reference {

void softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  if (n == 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xr = x + o * n * inner + i;
      float* yr = y + o * n * inner + i;
      float max = xr[0];
      for (int64_t j = 1; j < n; ++j) max = xr[j * inner] > max ? xr[j * inner] : max;
      float sum = 0.0f;
      for (int64_t j = 0; j < n; ++j) {
        const float e = std::exp(xr[j * inner] - max);
        yr[j * inner] = e;
        sum += e;
      }
      const float inv = 1.0f / sum;
      for (int64_t j = 0; j < n; ++j) yr[j * inner] *= inv;
    }
  }
}

void softmax_rows(const float* x, float* y, int64_t rows, int64_t n) { softmax(x, y, rows, n, 1); }

}  // namespace perch::reference
