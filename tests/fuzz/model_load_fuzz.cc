// Fuzz target (a): model bytes -> Model::load -> Session::create -> run with random input shapes
// within max_shape. Half the inputs are taken as raw .perch bytes (the parser and validator);
// the other half drive a generator of valid-looking graphs over every registered op (shape
// inference, planning, kernels, the run-time size checks), with weights, attrs and input
// values (NaN and Inf included) from the fuzz bytes.
//
// Input layout: byte 0 = mode (bit 0: raw, bit 1: reference kernels), bytes 1..8 = the seed
// of the run shapes and values, then the model (raw) or the generator's choices.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "perch/format/writer.h"
#include "perch/runtime/session.h"

using nlohmann::json;
using namespace perch;

namespace {

// A tiny deterministic source of choices: from the fuzz bytes while they last, then zeros.
class Choices {
 public:
  Choices(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  uint8_t byte() { return p_ < end_ ? *p_++ : 0; }
  uint32_t below(uint32_t n) {  // [0, n)
    if (n <= 1) return 0;
    uint32_t v = byte();
    if (n > 256) v = v << 8 | byte();
    return v % n;
  }
  bool flip() { return byte() & 1; }
  float value() {  // mostly moderate, sometimes NaN, Inf, huge or denormal
    const uint8_t k = byte();
    switch (k % 16) {
      case 0:
        return NAN;
      case 1:
        return INFINITY;
      case 2:
        return -INFINITY;
      case 3:
        return 3e38f;
      case 4:
        return 1e-40f;
      default:
        return (static_cast<float>(byte()) - 128.f) / 32.f;
    }
  }
  bool done() const { return p_ >= end_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// xorshift64*: run shapes and input values.
struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ull;
  }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
};

struct Value {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;  // a guess at the max shape (exact for inputs and weights)
};

struct Generated {
  json graph;
  std::vector<std::string> tensor_names;
  std::vector<Tensor> tensors;
  std::vector<std::vector<uint8_t>> storage;
};

class GraphGenerator {
 public:
  explicit GraphGenerator(Choices& c) : c_(c) {}

  Generated build() {
    Generated g;
    out_ = &g;
    json inputs = json::array();
    const int n_inputs = 1 + static_cast<int>(c_.below(2));
    for (int i = 0; i < n_inputs; ++i) {
      const bool ints = c_.below(4) == 0;
      const int rank = 1 + static_cast<int>(c_.below(3));
      std::vector<int64_t> shape, max;
      for (int d = 0; d < rank; ++d) {
        static const int64_t kMax[] = {1, 2, 3, 4, 5, 8, 16, 33, 64, 1000, 2000, 0};
        if (c_.below(3) == 0) {
          const int64_t s = 1 + c_.below(8);
          shape.push_back(s);
          max.push_back(s);
        } else {
          shape.push_back(-1);
          max.push_back(kMax[c_.below(12)]);
        }
      }
      const std::string name = "x" + std::to_string(i);
      inputs.push_back({{"name", name}, {"dtype", ints ? "i32" : "f32"}, {"shape", shape}, {"max_shape", max}});
      values_.push_back({name, ints ? DType::kI32 : DType::kF32, max});
    }
    int count = 0;
    const char* const* names = op_names(&count);
    json nodes = json::array();
    const int n_nodes = 1 + static_cast<int>(c_.below(6));
    for (int n = 0; n < n_nodes; ++n) {
      const std::string op = names[c_.below(static_cast<uint32_t>(count))];
      nodes.push_back(node(op, "v" + std::to_string(n)));
    }
    json outputs = json::array();
    outputs.push_back(values_.back().name);
    if (values_.size() > 2 && c_.flip()) outputs.push_back(values_[values_.size() - 2].name);
    g.graph = {{"inputs", inputs}, {"outputs", outputs}, {"nodes", nodes}};
    return g;
  }

 private:
  const Value& pick() {
    return values_[values_.size() - 1 - c_.below(static_cast<uint32_t>(std::min<size_t>(values_.size(), 4)))];
  }
  const Value& pick_dtype(DType t) {
    for (size_t i = values_.size(); i-- > 0;)
      if (values_[i].dtype == t && c_.below(3) != 0) return values_[i];
    return pick();
  }
  int64_t last_dim(const Value& v) { return v.shape.empty() ? 1 : std::max<int64_t>(1, v.shape.back()); }
  int64_t small() { return 1 + c_.below(8); }

