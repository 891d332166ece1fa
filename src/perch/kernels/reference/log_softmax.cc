// LogSoftmax: rare in served models (classifier heads export Softmax), compiled for size in wasm.
#include <cmath>

#include "perch/kernels/reference/softmax.h"

namespace perch::reference {

void log_softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  for_each_row_with_max(x, y, outer, n, inner, [&](const float* xr, float* yr, float max) {
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) sum += std::exp(xr[j * inner] - max);
    // (x - max) - log(sum), not x - (max + log(sum)): exact for large x.
    const float log_sum = std::log(sum);
    for (int64_t j = 0; j < n; ++j) yr[j * inner] = (xr[j * inner] - max) - log_sum;
  });
}

}  // namespace perch::reference
