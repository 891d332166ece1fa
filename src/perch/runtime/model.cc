#include "perch/runtime/model.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

#include "perch/core/checked_size.h"
#include "perch/format/reader.h"
#include "perch/graph/memory_planner.h"
#include "perch/runtime/kv_cache.h"
#include "perch/runtime/model_impl.h"

namespace perch {

namespace {

class ModelWeights final : public WeightLookup {
 public:
  ModelWeights(const PerchFile& file, const std::vector<Tensor>& weights) : file_(file), weights_(weights) {}
  const Tensor* find(std::string_view name) const override {
    const TensorEntry* t = file_.find(std::string(name));
    return t ? &weights_[static_cast<size_t>(t - file_.tensors.data())] : nullptr;
  }

 private:
  const PerchFile& file_;
  const std::vector<Tensor>& weights_;
};

Status copy_weights(const PerchFile& file, Model::Impl* m) {
  m->weight_storage.reserve(file.tensors.size());
  for (const TensorEntry& e : file.tensors) {
    Tensor t;
    t.dtype = e.dtype == DType::kF16 ? DType::kF32 : e.dtype;  // f16 is storage only
    t.shape = e.shape;
    uint64_t wide = 0;  // f16 widens to f32: twice the file's bytes, checked for wasm32
    if (!checked_bytes(t.shape, dtype_size(t.dtype), &wide) || !fits_in_size_t(wide))
      return Status(StatusCode::kOutOfMemory, "tensor '" + e.name + "' does not fit in this build's address space");
    const size_t bytes = static_cast<size_t>(wide);
    AlignedBuffer buf(bytes);
    if (!buf.ok())
      return Status(StatusCode::kOutOfMemory,
                    "tensor '" + e.name + "': cannot allocate " + std::to_string(bytes) + " bytes");
    const uint8_t* src = static_cast<const uint8_t*>(file.bytes_of(e));
    if (e.dtype == DType::kF16) {
      float* dst = static_cast<float*>(buf.data());
      for (int64_t i = 0; i < e.shape.numel(); ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        dst[i] = f16_to_f32(h);
      }
    } else if (bytes) {
      std::memcpy(buf.data(), src, bytes);
    }
    t.data = buf.data();
    m->weight_bytes += bytes;
    m->weight_storage.push_back(std::move(buf));
    m->weights.push_back(t);
  }
  return Status::ok();
}

// Bytes of a value at its max shape, in checked 64-bit arithmetic, within `budget`.
Status max_bytes_of(const ValueInfo& v, uint64_t budget, uint64_t* out) {
  uint64_t bytes = 0;
  if (!checked_bytes(v.shape, dtype_size(v.dtype), &bytes)) return invalid_model("size overflows 64 bits");
  if (bytes > budget)
    return Status(StatusCode::kOutOfMemory, "needs " + std::to_string(bytes) +
                                                " bytes, over the max_arena_bytes budget of " + std::to_string(budget));
  *out = bytes;
  return Status::ok();
}

// Infers shapes once more with every dynamic input dim at 1: output dims that change are dynamic.
void mark_dynamic_outputs(Model::Impl* m) {
  const Graph& g = m->graph;
  bool any_dynamic = false;
  std::vector<ValueInfo> small(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) small[v] = m->values[v].max;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    ValueInfo& vi = small[static_cast<size_t>(g.input_values[i])];
    for (int d = 0; d < vi.shape.rank(); ++d)
      if (g.inputs[i].shape[d] < 0) {
        vi.shape[d] = std::min<int64_t>(1, g.inputs[i].max_shape[d]);
        any_dynamic = true;
      }
  }
  if (!any_dynamic) return;
  bool ok = true;
  for (size_t n = 0; n < g.nodes.size() && ok; ++n) {
    const GraphNode& node = g.nodes[n];
    ValueInfo in[64], out[64];
    if (node.inputs.size() > 64 || node.outputs.size() > 64) {
      ok = false;
      break;
    }
    for (size_t k = 0; k < node.inputs.size(); ++k)
      if (node.inputs[k] >= 0) in[k] = small[static_cast<size_t>(node.inputs[k])];
    ok = m->kernels[n]
             ->infer(in, static_cast<int>(node.inputs.size()), out, static_cast<int>(node.outputs.size()))
             .is_ok();
    for (size_t k = 0; k < node.outputs.size() && ok; ++k) small[static_cast<size_t>(node.outputs[k])] = out[k];
  }
  for (size_t o = 0; o < m->outputs.size(); ++o) {
    IoInfo& io = m->outputs[o];
    if (!ok) continue;
    const Shape& s = small[static_cast<size_t>(g.output_values[o])].shape;
    if (s.rank() != io.max_shape.rank()) continue;
    for (int d = 0; d < s.rank(); ++d)
      if (s[d] != io.max_shape[d]) io.shape[d] = -1;
  }
}

// perch.format must be present, perch.graph is returned, perch.task (when set) must be known.
Status read_model_metadata(const PerchFile& file, Model::Impl* m, const std::string** graph_json) {
  m->metadata = file.metadata;
  if (!file.metadata.count("perch.format")) return invalid_model("not a perch model: metadata has no 'perch.format'");
  auto graph_it = file.metadata.find("perch.graph");
  if (graph_it == file.metadata.end()) return invalid_model("metadata has no 'perch.graph'");
  auto task_it = file.metadata.find("perch.task");
  if (task_it != file.metadata.end()) {
    m->task = task_it->second;
    if (m->task != "language-detection" && m->task != "text-suggestion")
      return invalid_model("perch.task '" + m->task + "' is not language-detection or text-suggestion");
  }
  *graph_json = &graph_it->second;
  return Status::ok();
}

// Weights and graph inputs are known before any kernel: weights with their data, inputs at max shape.
void plan_weights_and_inputs(Model::Impl* m) {
  const Graph& g = m->graph;
  m->values.resize(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    const GraphValue& gv = g.values[v];
    if (gv.kind == ValueKind::kWeight) {
      const Tensor& w = m->weights[static_cast<size_t>(gv.producer)];
      m->values[v].max = {w.dtype, w.shape, &w};
    } else if (gv.kind == ValueKind::kInput) {
      const GraphInput& in = g.inputs[static_cast<size_t>(gv.producer)];
      m->values[v].max = {in.dtype, in.max_shape, nullptr};
    }
  }
}

// Output `k` of node `n` at max shape, each within the arena budget.
Status plan_node_outputs(const GraphNode& node, const std::vector<ValueInfo>& out, const std::string& where,
                         const ModelOptions& options, Model::Impl* m) {
  for (size_t k = 0; k < out.size(); ++k) {
    PlannedValue& pv = m->values[static_cast<size_t>(node.outputs[k])];
    pv.max = {out[k].dtype, out[k].shape, nullptr};
    Status b = max_bytes_of(pv.max, options.max_arena_bytes, &pv.max_bytes);
    if (!b.is_ok())
      return Status(b.code(),
                    where + "output " + std::to_string(k) + " " + pv.max.shape.to_string() + ": " + b.message());
  }
  return Status::ok();
}

// Output 0 shares its input's memory when the kernel allows it and it fits (Reshape views).
void plan_alias(const GraphNode& node, const Kernel& kernel, Model::Impl* m) {
  const Graph& g = m->graph;
  const int alias = kernel.alias_input();
  if (alias < 0 || static_cast<size_t>(alias) >= node.inputs.size() || node.inputs[static_cast<size_t>(alias)] < 0)
    return;
  const int src = node.inputs[static_cast<size_t>(alias)];
  PlannedValue& out0 = m->values[static_cast<size_t>(node.outputs[0])];
  uint64_t src_bytes = 0;
  (void)max_bytes_of(m->values[static_cast<size_t>(src)].max, kSizeOverflow, &src_bytes);
  // A graph output must not point into the caller's input memory: it is read after run().
  int root = src;
  while (m->values[static_cast<size_t>(root)].alias_of >= 0) root = m->values[static_cast<size_t>(root)].alias_of;
  const bool output_of_input =
      g.values[static_cast<size_t>(root)].kind == ValueKind::kInput &&
      std::find(g.output_values.begin(), g.output_values.end(), node.outputs[0]) != g.output_values.end();
  if (out0.max_bytes <= src_bytes && out0.max.dtype == m->values[static_cast<size_t>(src)].max.dtype &&
      !output_of_input)
    out0.alias_of = src;
}

// The KV-cache slot the kernel declares (Attention with a `cache` attr), within KvCache's limits,
// one node per slot, its bytes added to the model's KV cache.
Status plan_kv_slot(const Kernel& kernel, const std::vector<ValueInfo>& in, const std::string& where, Model::Impl* m) {
  KvCacheSlot need;
  if (!kernel.kv_cache_slot(in.data(), static_cast<int>(in.size()), &need)) return Status::ok();
  if (need.slot < 0 || need.slot > 4096 || need.max_context <= 0 || need.max_context > (1 << 20) || need.width <= 0 ||
      need.width > (1 << 16))
    return invalid_model(where + "cache slot, max_context or key width out of range");
  for (const KvSlotDecl& d : m->kv_slots)
    if (d.slot == need.slot)
      return invalid_model(where + "cache slot " + std::to_string(need.slot) + " is used by two nodes");
  uint64_t slot_bytes = 0;
  if (!KvCache::slot_bytes(need.max_context, need.width, &slot_bytes) ||
      !add_size(m->kv_cache_bytes, slot_bytes, &m->kv_cache_bytes))
    return invalid_model(where + "KV cache size overflows 64 bits");
  m->kv_slots.push_back(
      {static_cast<int>(need.slot), static_cast<int>(need.max_context), static_cast<int>(need.width)});
  return Status::ok();
}

// Node `n`'s kernel from its op and max input shapes; its outputs, alias, scratch and KV slot planned.
Status build_node(size_t n, const WeightLookup& lookup, const ModelOptions& options, Model::Impl* m) {
  const Graph& g = m->graph;
  const GraphNode& node = g.nodes[n];
  const std::string where = "perch.graph " + describe_node(node, g) + ": ";
  std::vector<ValueInfo> in(node.inputs.size());
  for (size_t k = 0; k < node.inputs.size(); ++k)
    if (node.inputs[k] >= 0) in[k] = m->values[static_cast<size_t>(node.inputs[k])].max;
  const OpBuildArgs args{node.attrs,
                         in.data(),
                         node.input_names.data(),
                         static_cast<int>(in.size()),
                         static_cast<int>(node.outputs.size()),
                         options.backend,
                         &lookup};
  KernelFactory factory = find_op(node.op);
  if (!factory) return invalid_model(where + "unknown op '" + node.op + "'");
  auto kernel = factory(args);
  if (!kernel.is_ok()) return Status(kernel.status().code(), where + kernel.status().message());
  if (!kernel.value()) return internal_error(where + "op factory returned no kernel");
  std::vector<ValueInfo> out(node.outputs.size());
  Status st = kernel.value()->infer(in.data(), static_cast<int>(in.size()), out.data(), static_cast<int>(out.size()));
  if (!st.is_ok()) return Status(st.code(), where + st.message());
  PERCH_RETURN_IF_ERROR(plan_node_outputs(node, out, where, options, m));
  plan_alias(node, *kernel.value(), m);
  m->scratch_bytes[n] = kernel.value()->scratch_bytes(in.data(), static_cast<int>(in.size()));
  if (m->scratch_bytes[n] > options.max_arena_bytes)
    return Status(StatusCode::kOutOfMemory,
                  where + "scratch of " +
                      (m->scratch_bytes[n] == kSizeOverflow ? std::string("more than 2^64")
                                                            : std::to_string(m->scratch_bytes[n])) +
                      " bytes is over the max_arena_bytes budget of " + std::to_string(options.max_arena_bytes));
  PERCH_RETURN_IF_ERROR(plan_kv_slot(*kernel.value(), in, where, m));
  m->kernels.push_back(std::move(kernel.value()));
  return Status::ok();
}

// Kernels and shapes, in topological order.
Status build_kernels(const PerchFile& file, const ModelOptions& options, Model::Impl* m) {
  ModelWeights lookup(file, m->weights);
  const size_t num_nodes = m->graph.nodes.size();
  m->scratch_offset.assign(num_nodes, kNoArena);
  m->scratch_bytes.assign(num_nodes, 0);
  for (size_t n = 0; n < num_nodes; ++n) PERCH_RETURN_IF_ERROR(build_node(n, lookup, options, m));
  return Status::ok();
}

// One arena request per node output that owns memory and per node scratch. A value lives from
// its producer to its last reader, graph outputs to the end; a view (alias) extends the lifetime
// of the buffer it shares. `owner`: value index, or -(node+1) for scratch.
std::vector<BufferRequest> arena_requests(Model::Impl* m, std::vector<int>* owner) {
  const Graph& g = m->graph;
  auto root_of = [&](int v) {
    while (m->values[static_cast<size_t>(v)].alias_of >= 0) v = m->values[static_cast<size_t>(v)].alias_of;
    return v;
  };
  const size_t num_nodes = g.nodes.size();
  const int end_step = static_cast<int>(num_nodes);
  std::vector<int> last(g.values.size(), -1);
  for (size_t n = 0; n < num_nodes; ++n) {
    for (int v : g.nodes[n].inputs)
      if (v >= 0) last[static_cast<size_t>(root_of(v))] = static_cast<int>(n);
    for (int v : g.nodes[n].outputs) {
      const size_t r = static_cast<size_t>(root_of(v));
      last[r] = std::max(last[r], static_cast<int>(n));
    }
  }
  for (int v : g.output_values) last[static_cast<size_t>(root_of(v))] = end_step;
  std::vector<BufferRequest> requests;
  for (size_t v = 0; v < g.values.size(); ++v) {
    const GraphValue& gv = g.values[v];
    if (gv.kind != ValueKind::kNode || m->values[v].alias_of >= 0) continue;
    requests.push_back({m->values[v].max_bytes, gv.producer, std::max(last[v], gv.producer)});
    owner->push_back(static_cast<int>(v));
    if (!add_size(m->planned_value_bytes, m->values[v].max_bytes, &m->planned_value_bytes))
      m->planned_value_bytes = kSizeOverflow;
  }
  for (size_t n = 0; n < num_nodes; ++n) {
    if (m->scratch_bytes[n] == 0) continue;
    requests.push_back({m->scratch_bytes[n], static_cast<int>(n), static_cast<int>(n)});
    owner->push_back(-static_cast<int>(n) - 1);
  }
  return requests;
}

// The arena: offsets for every request. The budget covers arena (intermediates + scratch) and KV
// cache, checked before a session allocates any of it, and narrowed to size_t only once known to
// fit (wasm32: 4 GiB).
Status plan_arena(const ModelOptions& options, Model::Impl* m) {
  std::vector<int> owner;
  const std::vector<BufferRequest> requests = arena_requests(m, &owner);
  const MemoryPlan plan = plan_memory(requests);
  uint64_t session_bytes = kSizeOverflow;
  if (!add_size(plan.arena_bytes, m->kv_cache_bytes, &session_bytes)) session_bytes = kSizeOverflow;
  if (session_bytes > options.max_arena_bytes || !fits_in_size_t(session_bytes))
    return Status(StatusCode::kOutOfMemory,
                  "model needs " +
                      (session_bytes == kSizeOverflow ? std::string("more than 2^64") : std::to_string(session_bytes)) +
                      " bytes of session memory (arena " + std::to_string(plan.arena_bytes) + ", KV cache " +
                      std::to_string(m->kv_cache_bytes) + "), over " +
                      (session_bytes > options.max_arena_bytes
                           ? "the max_arena_bytes budget of " + std::to_string(options.max_arena_bytes)
                           : std::string("this build's address space")));
  for (size_t r = 0; r < requests.size(); ++r) {
    if (owner[r] >= 0)
      m->values[static_cast<size_t>(owner[r])].arena_offset = static_cast<size_t>(plan.offsets[r]);
    else
      m->scratch_offset[static_cast<size_t>(-owner[r] - 1)] = static_cast<size_t>(plan.offsets[r]);
  }
  m->arena_bytes = static_cast<size_t>(plan.arena_bytes);
  return Status::ok();
}

// The model's inputs and outputs as callers see them (dynamic output dims marked -1).
void describe_io(Model::Impl* m) {
  const Graph& g = m->graph;
  for (const GraphInput& in : g.inputs) m->inputs.push_back({in.name, in.dtype, in.shape, in.max_shape});
  for (size_t o = 0; o < g.output_values.size(); ++o) {
    const PlannedValue& pv = m->values[static_cast<size_t>(g.output_values[o])];
    m->outputs.push_back({g.output_names[o], pv.max.dtype, pv.max.shape, pv.max.shape});
  }
  mark_dynamic_outputs(m);
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

// Reads the file, copies its weights, parses the graph, builds a kernel per node at the inputs'
// max shapes, and plans the arena; any problem is an error before a session exists.
Result<std::shared_ptr<const Model>> Model::load(const uint8_t* bytes, size_t size, const ModelOptions& options) {
  PERCH_ASSIGN_OR_RETURN(PerchFile file, read_perch_file(bytes, size));
  auto m = std::make_unique<Impl>();
  const std::string* graph_json = nullptr;
  PERCH_RETURN_IF_ERROR(read_model_metadata(file, m.get(), &graph_json));
  PERCH_RETURN_IF_ERROR(copy_weights(file, m.get()));
  PERCH_ASSIGN_OR_RETURN(m->graph, parse_graph(*graph_json, file));
  plan_weights_and_inputs(m.get());
  PERCH_RETURN_IF_ERROR(build_kernels(file, options, m.get()));
  PERCH_RETURN_IF_ERROR(plan_arena(options, m.get()));
  describe_io(m.get());
  return std::shared_ptr<const Model>(new Model(std::move(m)));
}

Result<std::shared_ptr<const Model>> Model::load_file(const std::string& path, const ModelOptions& options) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return invalid_argument("cannot open model file '" + path + "'");
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, f)) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return invalid_argument("cannot read model file '" + path + "'");
  return load(bytes.data(), bytes.size(), options);
}

const std::vector<IoInfo>& Model::inputs() const { return impl_->inputs; }
const std::vector<IoInfo>& Model::outputs() const { return impl_->outputs; }
const std::string* Model::metadata(std::string_view key) const {
  auto it = impl_->metadata.find(std::string(key));
  return it == impl_->metadata.end() ? nullptr : &it->second;
}
const std::map<std::string, std::string>& Model::all_metadata() const { return impl_->metadata; }
const std::string& Model::task() const { return impl_->task; }
size_t Model::weight_bytes() const { return impl_->weight_bytes; }
size_t Model::arena_bytes() const { return impl_->arena_bytes; }
uint64_t Model::kv_cache_bytes() const { return impl_->kv_cache_bytes; }

}  // namespace perch
