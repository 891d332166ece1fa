#include "perch/runtime/session.h"

#include <cstring>
#include <string>

#include "perch/core/checked_size.h"
#include "perch/core/compiler.h"
#include "perch/runtime/model_impl.h"
#include "perch/runtime/thread_pool.h"

namespace perch {

struct Session::Impl {
  std::shared_ptr<const Model> model;
  const Model::Impl* m = nullptr;
  std::unique_ptr<ThreadPool> pool;
  AlignedBuffer arena;
  KvCache kv;
  std::vector<Tensor> values;   // current dtype/shape/data of every graph value
  std::vector<char> input_set;  // per graph input
  // Per node, preallocated so that run() fills them in place.
  std::vector<size_t> io_begin;  // node n's inputs start at io_begin[n] in in_tensors/in_info
  std::vector<size_t> out_begin;
  std::vector<Tensor> in_tensors, out_tensors;
  std::vector<ValueInfo> in_info, out_info;
  std::vector<char> inferred;  // per node: out_info holds the infer() of in_info
  bool has_outputs = false;

  uint8_t* arena_at(size_t offset) { return static_cast<uint8_t*>(arena.data()) + offset; }
};

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

PERCH_LOAD_TIME Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Model> model,
                                                                 const SessionOptions& options) {
  if (!model) return invalid_argument("Session::create: model is null");
  auto s = std::make_unique<Impl>();
  s->m = &model->impl();
  s->model = std::move(model);
  const Model::Impl& m = *s->m;
  const Graph& g = m.graph;
  s->pool = std::make_unique<ThreadPool>(options.num_threads < 1 ? 1 : options.num_threads);
  if (m.arena_bytes) {
    // calloc, not malloc + memset: the OS hands out zero pages, so bytes a run never touches
    // (an arena planned for large max shapes, used with small ones) are never committed.
    s->arena = AlignedBuffer::zeroed(m.arena_bytes);
    if (!s->arena.ok())
      return Status(StatusCode::kOutOfMemory,
                    "session arena: cannot allocate " + std::to_string(m.arena_bytes) + " bytes");
  }
  for (const KvSlotDecl& d : m.kv_slots) PERCH_RETURN_IF_ERROR(s->kv.declare_slot(d.slot, d.max_context, d.width));
  s->values.resize(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (g.values[v].kind == ValueKind::kWeight) s->values[v] = m.weights[static_cast<size_t>(g.values[v].producer)];
  }
  s->input_set.assign(g.inputs.size(), 0);
  size_t n_in = 0, n_out = 0;
  for (const GraphNode& node : g.nodes) {
    s->io_begin.push_back(n_in);
    s->out_begin.push_back(n_out);
    n_in += node.inputs.size();
    n_out += node.outputs.size();
  }
  s->in_tensors.resize(n_in);
  s->in_info.resize(n_in);
  s->out_tensors.resize(n_out);
  s->out_info.resize(n_out);
  s->inferred.resize(g.nodes.size());
  // What never changes between runs: weights (and absent optional inputs) as node inputs, and
  // every input's constant (run() refreshes the rest).
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const GraphNode& node = g.nodes[n];
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const int v = node.inputs[k];
      Tensor& t = s->in_tensors[s->io_begin[n] + k];
      ValueInfo& info = s->in_info[s->io_begin[n] + k];
      if (v < 0) continue;  // stays Tensor{} / ValueInfo{}
      info.constant = m.values[static_cast<size_t>(v)].max.constant;
      if (g.values[static_cast<size_t>(v)].kind != ValueKind::kWeight) continue;
      t = s->values[static_cast<size_t>(v)];
      info.dtype = t.dtype;
      info.shape = t.shape;
    }
  }
  return std::unique_ptr<Session>(new Session(std::move(s)));
}

Status Session::set_input(std::string_view name, const Tensor& value) {
  const Model::Impl& m = *impl_->m;
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    const IoInfo& io = m.inputs[i];
    if (io.name != name) continue;
    if (value.dtype != io.dtype)
      return invalid_argument("input '" + io.name + "': dtype " + dtype_name(value.dtype) + ", expected " +
                              dtype_name(io.dtype));
    if (value.shape.rank() != io.shape.rank())
      return invalid_argument("input '" + io.name + "': shape " + value.shape.to_string() + " has rank " +
                              std::to_string(value.shape.rank()) + ", expected " + io.shape.to_string());
    for (int d = 0; d < io.shape.rank(); ++d) {
      const int64_t got = value.shape[d];
      const bool ok = io.shape[d] >= 0 ? got == io.shape[d] : (got >= 0 && got <= io.max_shape[d]);
      if (!ok)
        return invalid_argument("input '" + io.name + "': shape " + value.shape.to_string() + " does not fit " +
                                io.shape.to_string() + " (max " + io.max_shape.to_string() + ") at dim " +
                                std::to_string(d));
    }
    if (value.data == nullptr && value.shape.numel() > 0)
      return invalid_argument("input '" + io.name + "': data is null");
    impl_->values[static_cast<size_t>(m.graph.input_values[i])] = value;
    impl_->input_set[i] = 1;
    return Status::ok();
  }
  std::string names;
  for (const IoInfo& io : m.inputs) names += (names.empty() ? "" : ", ") + io.name;
  return invalid_argument("no input named '" + std::string(name) + "' (inputs: " + names + ")");
}

