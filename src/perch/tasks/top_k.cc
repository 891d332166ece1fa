#include "perch/tasks/top_k.h"

namespace perch {

namespace {
// The score a label ranks by: NaN and negatives last.
inline float rank_key(float p) { return p >= 0.0f ? p : -1.0f; }
}  // namespace

// One pass keeping order[0, count) sorted by insertion: O(n) for the small k a per-keystroke
// caller asks for (most scores fall below the k-th and are skipped four at a time), O(n·k) at
// worst for a long list.
void top_k_indices(const float* p, int n, int k, std::vector<int>* order) {
  int* top = order->data();
  const auto higher = [p](int a, int b) { return rank_key(p[a]) > rank_key(p[b]); };
  size_t count = 0;
  for (int i = 0; i < n; ++i) {
    if (count == static_cast<size_t>(k)) {
      // Non-short-circuit ORs: one vector compare where the compiler vectorizes.
      const float t = rank_key(p[top[k - 1]]);
      while (i + 4 <= n && !((p[i] > t) | (p[i + 1] > t) | (p[i + 2] > t) | (p[i + 3] > t))) i += 4;
      if (i == n) break;
    }
    count = insert_top_k(top, count, static_cast<size_t>(k), i, higher);
  }
}

}  // namespace perch
