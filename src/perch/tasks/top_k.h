// The k most probable labels of a score vector, for the task layer.
#pragma once
#include <vector>

namespace perch {

// Indices of the k highest p[0, n) into (*order)[0, k), highest first, ties to the lower index;
// NaN and negative scores rank last. Needs 1 <= k <= n and order->size() >= k.
void top_k_indices(const float* p, int n, int k, std::vector<int>* order);

}  // namespace perch
