// Multi-head scaled dot-product attention, f32: per head h, y_h = softmax(q_h · k_gᵀ / sqrt(Dh)) · v_g
// with g = h / (heads / kv_heads) (grouped-query heads share a key/value head).
#pragma once
#include <cstdint>

namespace perch::reference {

struct AttentionShape {
  int64_t rows = 0;     // query rows S
  int64_t past = 0;     // key/value rows before the first query row (the cache position)
  int64_t kv_rows = 0;  // key/value rows present: past + S
  int64_t heads = 1, kv_heads = 1, head_dim = 1;
  int64_t q_stride = 0, kv_stride = 0, y_stride = 0;  // elements between rows
  bool causal = true;                                 // query row i sees key rows [0, past + i]; else all kv_rows
};

// Computes heads [head_begin, head_end). scratch holds s.kv_rows floats per head (indexed by the
// head, so chunks of heads can run on different threads).
void attention_heads(const float* q, const float* k, const float* v, const AttentionShape& s, float* scratch, float* y,
                     int64_t head_begin, int64_t head_end);

}  // namespace perch::reference
