// Model::Impl: what a loaded model holds, shared (read-only) by its sessions. Internal to
// runtime/ (session.cc and the CLI's inspect read it).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "perch/core/tensor.h"
#include "perch/graph/graph.h"
#include "perch/graph/op.h"
#include "perch/runtime/model.h"

namespace perch {

constexpr size_t kNoArena = static_cast<size_t>(-1);

struct PlannedValue {
  ValueInfo max;  // dtype and shape at the inputs' max shapes (weights: constant set)
  uint64_t max_bytes = 0;
  size_t arena_offset = kNoArena;  // node outputs that own arena bytes
  int alias_of = -1;               // value whose memory this one shares (Reshape views)
};

struct KvSlotDecl {
  int slot = 0;
  int max_context = 0;
  int width = 0;
};

struct Model::Impl {
  std::map<std::string, std::string> metadata;
  std::string task;
  std::vector<IoInfo> inputs, outputs;
  Graph graph;
  std::vector<AlignedBuffer> weight_storage;  // per file tensor, 64-byte aligned (f16 -> f32)
  std::vector<Tensor> weights;                // views of weight_storage, per file tensor
  // Kernels are built once and shared by every session of this model: their run() must not
  // change state that another session could observe.
  std::vector<std::unique_ptr<Kernel>> kernels;  // per node (topological order)
  std::vector<PlannedValue> values;              // per graph value
  std::vector<size_t> scratch_offset;            // per node (kNoArena when it needs none)
  std::vector<uint64_t> scratch_bytes;           // per node (planned, at the max shapes)
  std::vector<KvSlotDecl> kv_slots;
  size_t arena_bytes = 0;  // within ModelOptions::max_arena_bytes and size_t (checked)
  uint64_t kv_cache_bytes = 0;
  size_t weight_bytes = 0;
  uint64_t planned_value_bytes = 0;  // sum of every intermediate's bytes, before reuse (inspect)
};

}  // namespace perch
