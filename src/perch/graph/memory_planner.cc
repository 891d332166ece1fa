#include "perch/graph/memory_planner.h"

#include <algorithm>
#include <limits>

#include "perch/core/checked_size.h"

namespace perch {

namespace {
uint64_t align_up(uint64_t n) {
  uint64_t r;
  return align_size(n, kArenaAlignment, &r) ? r : kSizeOverflow;
}
uint64_t sat_add(uint64_t a, uint64_t b) {
  uint64_t r;
  return add_size(a, b, &r) ? r : kSizeOverflow;
}
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
    const uint64_t size = align_up(requests[r].bytes);
    if (size == 0) continue;
    // Gaps between live-overlapping placed buffers; pick the smallest gap that fits.
    uint64_t best = kSizeOverflow, best_gap = kSizeOverflow;
    uint64_t cursor = 0;
    for (size_t p : placed) {
      if (!overlap(requests[p], requests[r])) continue;
      const uint64_t begin = plan.offsets[p];
      if (begin > cursor && begin - cursor >= size && begin - cursor < best_gap) {
        best = cursor;
        best_gap = begin - cursor;
      }
      cursor = std::max(cursor, sat_add(begin, align_up(requests[p].bytes)));
    }
    if (best == kSizeOverflow) best = cursor;
    plan.offsets[r] = best;
    plan.arena_bytes = std::max(plan.arena_bytes, sat_add(best, size));
    auto pos = std::upper_bound(placed.begin(), placed.end(), best,
                                [&](size_t off, size_t p) { return off < plan.offsets[p]; });
    placed.insert(pos, r);
  }
  return plan;
}

}  // namespace perch
