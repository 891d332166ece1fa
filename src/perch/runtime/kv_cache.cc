#include "perch/runtime/kv_cache.h"

#include <string>

#include "perch/core/checked_size.h"

namespace perch {

Status KvCache::declare_slot(int slot, int max_context, int width) {
  if (slot < 0 || slot > 4096)
    return invalid_model("Attention cache slot " + std::to_string(slot) + " is out of range [0, 4096]");
  if (max_context <= 0 || width <= 0 || max_context > (1 << 20) || width > (1 << 16))
    return invalid_model("Attention cache slot " + std::to_string(slot) + ": max_context " +
                         std::to_string(max_context) + " and width " + std::to_string(width) +
                         " must be positive and reasonable");
  if (static_cast<size_t>(slot) >= slots_.size()) slots_.resize(static_cast<size_t>(slot) + 1);
  Slot& s = slots_[static_cast<size_t>(slot)];
  if (s.width != 0) return invalid_model("Attention cache slot " + std::to_string(slot) + " is used by two nodes");
  uint64_t both = 0;
  if (!slot_bytes(max_context, width, &both) || !fits_in_size_t(both))
    return Status(StatusCode::kOutOfMemory, "Attention cache slot " + std::to_string(slot) + ": " +
                                                std::to_string(max_context) + " x " + std::to_string(width) +
                                                " floats for keys and values do not fit in this build's address space");
  const size_t bytes = static_cast<size_t>(both / 2);
  s.k = AlignedBuffer(bytes);
  s.v = AlignedBuffer(bytes);
  if (!s.k.ok() || !s.v.ok()) {
    s = Slot{};
    return Status(StatusCode::kOutOfMemory, "KV cache: cannot allocate " + std::to_string(both) + " bytes");
  }
  s.max_context = max_context;
  s.width = width;
  return Status::ok();
}

bool KvCache::slot_bytes(int64_t max_context, int64_t width, uint64_t* out) {
  if (max_context < 0 || width < 0) return false;
  return mul_size(static_cast<uint64_t>(max_context), static_cast<uint64_t>(width), 2 * sizeof(float), out);
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
