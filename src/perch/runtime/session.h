// Session: runs a Model. Created once (threads started, arena allocated, KV cache declared);
// a steady-state run allocates nothing. Not thread-safe: one caller at a time per session.
#pragma once
#include <memory>
#include <string_view>

#include "perch/core/status.h"
#include "perch/core/tensor.h"
#include "perch/runtime/kv_cache.h"
#include "perch/runtime/model.h"

namespace perch {

struct SessionOptions {
  int num_threads = 1;  // counts the calling thread; clamped to what the build supports
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(std::shared_ptr<const Model> model,
                                                 const SessionOptions& options = {});
  ~Session();

  // Binds input `name` to caller memory (not copied; must stay valid until run() returns).
  // Checks dtype, rank, and every dim against the declared shape and max_shape.
  Status set_input(std::string_view name, const Tensor& value);
  Status run();
  // A view into the session's memory, valid until the next run() or the session's end.
  Result<Tensor> output(std::string_view name) const;

  KvCache& kv_cache();
  const Model& model() const;
  int num_threads() const;

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace perch
