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

struct ModelOptions {
  Backend backend = Backend::kFast;
};

class Model {
 public:
  // Parses and validates every byte (format/), builds kernels, plans memory. The bytes are
  // copied where needed; the caller may free them after this returns.
  static Result<std::shared_ptr<const Model>> load(const uint8_t* bytes, size_t size,
                                                   const ModelOptions& options = {});
  static Result<std::shared_ptr<const Model>> load_file(const std::string& path,
                                                        const ModelOptions& options = {});
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

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace perch
