#include "perch/runtime/kv_cache.h"

#include <string>

namespace perch {

Status KvCache::declare_slot(int slot, int max_context, int width) {
  if (slot < 0 || slot > 4096) return invalid_model("Attention cache slot " + std::to_string(slot) + " is out of range [0, 4096]");
  if (max_context <= 0 || width <= 0 || max_context > (1 << 20) || width > (1 << 16))
    return invalid_model("Attention cache slot " + std::to_string(slot) + ": max_context " +
                         std::to_string(max_context) + " and width " + std::to_string(width) +
                         " must be positive and reasonable");
  if (static_cast<size_t>(slot) >= slots_.size()) slots_.resize(static_cast<size_t>(slot) + 1);
  Slot& s = slots_[static_cast<size_t>(slot)];
  if (s.width != 0) return invalid_model("Attention cache slot " + std::to_string(slot) + " is used by two nodes");
  const size_t bytes = static_cast<size_t>(max_context) * static_cast<size_t>(width) * sizeof(float);
  s.k = AlignedBuffer(bytes);
  s.v = AlignedBuffer(bytes);
  if (!s.k.ok() || !s.v.ok()) return Status(StatusCode::kOutOfMemory, "KV cache: cannot allocate " + std::to_string(2 * bytes) + " bytes");
  s.max_context = max_context;
  s.width = width;
  return Status::ok();
}

bool KvCache::has_slot(int slot) const {
  return slot >= 0 && static_cast<size_t>(slot) < slots_.size() && slots_[static_cast<size_t>(slot)].width > 0;
}

Status KvCache::truncate(int rows) {
  if (rows < 0 || rows > position_)
    return out_of_range("KV cache truncate(" + std::to_string(rows) + "): position is " + std::to_string(position_));
  position_ = rows;
  pending_ = 0;
  return Status::ok();
}

}  // namespace perch
