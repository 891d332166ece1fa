#include "perch/graph/memory_planner.h"

#include <algorithm>
#include <limits>

namespace perch {

namespace {
size_t align_up(size_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }
bool overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}
}  // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  // Largest first (ties: earliest first): big buffers get the low addresses, small ones fill gaps.
  std::vector<size_t> order(requests.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    return requests[a].first_step < requests[b].first_step;
  });
  std::vector<size_t> placed;  // request indices already given an offset, sorted by offset
  for (size_t r : order) {
    const size_t size = align_up(requests[r].bytes);
    if (size == 0) continue;
    // Gaps between live-overlapping placed buffers; pick the smallest gap that fits.
    size_t best = std::numeric_limits<size_t>::max(), best_gap = std::numeric_limits<size_t>::max();
    size_t cursor = 0;
    for (size_t p : placed) {
      if (!overlap(requests[p], requests[r])) continue;
      const size_t begin = plan.offsets[p];
      if (begin > cursor && begin - cursor >= size && begin - cursor < best_gap) {
        best = cursor;
        best_gap = begin - cursor;
      }
      cursor = std::max(cursor, begin + align_up(requests[p].bytes));
    }
    if (best == std::numeric_limits<size_t>::max()) best = cursor;
    plan.offsets[r] = best;
    plan.arena_bytes = std::max(plan.arena_bytes, best + size);
    auto pos = std::upper_bound(placed.begin(), placed.end(), best,
                                [&](size_t off, size_t p) { return off < plan.offsets[p]; });
    placed.insert(pos, r);
  }
  return plan;
}

}  // namespace perch
