#include "perch/kernels/reference/embedding_bag.h"

namespace perch::reference {
namespace {

// add_row(i, yb) adds id i's row to yb.
template <typename AddRow>
void bags_loop(AddRow add_row, int64_t d, int64_t n, const int32_t* offsets, int64_t bags, bool mean, float* y,
               int64_t bag_begin, int64_t bag_end) {
  for_each_bag(offsets, n, bags, mean, d, y, bag_begin, bag_end, [&](float* yb, int64_t begin, int64_t end, float inv) {
    for (int64_t j = 0; j < d; ++j) yb[j] = 0.0f;
    for (int64_t i = begin; i < end; ++i) add_row(i, yb);
    if (inv != 1.0f)
      for (int64_t j = 0; j < d; ++j) yb[j] *= inv;
  });
}

}  // namespace

void embedding_bag_f32(const float* weight, int64_t d, const int32_t* ids, int64_t n, const int32_t* offsets,
                       int64_t bags, bool mean, float* y, int64_t bag_begin, int64_t bag_end) {
  bags_loop(
      [&](int64_t i, float* yb) {
        const float* row = weight + static_cast<int64_t>(ids[i]) * d;
        for (int64_t j = 0; j < d; ++j) yb[j] += row[j];
      },
      d, n, offsets, bags, mean, y, bag_begin, bag_end);
}

void embedding_bag_i8(const int8_t* weight, const float* scale, int64_t d, const int32_t* ids, int64_t n,
                      const int32_t* offsets, int64_t bags, bool mean, float* y, int64_t bag_begin, int64_t bag_end) {
  bags_loop(
      [&](int64_t i, float* yb) {
        const int8_t* row = weight + static_cast<int64_t>(ids[i]) * d;
        const float s = scale[ids[i]];
        for (int64_t j = 0; j < d; ++j) yb[j] += static_cast<float>(row[j]) * s;
      },
      d, n, offsets, bags, mean, y, bag_begin, bag_end);
}

}  // namespace perch::reference