  std::string weight(DType dtype, std::vector<int64_t> shape) {
    const std::string name = "w" + std::to_string(out_->tensors.size());
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    if (numel > 4096) {  // keep generated files small
      shape.assign(shape.size(), 1);
      numel = 1;
    }
    std::vector<uint8_t> bytes(static_cast<size_t>(numel) * dtype_size(dtype));
    for (size_t i = 0; i < bytes.size();) {
      if (dtype == DType::kF32) {
        const float f = c_.value();
        std::memcpy(&bytes[i], &f, 4);
        i += 4;
      } else {
        bytes[i++] = c_.byte();
      }
    }
    Shape s;
    for (int64_t d : shape) s.push_back(d);
    out_->storage.push_back(std::move(bytes));
    out_->tensor_names.push_back(name);
    out_->tensors.push_back(Tensor{dtype, s, out_->storage.back().data()});
    values_.push_back({name, dtype, shape});
    return name;
  }
  // An int8 weight [rows, cols] with its per-row scale companion.
  std::string int8_weight(int64_t rows, int64_t cols) {
    const std::string w = weight(DType::kI8, {rows, cols});
    const std::string scale = weight(DType::kF32, {rows});
    out_->tensor_names.back() = w + ".scale";
    values_.back().name = w + ".scale";
    (void)scale;
    return w;
  }
  json ints(int n, int lo, int hi) {
    json a = json::array();
    for (int i = 0; i < n; ++i) a.push_back(lo + static_cast<int>(c_.below(static_cast<uint32_t>(hi - lo + 1))));
    return a;
  }

