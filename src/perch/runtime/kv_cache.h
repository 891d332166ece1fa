// KvCache: the keys and values that causal Attention layers keep between runs of a session, so
// that incremental decoding processes only the tokens added since the last call. One slot per
// Attention node with a `cache` attr; all slots share one position (rows already cached).
#pragma once
#include <cstdint>
#include <vector>

#include "perch/core/status.h"
#include "perch/core/tensor.h"

namespace perch {

class KvCache {
 public:
  // Declares slot `slot` with room for max_context rows of `width` floats (keys and values each).
  // Called by the session at creation, before any run.
  Status declare_slot(int slot, int max_context, int width);
  // Bytes one slot holds (keys and values), in checked 64-bit arithmetic; false on overflow.
  static bool slot_bytes(int64_t max_context, int64_t width, uint64_t* out);

  int num_slots() const { return static_cast<int>(slots_.size()); }
  bool has_slot(int slot) const;
  int max_context(int slot) const { return slots_[static_cast<size_t>(slot)].max_context; }
  int width(int slot) const { return slots_[static_cast<size_t>(slot)].width; }
  float* keys(int slot) { return static_cast<float*>(slots_[static_cast<size_t>(slot)].k.data()); }
  float* values(int slot) { return static_cast<float*>(slots_[static_cast<size_t>(slot)].v.data()); }

  // Rows already cached (the position where the next run appends).
  int position() const { return position_; }
  // An Attention kernel that appended `rows` rows at position() reports it here; the session
  // commits (position += rows) after the whole run succeeded, or drops it when the run failed.
  void set_pending(int rows) { pending_ = rows; }
  void commit() {
    position_ += pending_;
    pending_ = 0;
  }
  void drop_pending() { pending_ = 0; }
  // Rolls back to `rows` cached rows (rows <= position()).
  Status truncate(int rows);
  void reset() {
    position_ = 0;
    pending_ = 0;
  }

 private:
  struct Slot {
    int max_context = 0;
    int width = 0;
    AlignedBuffer k, v;
  };
  std::vector<Slot> slots_;  // indexed by slot number; undeclared slots have width 0
  int position_ = 0;
  int pending_ = 0;
};

}  // namespace perch
