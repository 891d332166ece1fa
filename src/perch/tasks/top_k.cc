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
  int count = 0;
  for (int i = 0; i < n; ++i) {
    if (count == k) {
      // Non-short-circuit ORs: one vector compare where the compiler vectorizes.
      const float t = rank_key(p[top[k - 1]]);
      while (i + 4 <= n && !((p[i] > t) | (p[i + 1] > t) | (p[i + 2] > t) | (p[i + 3] > t))) i += 4;
      if (i == n) break;
      if (!(rank_key(p[i]) > t)) continue;
    }
    const float pi = rank_key(p[i]);
    int j = count < k ? count++ : k - 1;
    for (; j > 0 && pi > rank_key(p[top[j - 1]]); --j) top[j] = top[j - 1];  // an equal earlier label stays first
    top[j] = i;
  }
}

}  // namespace perch
