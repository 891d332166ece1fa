// Memory planner: places every intermediate buffer in one arena by liveness. Buffers whose
// lifetimes overlap never share bytes; a buffer whose lifetime has ended gives its bytes to
// later ones (best fit among the free gaps). Offsets are 64-byte aligned.
#pragma once
#include <cstddef>
#include <vector>

namespace perch {

constexpr size_t kArenaAlignment = 64;

struct BufferRequest {
  size_t bytes = 0;
  int first_step = 0;  // written at this step
  int last_step = 0;   // last read at this step (inclusive)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request
  size_t arena_bytes = 0;
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace perch