  json node(const std::string& op, const std::string& out) {
    json in = json::array();
    json attrs = json::object();
    DType out_dtype = DType::kF32;
    std::vector<int64_t> out_shape;
    const Value x = pick_dtype(DType::kF32);  // a copy: weight() grows values_
    const std::string xn = x.name;
    std::vector<int64_t> xs = x.shape;
    if (op == "FullyConnected") {
      const int64_t k = last_dim(x), n = small();
      in.push_back(xn);
      const uint32_t kind = c_.below(3);
      in.push_back(kind == 0 ? int8_weight(n, k) : weight(kind == 1 ? DType::kF32 : DType::kF16, {n, k}));
      if (c_.flip()) in.push_back(weight(DType::kF32, {n}));
      static const char* const kAct[] = {"none", "relu", "gelu", "gelu_tanh", "silu", "tanh"};
      if (c_.flip()) attrs["activation"] = kAct[c_.below(6)];
      out_shape = xs;
      if (!out_shape.empty()) out_shape.back() = n;
    } else if (op == "MatMul") {
      in.push_back(xn);
      if (c_.flip())
        in.push_back(weight(DType::kF32, {last_dim(x), small()}));
      else
        in.push_back(pick().name);
      out_shape = xs;
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      in.push_back(xn);
      if (c_.flip())
        in.push_back(weight(DType::kF32, {last_dim(x)}));
      else
        in.push_back(pick().name);
      out_shape = xs;
    } else if (op == "Softmax") {
      in.push_back(xn);
      if (c_.flip()) attrs["axis"] = static_cast<int>(c_.below(7)) - 3;
      out_shape = xs;
    } else if (op == "LayerNorm" || op == "RMSNorm") {
      in.push_back(xn);
      in.push_back(weight(DType::kF32, {last_dim(x)}));
      if (op == "LayerNorm" && c_.flip()) in.push_back(weight(DType::kF32, {last_dim(x)}));
      if (c_.flip()) attrs["epsilon"] = c_.flip() ? 0.0 : 1e-5;
      out_shape = xs;
    } else if (op == "Gather" || op == "EmbeddingBag") {
      const int64_t v = small(), d = small();
      const std::string table = c_.below(3) == 0 ? int8_weight(v, d) : weight(DType::kF32, {v, d});
      if (op == "Gather") {
        in.push_back(table);
        in.push_back(pick_dtype(DType::kI32).name);
        if (c_.below(8) == 0) attrs["axis"] = 1;
      } else {
        in.push_back(table);
        in.push_back(pick_dtype(DType::kI32).name);
        in.push_back(pick_dtype(DType::kI32).name);
        if (c_.flip()) attrs["mode"] = c_.flip() ? "sum" : "mean";
      }
      out_shape = {small(), d};
    } else if (op == "Reshape") {
      in.push_back(pick().name);
      static const std::vector<std::vector<int>> kShapes = {{-1},       {0, -1}, {-1, 2}, {2, -1},
                                                            {1, -1, 1}, {0, 0},  {4},     {-1, -1}};
      attrs["shape"] = kShapes[c_.below(static_cast<uint32_t>(kShapes.size()))];
      out_shape = {-1};
    } else if (op == "Transpose") {
      in.push_back(pick().name);
      static const std::vector<std::vector<int>> kPerms = {{1, 0}, {0, 1}, {2, 0, 1}, {0}, {1, 1}, {0, 2, 1}};
      if (c_.flip()) attrs["perm"] = kPerms[c_.below(static_cast<uint32_t>(kPerms.size()))];
      std::reverse(xs.begin(), xs.end());
      out_shape = xs;
    } else if (op == "Concat") {
      const int n = 1 + static_cast<int>(c_.below(3));
      for (int i = 0; i < n; ++i) in.push_back(i == 0 ? xn : pick().name);
      attrs["axis"] = static_cast<int>(c_.below(5)) - 2;
      out_shape = xs;
    } else if (op == "Slice") {
      in.push_back(pick().name);
      const int n = 1 + static_cast<int>(c_.below(2));
      static const int kIdx[] = {0, 1, 2, -1, -2, -1000, 1000, 5, 990, -5};
      json starts = json::array(), ends = json::array();
      for (int i = 0; i < n; ++i) {
        starts.push_back(kIdx[c_.below(10)]);
        ends.push_back(kIdx[c_.below(10)]);
      }
      attrs["starts"] = starts;
      attrs["ends"] = ends;
      if (c_.flip()) attrs["axes"] = ints(n, -2, 2);
      if (c_.below(4) == 0) attrs["steps"] = ints(n, 1, 3);
      out_shape = xs;
    } else if (op == "ReduceMean") {
      in.push_back(xn);
      if (c_.flip()) attrs["axes"] = ints(1 + static_cast<int>(c_.below(2)), -2, 2);
      if (c_.flip()) attrs["keepdims"] = static_cast<int>(c_.below(2));
      out_shape = xs;
    } else if (op == "Attention") {
      const int heads = 1 + static_cast<int>(c_.below(4));
      in.push_back(xn);
      in.push_back(c_.below(4) ? xn : pick().name);
      in.push_back(c_.below(4) ? xn : pick().name);
      attrs["num_heads"] = heads;
      if (c_.below(4) == 0) attrs["num_kv_heads"] = 1 + static_cast<int>(c_.below(static_cast<uint32_t>(heads)));
      if (c_.below(4) == 0) attrs["causal"] = static_cast<int>(c_.below(2));
      if (c_.below(3) == 0) {
        attrs["cache"] = static_cast<int>(c_.below(3));
        static const int kCtx[] = {1, 4, 16, 64, 1 << 20};
        attrs["max_context"] = kCtx[c_.below(5)];
      }
      out_shape = xs;
    } else {
      // Activations, and any op added later: one or two inputs, no attrs.
      in.push_back(xn);
      if (c_.below(4) == 0) in.push_back(pick().name);
      if (op == "Gelu" && c_.flip()) attrs["approximate"] = c_.flip() ? "tanh" : "none";
      out_shape = xs;
    }
    values_.push_back({out, out_dtype, out_shape});
    json n = {{"op", op}, {"inputs", in}, {"outputs", json::array({out})}};
    if (!attrs.empty()) n["attrs"] = attrs;
    return n;
  }

