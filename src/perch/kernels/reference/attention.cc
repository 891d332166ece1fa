#include "perch/kernels/reference/attention.h"

#include <cmath>

namespace perch::reference {

void attention_heads(const float* q, const float* k, const float* v, const AttentionShape& s, float* scratch, float* y,
                     int64_t head_begin, int64_t head_end) {
  const int64_t dh = s.head_dim;
  const int64_t group = s.heads / s.kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  for (int64_t h = head_begin; h < head_end; ++h) {
    const int64_t g = h / group;
    float* p = scratch + h * s.kv_rows;
    for (int64_t i = 0; i < s.rows; ++i) {
      const float* qi = q + i * s.q_stride + h * dh;
      const int64_t keys = s.causal ? s.past + i + 1 : s.kv_rows;
      float max = -INFINITY;
      for (int64_t j = 0; j < keys; ++j) {
        const float* kj = k + j * s.kv_stride + g * dh;
        float dot = 0.0f;
        for (int64_t c = 0; c < dh; ++c) dot += qi[c] * kj[c];
        p[j] = dot * scale;
        max = p[j] > max ? p[j] : max;
      }
      float sum = 0.0f;
      for (int64_t j = 0; j < keys; ++j) {
        p[j] = std::exp(p[j] - max);
        sum += p[j];
      }
      const float inv = 1.0f / sum;
      float* yi = y + i * s.y_stride + h * dh;
      for (int64_t c = 0; c < dh; ++c) yi[c] = 0.0f;
      for (int64_t j = 0; j < keys; ++j) {
        const float* vj = v + j * s.kv_stride + g * dh;
        const float w = p[j] * inv;
        for (int64_t c = 0; c < dh; ++c) yi[c] += w * vj[c];
      }
    }
  }
}

}  // namespace perch::reference
