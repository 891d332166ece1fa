// The k most probable labels of a score vector, for the task layer.
#pragma once
#include <cstddef>
#include <vector>

namespace perch {

// Inserts x into head[0, m), kept sorted by `before` (a strict order; an equal x goes after the
// ones already there), keeping at most k; returns the new count. The k best of a stream by
// insertion: most items lose to head[k - 1] at the first comparison.
template <typename T, typename Before>
inline size_t insert_top_k(T* head, size_t m, size_t k, const T& x, Before before) {
  if (m == k) {
    if (k == 0 || !before(x, head[k - 1])) return m;
    --m;
  }
  size_t j = m++;
  for (; j > 0 && before(x, head[j - 1]); --j) head[j] = head[j - 1];
  head[j] = x;
  return m;
}

// Indices of the k highest p[0, n) into (*order)[0, k), highest first, ties to the lower index;
// NaN and negative scores rank last. Needs 1 <= k <= n and order->size() >= k.
void top_k_indices(const float* p, int n, int k, std::vector<int>* order);

}  // namespace perch
