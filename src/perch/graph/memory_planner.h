// Memory planner: places every intermediate buffer in one arena by liveness. Buffers whose
// lifetimes overlap never share bytes; a buffer whose lifetime has ended gives its bytes to
// later ones (best fit among the free gaps). Offsets are 64-byte aligned. Sizes are uint64_t
// and the arithmetic saturates at kSizeOverflow, so a caller checks arena_bytes against its
// budget and size_t once (wasm32 and native plan the same model the same way).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace perch {

constexpr size_t kArenaAlignment = 64;

struct BufferRequest {
  uint64_t bytes = 0;
  int first_step = 0;  // written at this step
  int last_step = 0;   // last read at this step (inclusive)
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;  // one per request
  uint64_t arena_bytes = 0;       // kSizeOverflow when the sum overflowed
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace perch
