// Model: a validated, loaded .perch file: weights (packed copies where kernels want them), the
// graph with one Kernel per node, the memory plan, and the metadata. Immutable after load and
// shared by every Session created from it (sessions hold a shared_ptr).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "perch/core/status.h"
#include "perch/core/tensor.h"
#include "perch/graph/op.h"

namespace perch {

struct IoInfo {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;      // -1 for dynamic dims
  Shape max_shape;  // upper bound used for planning (== shape when static)
};

// The default session memory budget: 256 MiB (perch's shipped models need well under 1 MiB).
constexpr uint64_t kDefaultMaxArenaBytes = uint64_t(256) << 20;

struct ModelOptions {
  Backend backend = Backend::kFast;
  // Most bytes one session of this model may need for its arena (intermediates and scratch at
  // the inputs' max shapes) plus its KV cache. A model over it fails to load, before any
  // allocation, so that a hostile max_shape cannot take the process's memory.
  uint64_t max_arena_bytes = kDefaultMaxArenaBytes;
};

class Model {
 public:
  // Parses and validates every byte (format/), builds kernels, plans memory. The bytes are
  // copied where needed; the caller may free them after this returns.
  static Result<std::shared_ptr<const Model>> load(const uint8_t* bytes, size_t size, const ModelOptions& options = {});
  static Result<std::shared_ptr<const Model>> load_file(const std::string& path, const ModelOptions& options = {});
  ~Model();

  const std::vector<IoInfo>& inputs() const;
  const std::vector<IoInfo>& outputs() const;
  // nullptr when the key is absent.
  const std::string* metadata(std::string_view key) const;
  const std::map<std::string, std::string>& all_metadata() const;
  // "language-detection", "text-suggestion" or "" (perch.task).
  const std::string& task() const;
  // Bytes of weights after packing, and of the planned arena (for inspect and placement).
  size_t weight_bytes() const;
  size_t arena_bytes() const;
  // Bytes of the KV cache a session declares (0 without cached Attention).
  uint64_t kv_cache_bytes() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace perch
