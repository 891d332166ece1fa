// LogSoftmax: rare in served models (classifier heads export Softmax), compiled for size in wasm.
#include <cmath>

#include "perch/kernels/reference/softmax.h"

namespace perch::reference {

void log_softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  if (n == 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xr = x + o * n * inner + i;
      float* yr = y + o * n * inner + i;
      float max = xr[0];
      for (int64_t j = 1; j < n; ++j) max = xr[j * inner] > max ? xr[j * inner] : max;
      float sum = 0.0f;
      for (int64_t j = 0; j < n; ++j) sum += std::exp(xr[j * inner] - max);
      // (x - max) - log(sum), not x - (max + log(sum)): exact for large x.
      const float log_sum = std::log(sum);
      for (int64_t j = 0; j < n; ++j) yr[j * inner] = (xr[j * inner] - max) - log_sum;
    }
  }
}

}  // namespace perch::reference
