#include "perch/tasks/top_k.h"

#include <algorithm>

namespace perch {

// One pass keeping a sorted top-k for the small k a per-keystroke caller asks for; partial_sort
// for a long list.
void top_k_indices(const float* p, int n, int k, std::vector<int>* order) {
  constexpr int kScanMaxK = 8;
  if (k <= kScanMaxK) {
    int index[kScanMaxK];
    float key[kScanMaxK];
    int count = 0;
    for (int i = 0; i < n; ++i) {
      // Once k are kept, most scores are below the k-th: skip them four at a time, with
      // non-short-circuit ORs (one vector compare where the compiler vectorizes).
      if (count == k) {
        const float t = key[k - 1];
        while (i + 4 <= n && !((p[i] > t) | (p[i + 1] > t) | (p[i + 2] > t) | (p[i + 3] > t))) i += 4;
        if (i == n) break;
      }
      const float pi = p[i] >= 0.0f ? p[i] : -1.0f;
      if (count == k && !(pi > key[k - 1])) continue;  // the common case: not in the top k
      int j = count < k ? count++ : k - 1;
      for (; j > 0 && pi > key[j - 1]; --j) {  // strictly greater: an equal earlier label stays first
        key[j] = key[j - 1];
        index[j] = index[j - 1];
      }
      key[j] = pi;
      index[j] = i;
    }
    for (int r = 0; r < k; ++r) (*order)[static_cast<size_t>(r)] = index[r];
    return;
  }
  const auto rank_key = [](float x) { return x >= 0.0f ? x : -1.0f; };
  for (int i = 0; i < n; ++i) (*order)[static_cast<size_t>(i)] = i;
  std::partial_sort(order->begin(), order->begin() + k, order->begin() + n, [p, rank_key](int a, int b) {
    const float pa = rank_key(p[a]), pb = rank_key(p[b]);
    return pa > pb || (pa == pb && a < b);
  });
}

}  // namespace perch
