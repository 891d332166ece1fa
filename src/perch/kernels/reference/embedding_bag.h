// EmbeddingBag: the sum or mean of weight rows over ragged bags of ids (n-gram models). Ids and
// offsets are validated by the op before these run.
#pragma once
#include <cstdint>

namespace perch::reference {

// Bags [bag_begin, bag_end) of `bags`: bag b is ids[offsets[b] : offsets[b+1]] (the last bag runs
// to n). y: [bags, d]; an empty bag gives zeros. `mean` divides by the bag's size.
void embedding_bag_f32(const float* weight, int64_t d, const int32_t* ids, int64_t n, const int32_t* offsets,
                       int64_t bags, bool mean, float* y, int64_t bag_begin, int64_t bag_end);
// int8 weight rows with a per-row scale.
void embedding_bag_i8(const int8_t* weight, const float* scale, int64_t d, const int32_t* ids, int64_t n,
                      const int32_t* offsets, int64_t bags, bool mean, float* y, int64_t bag_begin, int64_t bag_end);

// The bag walk every backend shares: bag(yb, begin, end, inv) for each bag b in [bag_begin,
// bag_end), with yb = y + b·d its output row, ids[begin, end) its ids, and inv the factor its sum
// is scaled by (1 / size for a non-empty bag in mean mode; 1 — nothing to scale — otherwise).
template <typename Bag>
inline void for_each_bag(const int32_t* offsets, int64_t n, int64_t bags, bool mean, int64_t d, float* y,
                         int64_t bag_begin, int64_t bag_end, Bag bag) {
  for (int64_t b = bag_begin; b < bag_end; ++b) {
    const int64_t begin = offsets[b];
    const int64_t end = b + 1 < bags ? offsets[b + 1] : n;
    bag(y + b * d, begin, end, mean && end > begin ? 1.0f / static_cast<float>(end - begin) : 1.0f);
  }
}

}  // namespace perch::reference
