#include "perch/kernels/reference/embedding_bag.h"

namespace perch::reference {
namespace {

template <typename Row>
void bags_loop(Row add_row, int64_t d, int64_t n, const int32_t* offsets, int64_t bags, bool mean,
               float* y, int64_t bag_begin, int64_t bag_end) {
  for (int64_t b = bag_begin; b < bag_end; ++b) {
    float* yb = y + b * d;
    for (int64_t j = 0; j < d; ++j) yb[j] = 0.0f;
    const int64_t begin = offsets[b];
    const int64_t end = b + 1 < bags ? offsets[b + 1] : n;
    for (int64_t i = begin; i < end; ++i) add_row(i, yb);
    if (mean && end > begin) {
      const float inv = 1.0f / static_cast<float>(end - begin);
      for (int64_t j = 0; j < d; ++j) yb[j] *= inv;
    }
  }
}

}  // namespace

void embedding_bag_f32(const float* weight, int64_t d, const int32_t* ids, int64_t n,
                       const int32_t* offsets, int64_t bags, bool mean, float* y,
                       int64_t bag_begin, int64_t bag_end) {
  bags_loop(
      [&](int64_t i, float* yb) {
        const float* row = weight + static_cast<int64_t>(ids[i]) * d;
        for (int64_t j = 0; j < d; ++j) yb[j] += row[j];
      },
      d, n, offsets, bags, mean, y, bag_begin, bag_end);
}

void embedding_bag_i8(const int8_t* weight, const float* scale, int64_t d, const int32_t* ids,
                      int64_t n, const int32_t* offsets, int64_t bags, bool mean, float* y,
                      int64_t bag_begin, int64_t bag_end) {
  bags_loop(
      [&](int64_t i, float* yb) {
        const int8_t* row = weight + static_cast<int64_t>(ids[i]) * d;
        const float s = scale[ids[i]];
        for (int64_t j = 0; j < d; ++j) yb[j] += static_cast<float>(row[j]) * s;
      },
      d, n, offsets, bags, mean, y, bag_begin, bag_end);
}

}  // namespace perch::reference
