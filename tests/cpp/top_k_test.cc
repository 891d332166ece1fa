#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "perch/tasks/top_k.h"

using namespace perch;

namespace {
// The definition: a stable sort by score, NaN and negatives as -1.
std::vector<int> by_stable_sort(const std::vector<float>& p, int k) {
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  const auto key = [&](int i) { return p[static_cast<size_t>(i)] >= 0.0f ? p[static_cast<size_t>(i)] : -1.0f; };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return key(a) > key(b); });
  order.resize(static_cast<size_t>(k));
  return order;
}
}  // namespace

TEST_CASE("top_k_indices equals a stable sort, ties, NaN and negatives included", "[top_k]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, 9);
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = 1 + trial % 40;
    std::vector<float> p(static_cast<size_t>(n));
    for (float& x : p) {
      const int r = pick(rng);  // few distinct values, so ties are common
      x = r == 0 ? std::nanf("") : r == 1 ? -0.5f : static_cast<float>(r % 4) * 0.25f;
    }
    for (int k = 1; k <= n; ++k) {
      std::vector<int> order(static_cast<size_t>(n), -1);
      top_k_indices(p.data(), n, k, &order);
      order.resize(static_cast<size_t>(k));
      INFO("n " << n << " k " << k << " trial " << trial);
      REQUIRE(order == by_stable_sort(p, k));
    }
  }
}

TEST_CASE("top_k_indices: all scores NaN still fills k distinct indices in order", "[top_k]") {
  const std::vector<float> p(5, std::nanf(""));
  std::vector<int> order(5, -1);
  top_k_indices(p.data(), 5, 3, &order);
  REQUIRE(std::vector<int>(order.begin(), order.begin() + 3) == std::vector<int>{0, 1, 2});
}