Status Session::run() {
  Impl& s = *impl_;
  const Model::Impl& m = *s.m;
  const Graph& g = m.graph;
  s.has_outputs = false;
  for (size_t i = 0; i < g.inputs.size(); ++i)
    if (!s.input_set[i]) return invalid_argument("input '" + g.inputs[i].name + "' was not set");
  s.kv.drop_pending();
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const GraphNode& node = g.nodes[n];
    Tensor* in = s.in_tensors.data() + s.io_begin[n];
    ValueInfo* in_info = s.in_info.data() + s.io_begin[n];
    Tensor* out = s.out_tensors.data() + s.out_begin[n];
    ValueInfo* out_info = s.out_info.data() + s.out_begin[n];
    const int n_in = static_cast<int>(node.inputs.size()), n_out = static_cast<int>(node.outputs.size());
    // Weights and absent inputs were filled in at create. The node is inferred again only when
    // an input's dtype or shape differs from its last successful run: outputs depend on nothing
    // else, and most calls of a per-keystroke model change only the first op's input length.
    bool changed = !s.inferred[n];
    for (int k = 0; k < n_in; ++k) {
      const int v = node.inputs[static_cast<size_t>(k)];
      if (v < 0 || g.values[static_cast<size_t>(v)].kind == ValueKind::kWeight) continue;
      const Tensor& t = s.values[static_cast<size_t>(v)];
      in[k].data = t.data;
      if (in[k].dtype != t.dtype || in[k].shape != t.shape) {
        in[k].dtype = in_info[k].dtype = t.dtype;
        in[k].shape = in_info[k].shape = t.shape;
        changed = true;
      }
    }
    Kernel& kernel = *m.kernels[n];
    if (changed) {
      s.inferred[n] = 0;
      Status st = kernel.infer(in_info, n_in, out_info, n_out);
      if (!st.is_ok()) {
        s.kv.drop_pending();
        return Status(st.code(), describe_node(node, g) + ": " + st.message());
      }
      // Planning saw the inputs' max shapes, but sizes need not be monotone in the input dims
      // (a Slice with negative starts yields more rows from a smaller input): every output and
      // the scratch are checked against what was planned for them.
      for (int k = 0; k < n_out; ++k) {
        const size_t v = static_cast<size_t>(node.outputs[static_cast<size_t>(k)]);
        const PlannedValue& pv = m.values[v];
        uint64_t bytes = 0;
        if (!checked_bytes(out_info[k].shape, dtype_size(out_info[k].dtype), &bytes) || bytes > pv.max_bytes) {
          s.kv.drop_pending();
          return out_of_range(describe_node(node, g) + ": output " + std::to_string(k) + " " +
                              out_info[k].shape.to_string() + " is larger than the " + std::to_string(pv.max_bytes) +
                              " bytes planned for it at the inputs' max shapes");
        }
        out[k].dtype = s.values[v].dtype = out_info[k].dtype;
        out[k].shape = s.values[v].shape = out_info[k].shape;
      }
      const uint64_t scratch = kernel.scratch_bytes(in_info, n_in);
      if (scratch > m.scratch_bytes[n]) {
        s.kv.drop_pending();
        return out_of_range(describe_node(node, g) + ": needs " + std::to_string(scratch) +
                            " scratch bytes for these input shapes, more than the " +
                            std::to_string(m.scratch_bytes[n]) + " planned at the inputs' max shapes");
      }
      s.inferred[n] = 1;
    }
    for (int k = 0; k < n_out; ++k) {
      const size_t v = static_cast<size_t>(node.outputs[static_cast<size_t>(k)]);
      const PlannedValue& pv = m.values[v];
      void* data = nullptr;
      if (pv.alias_of >= 0)
        data = s.values[static_cast<size_t>(pv.alias_of)].data;
      else if (pv.arena_offset != kNoArena)
        data = s.arena_at(pv.arena_offset);
      out[k].data = s.values[v].data = data;
    }
    RunContext ctx;
    ctx.pool = s.pool.get();
    ctx.scratch = m.scratch_offset[n] != kNoArena ? s.arena_at(m.scratch_offset[n]) : nullptr;
    ctx.scratch_bytes = ctx.scratch ? m.scratch_bytes[n] : 0;
    ctx.kv = &s.kv;
    ctx.shapes_checked = true;
    const Status st = kernel.run(ctx, in, n_in, out, n_out);
    if (!st.is_ok()) {
      s.kv.drop_pending();
      return Status(st.code(), describe_node(node, g) + ": " + st.message());
    }
  }
  s.kv.commit();
  s.has_outputs = true;
  return Status::ok();
}

Result<Tensor> Session::output(std::string_view name) const {
  const Impl& s = *impl_;
  const Graph& g = s.m->graph;
  for (size_t o = 0; o < g.output_names.size(); ++o) {
    if (g.output_names[o] != name) continue;
    if (!s.has_outputs) return invalid_argument("output '" + g.output_names[o] + "': run() has not succeeded yet");
    return s.values[static_cast<size_t>(g.output_values[o])];
  }
  return invalid_argument("no output named '" + std::string(name) + "'");
}

KvCache& Session::kv_cache() { return impl_->kv; }
const Model& Session::model() const { return *impl_->model; }
int Session::num_threads() const { return impl_->pool->num_threads(); }

}  // namespace perch
