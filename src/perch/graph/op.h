// The op interface. Each op (docs/ops.md) is one file in graph/ops/: it parses its attrs once at
// load, infers output shapes, and runs by calling its kernels (kernels/reference, kernels/wasmsimd,
// kernels/xnnpack). The registry (graph/op_registry.cc) maps op names to factories.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "perch/core/checked_size.h"
#include "perch/core/status.h"
#include "perch/core/tensor.h"
#include "perch/format/json.h"

namespace perch {

class ThreadPool;
class KvCache;

// What is known about a value before running: dtype and shape, and for weights the data.
struct ValueInfo {
  DType dtype = DType::kF32;
  Shape shape;
  const Tensor* constant = nullptr;  // non-null for weights (the file's tensors)
};

// Which kernels an op uses. kFast picks the target's fast kernels (wasmsimd or XNNPACK) where
// the op has them; kReference always runs the scalar oracle (tests compare the two).
enum class Backend { kFast, kReference };

// Finds a model weight by name: companions such as an int8 weight W's "W.scale".
class WeightLookup {
 public:
  virtual ~WeightLookup() = default;
  virtual const Tensor* find(std::string_view name) const = 0;  // nullptr when absent
};

struct OpBuildArgs {
  const JsonValue& attrs;          // the node's attrs object (empty object when none)
  const ValueInfo* inputs;         // one per node input (max shapes for dynamic inputs)
  const std::string* input_names;  // as written in the graph; "" marks an absent optional input
  int num_inputs;
  int num_outputs;
  Backend backend;
  const WeightLookup* weights;
};

struct RunContext {
  ThreadPool* pool = nullptr;  // never null during Session::run (size 1 when single-threaded)
  void* scratch = nullptr;     // scratch_bytes() bytes in the arena, 64-byte aligned
  KvCache* kv = nullptr;       // the session's KV cache (Attention with a `cache` attr)
  // True when the caller has inferred the outputs' dtypes and shapes from exactly these inputs
  // and sized the outputs by them (Session::run does), so run() need not infer again.
  bool shapes_checked = false;
  uint64_t scratch_bytes = 0;  // bytes at `scratch`: a kernel checks its run's need against it
};

// A KV-cache slot a kernel keeps across the runs of a session (Attention with a `cache` attr):
// the runtime sizes the session's KvCache from these, so it never reads an op's attrs itself.
struct KvCacheSlot {
  int64_t slot = -1;
  int64_t max_context = 0;  // rows the slot holds
  int64_t width = 0;        // floats per key (and per value) row
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Output dtypes/shapes from input dtypes/shapes (and nothing else: Session::run calls it again
  // only when an input's dtype or shape changed). Called at load with max shapes and before a
  // run with actual shapes: must not allocate. Reports bad shapes with the op's name.
  virtual Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const = 0;
  // Scratch bytes a run with these input shapes needs: planned in the arena at load from the max
  // shapes, and checked again by Session::run against the actual shapes (a graph's sizes need not
  // be monotone in its input dims). Checked 64-bit arithmetic; kSizeOverflow when it overflows.
  virtual uint64_t scratch_bytes(const ValueInfo* in, int n_in) const { return 0; }
  // Output 0 may share input `alias_input()`'s memory (Reshape); -1 when it may not.
  virtual int alias_input() const { return -1; }
  // The KV-cache slot this kernel appends to, given its inputs' max shapes; false when it keeps none.
  virtual bool kv_cache_slot(const ValueInfo* in, int n_in, KvCacheSlot* out) const { return false; }
  // Absent optional inputs have data == nullptr.
  virtual Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) = 0;
  // The kernel it picked at load: a kernel table entry's name ("wasmsimd.softmax_rows",
  // "xnnpack.dense_f32"; kernels/kernel_table.h) or "reference" for an op's own scalar loop.
  const char* kernel_name() const { return kernel_name_; }

 protected:
  explicit Kernel(const char* kernel_name) : kernel_name_(kernel_name) {}

 private:
  const char* kernel_name_;
};

using KernelFactory = Result<std::unique_ptr<Kernel>> (*)(const OpBuildArgs& args);

// nullptr when `op` is unknown.
KernelFactory find_op(std::string_view op);
// The names of every registered op, for `perch inspect` and error messages.
const char* const* op_names(int* count);

}  // namespace perch
