// EmbeddingBag: the sum or mean of weight rows over ragged bags of ids (n-gram models). Ids and
// offsets are validated by the op before these run.
#pragma once
#include <cstdint>

namespace perch::reference {

// Bags [bag_begin, bag_end) of `bags`: bag b is ids[offsets[b] : offsets[b+1]] (the last bag runs
// to n). y: [bags, d]; an empty bag gives zeros. `mean` divides by the bag's size.
void embedding_bag_f32(const float* weight, int64_t d, const int32_t* ids, int64_t n,
                       const int32_t* offsets, int64_t bags, bool mean, float* y,
                       int64_t bag_begin, int64_t bag_end);
// int8 weight rows with a per-row scale.
void embedding_bag_i8(const int8_t* weight, const float* scale, int64_t d, const int32_t* ids,
                      int64_t n, const int32_t* offsets, int64_t bags, bool mean, float* y,
                      int64_t bag_begin, int64_t bag_end);

}  // namespace perch::reference