  Choices& c_;
  Generated* out_ = nullptr;
  std::vector<Value> values_;
};

void run_model(const uint8_t* bytes, size_t size, Backend backend, Rng& rng) {
  ModelOptions options;
  options.backend = backend;
  options.max_arena_bytes = 16 << 20;  // keeps each execution fast; the budget is checked here too
  auto model = Model::load(bytes, size, options);
  if (!model.is_ok()) return;
  auto session = Session::create(model.value());
  if (!session.is_ok()) return;
  Session& s = *session.value();
  const auto& inputs = model.value()->inputs();
  // Attention costs rows x context per head, and its KV cache grows over the three runs: with
  // only the element bound below, a generated chain of them took minutes under ASan (a libFuzzer
  // timeout at 216 k executions, 2026-12-08; correct, bounded work, not a bug). Smaller inputs.
  const std::string* graph_json = model.value()->metadata("perch.graph");
  const bool attention = graph_json && graph_json->find("\"Attention\"") != std::string::npos;
  const uint64_t max_numel = attention ? (1u << 12) : (1u << 18);
  const int64_t max_dynamic_dim = attention ? 64 : INT64_MAX;
  std::vector<std::vector<uint8_t>> data(inputs.size());
  for (int r = 0; r < 3; ++r) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const IoInfo& io = inputs[i];
      Shape shape = io.shape;
      uint64_t numel = 1;
      for (int d = 0; d < shape.rank(); ++d) {
        if (shape[d] < 0) {
          const int64_t max = std::min(io.max_shape[d], max_dynamic_dim);
          const uint64_t k = rng.below(8);
          shape[d] = k == 0   ? max
                     : k == 1 ? std::max<int64_t>(0, max - static_cast<int64_t>(rng.below(4)))
                              : static_cast<int64_t>(rng.below(static_cast<uint64_t>(std::min<int64_t>(max, 16)) + 1));
        }
        numel *= static_cast<uint64_t>(shape[d]);
      }
      if (numel > max_numel) return;  // keeps each execution fast (a max shape rarely fits: max - k does)
      data[i].assign(static_cast<size_t>(numel) * dtype_size(io.dtype), 0);
      for (size_t b = 0; b < data[i].size(); b += 4) {
        if (io.dtype == DType::kI32) {
          const int32_t v = rng.below(16) == 0 ? static_cast<int32_t>(rng.next()) : static_cast<int32_t>(rng.below(8));
          std::memcpy(&data[i][b], &v, std::min<size_t>(4, data[i].size() - b));
        } else if (io.dtype == DType::kF32) {
          const uint64_t k = rng.below(64);
          const float v = k == 0   ? NAN
                          : k == 1 ? INFINITY
                                   : static_cast<float>(static_cast<int64_t>(rng.below(2001)) - 1000) / 100.f;
          std::memcpy(&data[i][b], &v, 4);
        } else {
          const uint32_t v = static_cast<uint32_t>(rng.next());
          std::memcpy(&data[i][b], &v, std::min<size_t>(4, data[i].size() - b));
        }
      }
      if (!s.set_input(io.name, Tensor{io.dtype, shape, data[i].data()}).is_ok()) return;
    }
    if (!s.run().is_ok()) continue;
    for (const IoInfo& io : model.value()->outputs()) {
      auto out = s.output(io.name);
      if (!out.is_ok()) continue;
      // Touch every output byte: ASan sees any output that is not where it should be.
      const Tensor& t = out.value();
      const uint8_t* p = static_cast<const uint8_t*>(t.data);
      volatile uint8_t sink = 0;
      for (size_t b = 0; b < t.nbytes(); ++b) sink = sink ^ p[b];
      (void)sink;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  const uint8_t mode = data[0];
  Rng rng{0x9E3779B97F4A7C15ull};
  for (int i = 1; i < 9; ++i) rng.s = rng.s * 131 + data[i];
  if (rng.s == 0) rng.s = 1;
  const Backend backend = (mode & 2) ? Backend::kReference : Backend::kFast;
  if (mode & 1) {
    run_model(data + 9, size - 9, backend, rng);
    return 0;
  }
  Choices choices(data + 9, size - 9);
  Generated g = GraphGenerator(choices).build();
  std::vector<NamedTensor> tensors;
  for (size_t i = 0; i < g.tensors.size(); ++i) tensors.push_back({g.tensor_names[i], g.tensors[i]});
  auto bytes = write_perch_bytes(tensors, {{"perch.format", "1"}, {"perch.graph", g.graph.dump()}});
  if (!bytes.is_ok()) return 0;
  run_model(bytes.value().data(), bytes.value().size(), backend, rng);
  return 0;
}
