// The op test, in the style of ggml's test-backend-ops: a table of cases per op (shapes with 1,
// odd and non-tile sizes, broadcasting patterns, attrs), random inputs from a fixed seed, each op
// built through find_op for Backend::kFast and kReference and run on thread pools of 1 and 2;
// the fast outputs must match the reference within a per-dtype tolerance, and guard bytes around
// every output and scratch buffer must be untouched. Every case runs, failing or not: a failure
// is reported with the case (op, attrs, input shapes), the fast kernel's name, the thread count
// and the first mismatch, and a table per op (kernel, cases, failures, largest error) is printed.
// Then hand-computed values of the reference kernels, and the errors bad attrs, shapes and ids
// must give. The row kernels themselves, one by one against the reference and in place, are in
// kernel_table_test.cc.
//
// Which kernels this covers depends on the build: the same test binary runs under ctest in every
// preset — natively (XNNPACK dense layers; other entries of the fast table are the reference's),
// under ASan/UBSan, and in the wasm presets under Node (wasm-simd and wasm-simd-threads: the
// wasmsimd/ SIMD128 row and dense kernels; wasm-baseline: the dense micro-kernels on plain
// 4-float vectors). Each build's kernel names are printed in the table.
#include <catch2/catch.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "perch/core/tensor.h"
#include "perch/format/json.h"
#include "perch/graph/op.h"
#include "perch/runtime/kv_cache.h"
#include "perch/runtime/thread_pool.h"

using namespace perch;
using nlohmann::json;

namespace {

// ---- values and cases ----

struct Value {
  std::string name;  // "" marks an absent optional input
  DType dtype = DType::kF32;
  Shape shape;
  std::vector<unsigned char> bytes;
  bool constant = false;  // a model weight (ValueInfo::constant is set)

  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(bytes.data());
  }
};

struct OpCase {
  std::string op;
  json attrs = json::object();
  std::vector<Value> inputs;
  std::vector<Value> companions;  // weights reachable only through WeightLookup ("W.scale")
  std::vector<int> chunks;        // Attention with a cache: rows per successive run
  double tolerance = 1e-4;        // relative and absolute, f32 outputs
};

template <typename T>
Value make_value(const std::string& name, DType dtype, Shape shape, const std::vector<T>& data, bool constant = false) {
  Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = shape;
  v.bytes.resize(data.size() * sizeof(T));
  if (!data.empty()) std::memcpy(v.bytes.data(), data.data(), v.bytes.size());
  v.constant = constant;
  REQUIRE(static_cast<int64_t>(data.size()) == shape.numel());
  return v;
}

Value f32(const std::string& name, Shape shape, std::vector<float> data, bool constant = false) {
  return make_value(name, DType::kF32, shape, data, constant);
}

Value i32(const std::string& name, Shape shape, std::vector<int32_t> data) {
  return make_value(name, DType::kI32, shape, data);
}

Value u8(const std::string& name, Shape shape, std::vector<uint8_t> data) {
  return make_value(name, DType::kU8, shape, data);
}

Value absent() { return Value(); }

struct Random {
  std::mt19937 rng{20261125};
  Value f32(const std::string& name, Shape shape, bool constant = false, float lo = -1.f, float hi = 1.f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(static_cast<size_t>(shape.numel()));
    for (float& x : v) x = d(rng);
    return ::f32(name, shape, v, constant);
  }
  Value i8(const std::string& name, Shape shape, bool constant = true) {
    std::uniform_int_distribution<int> d(-127, 127);
    std::vector<int8_t> v(static_cast<size_t>(shape.numel()));
    for (int8_t& x : v) x = static_cast<int8_t>(d(rng));
    return make_value(name, DType::kI8, shape, v, constant);
  }
  Value mask(const std::string& name, Shape shape) {
    std::uniform_int_distribution<int> d(0, 1);
    std::vector<uint8_t> v(static_cast<size_t>(shape.numel()));
    for (uint8_t& x : v) x = static_cast<uint8_t>(d(rng));
    return ::u8(name, shape, v);
  }
  // Integers in [lo, hi] (may be negative: i32 arithmetic and negative Gather indices).
  Value ints(const std::string& name, Shape shape, int32_t lo, int32_t hi) {
    std::uniform_int_distribution<int32_t> d(lo, hi);
    std::vector<int32_t> v(static_cast<size_t>(shape.numel()));
    for (int32_t& x : v) x = d(rng);
    return ::i32(name, shape, v);
  }
  Value ids(const std::string& name, Shape shape, int32_t below) {
    std::uniform_int_distribution<int32_t> d(0, below - 1);
    std::vector<int32_t> v(static_cast<size_t>(shape.numel()));
    for (int32_t& x : v) x = d(rng);
    return ::i32(name, shape, v);
  }
  // Non-decreasing offsets starting at 0 for `bags` bags over n ids, with some empty bags.
  Value offsets(const std::string& name, int bags, int n) {
    std::uniform_int_distribution<int32_t> d(0, n);
    std::vector<int32_t> v(static_cast<size_t>(bags));
    for (int32_t& x : v) x = d(rng);
    std::sort(v.begin(), v.end());
    if (bags > 0) v[0] = 0;
    return ::i32(name, Shape{bags}, v);
  }
};

// ---- running one op ----

class CaseWeights : public WeightLookup {
 public:
  explicit CaseWeights(const OpCase& c) {
    for (const Value& v : c.inputs)
      if (v.constant) add(v);
    for (const Value& v : c.companions) add(v);
  }
  const Tensor* find(std::string_view name) const override {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return &tensors_[i];
    return nullptr;
  }

 private:
  void add(const Value& v) {
    names_.push_back(v.name);
    tensors_.push_back(Tensor{v.dtype, v.shape, const_cast<unsigned char*>(v.bytes.data())});
  }
  std::vector<std::string> names_;
  std::vector<Tensor> tensors_;
};

constexpr size_t kGuard = 64;
constexpr unsigned char kGuardByte = 0xA5;

// A buffer with guard bytes on both sides; data() is 64-byte aligned.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t bytes) : bytes_(bytes), block_(bytes + 2 * kGuard) {
    std::memset(block_.data(), kGuardByte, block_.size());
  }
  void* data() { return static_cast<unsigned char*>(block_.data()) + kGuard; }
  bool guards_intact() const {
    const auto* p = static_cast<const unsigned char*>(block_.data());
    for (size_t i = 0; i < kGuard; ++i)
      if (p[i] != kGuardByte || p[kGuard + bytes_ + i] != kGuardByte) return false;
    return true;
  }

 private:
  size_t bytes_;
  AlignedBuffer block_;
};

struct Output {
  std::string kernel;  // the kernel the op picked (Kernel::kernel_name)
  DType dtype = DType::kF32;
  Shape shape;
  std::vector<unsigned char> bytes;
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(bytes.data());
  }
  std::vector<float> floats() const {
    std::vector<float> f(bytes.size() / 4);
    if (!f.empty()) std::memcpy(f.data(), bytes.data(), bytes.size());
    return f;
  }
};

Result<std::unique_ptr<Kernel>> build(const OpCase& c, Backend backend, const CaseWeights& weights,
                                      std::vector<ValueInfo>* infos, std::vector<Tensor>* constants,
                                      std::vector<std::string>* names) {
  KernelFactory factory = find_op(c.op);
  if (factory == nullptr) return invalid_model("unknown op " + c.op);
  infos->resize(c.inputs.size());
  constants->resize(c.inputs.size());
  names->resize(c.inputs.size());
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const Value& v = c.inputs[i];
    (*constants)[i] = Tensor{v.dtype, v.shape, const_cast<unsigned char*>(v.bytes.data())};
    (*infos)[i].dtype = v.dtype;
    (*infos)[i].shape = v.shape;
    (*infos)[i].constant = v.constant ? &(*constants)[i] : nullptr;
    (*names)[i] = v.name;
  }
  // Cases write attrs with nlohmann's initializer lists; ops read perch's JSON values.
  JsonValue attrs;
  REQUIRE(parse_json(c.attrs.dump(), &attrs, nullptr));
  const OpBuildArgs args{attrs, infos->data(), names->data(), static_cast<int>(c.inputs.size()), 1, backend, &weights};
  return factory(args);
}

// Builds and runs the case; the output and any error. Checks guards around output and scratch.
Result<Output> run_case(const OpCase& c, Backend backend, int threads) {
  CaseWeights weights(c);
  std::vector<ValueInfo> infos;
  std::vector<Tensor> constants;
  std::vector<std::string> names;
  PERCH_ASSIGN_OR_RETURN(auto kernel, build(c, backend, weights, &infos, &constants, &names));
  const int n_in = static_cast<int>(c.inputs.size());
  const size_t scratch_bytes = static_cast<size_t>(kernel->scratch_bytes(infos.data(), n_in));
  GuardedBuffer scratch(scratch_bytes);

  ThreadPool pool(threads);
  KvCache kv;
  if (c.attrs.contains("cache"))
    PERCH_RETURN_IF_ERROR(kv.declare_slot(c.attrs["cache"].get<int>(), c.attrs["max_context"].get<int>(),
                                          static_cast<int>(c.inputs[1].shape[1])));
  RunContext ctx;
  ctx.pool = &pool;
  ctx.scratch = scratch.data();
  ctx.scratch_bytes = scratch_bytes;
  ctx.kv = &kv;

  Output result;
  result.kernel = kernel->kernel_name();
  // Runs over row ranges of the inputs (Attention with a cache) or once over everything.
  std::vector<int> chunks = c.chunks;
  if (chunks.empty())
    chunks.push_back(c.inputs.empty() ? 0 : static_cast<int>(c.inputs[0].shape.rank() ? c.inputs[0].shape[0] : 0));
  int64_t row = 0;
  for (size_t ci = 0; ci < chunks.size(); ++ci) {
    std::vector<Tensor> in(c.inputs.size());
    std::vector<std::vector<unsigned char>> copies(c.inputs.size());  // exact size: ASan sees over-reads
    std::vector<ValueInfo> run_infos(c.inputs.size());
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      const Value& v = c.inputs[i];
      in[i].dtype = v.dtype;
      in[i].shape = v.shape;
      if (v.name.empty() && v.bytes.empty()) continue;  // absent optional input: no data
      size_t begin = 0, size = v.bytes.size();
      if (!c.chunks.empty() && !v.constant) {
        const size_t row_bytes = v.bytes.size() / static_cast<size_t>(v.shape[0]);
        in[i].shape[0] = chunks[ci];
        begin = static_cast<size_t>(row) * row_bytes;
        size = static_cast<size_t>(chunks[ci]) * row_bytes;
      }
      copies[i].assign(v.bytes.begin() + static_cast<std::ptrdiff_t>(begin),
                       v.bytes.begin() + static_cast<std::ptrdiff_t>(begin + size));
      in[i].data = copies[i].empty() ? nullptr : copies[i].data();
      if (v.constant) in[i].data = const_cast<unsigned char*>(v.bytes.data());
      run_infos[i].dtype = in[i].dtype;
      run_infos[i].shape = in[i].shape;
    }
    ValueInfo chunk_info;
    PERCH_RETURN_IF_ERROR(kernel->infer(run_infos.data(), n_in, &chunk_info, 1));
    Tensor out{chunk_info.dtype, chunk_info.shape, nullptr};
    GuardedBuffer out_buf(out.nbytes());
    out.data = out_buf.data();
    PERCH_RETURN_IF_ERROR(kernel->run(ctx, in.data(), n_in, &out, 1));
    kv.commit();
    if (!out_buf.guards_intact()) return internal_error(c.op + ": wrote outside its output buffer");
    if (!scratch.guards_intact()) return internal_error(c.op + ": wrote outside its scratch buffer");
    const auto* p = static_cast<const unsigned char*>(out.data);
    result.bytes.insert(result.bytes.end(), p, p + out.nbytes());
    row += chunks[ci];
    result.dtype = out.dtype;
    result.shape = out.shape;
  }
  if (!c.chunks.empty()) result.shape[0] = row;  // the chunks' rows, stacked
  return result;
}

std::string describe(const OpCase& c) {
  std::string s = c.op + " " + c.attrs.dump();
  for (const Value& v : c.inputs)
    s += " " + (v.name.empty() ? std::string("<absent>") : std::string(dtype_name(v.dtype)) + v.shape.to_string());
  if (!c.chunks.empty()) {
    s += " chunks";
    for (int ch : c.chunks) s += " " + std::to_string(ch);
  }
  return s;
}

// What the comparison of one op's cases found (the table printed after the run).
struct OpReport {
  std::set<std::string> kernels;  // the fast kernels its cases picked
  int cases = 0, failed = 0;
  double max_error = 0;  // largest |fast - reference| / (1 + |reference|), f32 outputs
};

// The fast backend (1 and 2 threads) against the reference. Failures are CHECKs with the case, the
// kernel and the first mismatch, so every case runs; returns false when this case failed.
bool check_fast_matches_reference(const OpCase& c, OpReport* report) {
  INFO("case: " << describe(c));
  Result<Output> ref = run_case(c, Backend::kReference, 1);
  CHECK(ref.status().to_string() == "Ok");
  if (!ref.is_ok()) return false;
  bool ok = true;
  for (int threads : {1, 2}) {
    Result<Output> fast = run_case(c, Backend::kFast, threads);
    INFO("threads " << threads << ", fast kernel " << (fast.is_ok() ? fast->kernel : std::string("(none)"))
                    << ", reference kernel " << ref->kernel);
    CHECK(fast.status().to_string() == "Ok");
    if (!fast.is_ok()) return false;
    report->kernels.insert(fast->kernel);
    const bool same_layout =
        fast->dtype == ref->dtype && fast->shape == ref->shape && fast->bytes.size() == ref->bytes.size();
    INFO("fast " << dtype_name(fast->dtype) << fast->shape.to_string() << ", reference " << dtype_name(ref->dtype)
                 << ref->shape.to_string());
    CHECK(same_layout);
    if (!same_layout) return false;
    if (ref->dtype != DType::kF32) {
      CHECK(fast->bytes == ref->bytes);
      ok = ok && fast->bytes == ref->bytes;
      continue;
    }
    const std::vector<float> a = fast->floats(), b = ref->floats();
    size_t bad = 0, first_bad = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const double err = std::fabs(static_cast<double>(a[i]) - b[i]) / (1.0 + std::fabs(b[i]));
      if (err > report->max_error) report->max_error = err;
      if (!(err <= c.tolerance)) {  // NaN counts as a mismatch
        if (bad++ == 0) first_bad = i;
      }
    }
    INFO(bad << " of " << a.size() << " values off by more than " << c.tolerance << "; first at " << first_bad
             << ": fast " << std::setprecision(9) << (a.empty() ? 0.f : a[first_bad]) << " reference "
             << (b.empty() ? 0.f : b[first_bad]));
    CHECK(bad == 0);
    ok = ok && bad == 0;
  }
  return ok;
}

Output run_ok(const OpCase& c, Backend backend = Backend::kReference, int threads = 1) {
  INFO(describe(c));
  Result<Output> r = run_case(c, backend, threads);
  REQUIRE(r.status().to_string() == "Ok");
  return r.value();
}

Status run_status(const OpCase& c) {
  Result<Output> r = run_case(c, Backend::kReference, 1);
  return r.status();
}

// ---- the case table ----

const int kSizes[] = {1, 3, 4, 7, 16, 17, 33};

std::vector<OpCase> dense_cases(Random& r) {
  std::vector<OpCase> cases;
  struct Mnk {
    int m, n, k;
  };
  const Mnk shapes[] = {{1, 1, 1}, {1, 7, 3}, {3, 5, 17}, {4, 16, 16}, {5, 33, 9}, {17, 8, 31}, {2, 65, 40}};
  const char* acts[] = {"none", "relu", "gelu", "gelu_tanh", "silu"};
  int i = 0;
  for (const Mnk& s : shapes) {
    for (bool bias : {false, true}) {
      for (bool int8 : {false, true}) {
        OpCase c;
        c.op = "FullyConnected";
        c.attrs = {{"activation", acts[i++ % 5]}};
        c.inputs.push_back(r.f32("x", s.m == 4 ? Shape{2, 2, s.k} : Shape{s.m, s.k}));
        if (int8) {
          c.inputs.push_back(r.i8("fc.w", Shape{s.n, s.k}));
          c.companions.push_back(r.f32("fc.w.scale", Shape{s.n}, true, 0.001f, 0.02f));
          c.tolerance = 1e-3;
        } else {
          c.inputs.push_back(r.f32("fc.w", Shape{s.n, s.k}, true));
        }
        c.inputs.push_back(bias ? r.f32("fc.b", Shape{s.n}, true) : absent());
        cases.push_back(c);
      }
    }
  }
  // MatMul: two activations with broadcast batch dims, and a constant 2-D b (dense path).
  const Shape mm[][2] = {{{1, 1}, {1, 1}},          {{3, 5}, {5, 7}},         {{2, 3, 4}, {2, 4, 5}},
                         {{2, 1, 3, 4}, {3, 4, 2}}, {{1, 7, 17}, {4, 17, 3}}, {{16, 33}, {33, 16}}};
  for (const auto& p : mm) {
    OpCase c;
    c.op = "MatMul";
    c.inputs = {r.f32("a", p[0]), r.f32("b", p[1])};
    cases.push_back(c);
    if (p[1].rank() == 2) {
      OpCase w = c;
      w.inputs[1] = r.f32("mm.w", p[1], true);
      cases.push_back(w);
    }
  }
  return cases;
}

std::vector<OpCase> elementwise_cases(Random& r) {
  std::vector<OpCase> cases;
  const Shape pairs[][2] = {{{1}, {1}},          {{7}, {7}},           {{3, 17}, {17}},
                            {{2, 1, 3}, {4, 1}}, {{5, 1}, {1, 6}},     {{2, 3, 4, 5}, {3, 1, 5}},
                            {{33}, {}},          {{1, 16}, {4, 1, 16}}};
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    for (const auto& p : pairs) {
      OpCase c;
      c.op = op;
      const bool div = std::string(op) == "Div";
      c.inputs = {r.f32("a", p[0]), div ? r.f32("b", p[1], false, 0.5f, 2.f) : r.f32("b", p[1])};
      cases.push_back(c);
    }
  }
  for (const char* op : {"Relu", "Gelu", "Silu", "Tanh", "Sigmoid"}) {
    for (Shape s : {Shape{1}, Shape{7}, Shape{3, 17}, Shape{2, 3, 33}, Shape{300, 70}}) {
      OpCase c;
      c.op = op;
      c.inputs = {r.f32("x", s, false, -6.f, 6.f)};
      cases.push_back(c);
    }
  }
  // Pow, i32 arithmetic (division by zero included: 0, never a trap) and the comparisons.
  for (const auto& p : pairs) {
    OpCase pw;
    pw.op = "Pow";
    pw.inputs = {r.f32("a", p[0], false, 0.5f, 2.f), r.f32("b", p[1], false, -2.f, 2.f)};
    cases.push_back(pw);
    for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow"}) {
      OpCase c;
      c.op = op;
      c.inputs = {r.ints("a", p[0], -1000, 1000), r.ints("b", p[1], -3, 3)};
      cases.push_back(c);
    }
    for (const char* op : {"Equal", "Less", "Greater"}) {
      OpCase c;
      c.op = op;
      c.inputs = {r.ints("a", p[0], -2, 2), r.ints("b", p[1], -2, 2)};
      cases.push_back(c);
      c.inputs = {r.f32("a", p[0]), r.f32("b", p[1])};
      cases.push_back(c);
    }
    OpCase w;
    w.op = "Where";
    w.inputs = {r.mask("c", p[0]), r.f32("a", p[1]), r.f32("b", p[0])};
    cases.push_back(w);
    w.inputs = {r.mask("c", p[1]), r.ints("a", p[0], -9, 9), r.ints("b", Shape{1}, -9, 9)};
    cases.push_back(w);
  }
  // Math functions over the ranges they are defined on.
  struct Fn {
    const char* op;
    float lo, hi;
  };
  for (Fn f : {Fn{"Sqrt", 0.f, 9.f}, Fn{"Reciprocal", 0.25f, 4.f}, Fn{"Neg", -5.f, 5.f}, Fn{"Abs", -5.f, 5.f},
               Fn{"Exp", -10.f, 10.f}, Fn{"Log", 0.01f, 100.f}, Fn{"Erf", -4.f, 4.f}}) {
    for (Shape sh : {Shape{1}, Shape{3, 17}, Shape{300, 70}}) {
      OpCase c;
      c.op = f.op;
      c.inputs = {r.f32("x", sh, false, f.lo, f.hi)};
      cases.push_back(c);
    }
  }
  for (json attrs : {json{{"min", -0.5}, {"max", 0.25}}, json{{"min", 0}}, json{{"max", 0.1}}, json::object()}) {
    OpCase c;
    c.op = "Clip";
    c.attrs = attrs;
    c.inputs = {r.f32("x", Shape{7, 33})};
    cases.push_back(c);
  }
  // Expand, Cast between every dtype pair the importer uses.
  for (const auto& p : pairs) {
    OpCase e;
    e.op = "Expand";
    e.attrs = {{"shape", std::vector<int64_t>(p[1].data(), p[1].data() + p[1].rank())}};
    e.inputs = {r.f32("x", p[0])};
    cases.push_back(e);
  }
  for (const char* to : {"f32", "f16", "i32", "i8", "u8"}) {
    for (Value v :
         {r.f32("x", Shape{5, 7}, false, -300.f, 300.f), r.ints("x", Shape{9}, -400, 400), r.mask("x", Shape{2, 3})}) {
      OpCase c;
      c.op = "Cast";
      c.attrs = {{"to", to}};
      c.inputs = {v};
      cases.push_back(c);
    }
  }
  OpCase tanh_gelu;
  tanh_gelu.op = "Gelu";
  tanh_gelu.attrs = {{"approximate", "tanh"}};
  tanh_gelu.inputs = {r.f32("x", Shape{5, 19}, false, -6.f, 6.f)};
  cases.push_back(tanh_gelu);
  return cases;
}

std::vector<OpCase> normalization_cases(Random& r) {
  std::vector<OpCase> cases;
  for (int d : kSizes) {
    for (int rows : {1, 5, 130}) {
      OpCase sm;
      sm.op = "Softmax";
      sm.inputs = {r.f32("x", Shape{rows, d}, false, -10.f, 10.f)};
      cases.push_back(sm);
      OpCase ln;
      ln.op = "LayerNorm";
      ln.inputs = {r.f32("x", Shape{rows, d}), r.f32("g", Shape{d}, true),
                   rows == 5 ? absent() : r.f32("b", Shape{d}, true)};
      cases.push_back(ln);
      OpCase rms;
      rms.op = "RMSNorm";
      rms.attrs = {{"epsilon", 1e-5}};
      rms.inputs = {r.f32("x", Shape{rows, d}), r.f32("g", Shape{d}, true)};
      cases.push_back(rms);
    }
  }
  for (int axis : {0, 1, -2}) {
    OpCase sm;
    sm.op = "Softmax";
    sm.attrs = {{"axis", axis}};
    sm.inputs = {r.f32("x", Shape{3, 5, 7})};
    cases.push_back(sm);
  }
  for (int axis : {0, -1, 1}) {
    OpCase ls;
    ls.op = "LogSoftmax";
    ls.attrs = {{"axis", axis}};
    ls.inputs = {r.f32("x", Shape{3, 5, 7}, false, -20.f, 20.f)};
    cases.push_back(ls);
    for (int keep : {0, 1}) {
      OpCase am;
      am.op = "ArgMax";
      am.attrs = {{"axis", axis}, {"keepdims", keep}, {"select_last_index", axis == 1 ? 1 : 0}};
      am.inputs = {r.f32("x", Shape{3, 5, 7})};
      cases.push_back(am);
    }
  }
  for (json axes : {json::array({1}), json::array({0, 2}), json::array({-1}), json()}) {
    for (int keep : {0, 1}) {
      for (const char* op : {"ReduceSum", "ReduceMax"}) {
        OpCase c;
        c.op = op;
        c.attrs = {{"keepdims", keep}};
        if (!axes.is_null()) c.attrs["axes"] = axes;
        c.inputs = {r.f32("x", Shape{3, 17, 5})};
        cases.push_back(c);
      }
      OpCase c;
      c.op = "ReduceMean";
      c.attrs = {{"keepdims", keep}};
      if (!axes.is_null()) c.attrs["axes"] = axes;
      c.inputs = {r.f32("x", Shape{3, 17, 5})};
      cases.push_back(c);
    }
  }
  return cases;
}

std::vector<OpCase> lookup_cases(Random& r) {
  std::vector<OpCase> cases;
  for (int v : {1, 7, 50}) {
    for (int d : {1, 5, 16, 33}) {
      OpCase g;
      g.op = "Gather";
      g.inputs = {r.f32("emb", Shape{v, d}, true), r.ids("ids", Shape{2, 9}, v)};
      cases.push_back(g);
      OpCase gq;
      gq.op = "Gather";
      gq.inputs = {r.i8("embq", Shape{v, d}), r.ids("ids", Shape{11}, v)};
      gq.companions = {r.f32("embq.scale", Shape{v}, true, 0.001f, 0.05f)};
      cases.push_back(gq);
      for (const char* mode : {"mean", "sum"}) {
        for (int bags : {1, 4}) {
          const int n = 3 * bags + d % 4;
          OpCase eb;
          eb.op = "EmbeddingBag";
          eb.attrs = {{"mode", mode}};
          eb.inputs = {r.f32("bag", Shape{v, d}, true), r.ids("ids", Shape{n}, v), r.offsets("off", bags, n)};
          cases.push_back(eb);
          OpCase ebq = eb;
          ebq.inputs[0] = r.i8("bagq", Shape{v, d});
          ebq.companions = {r.f32("bagq.scale", Shape{v}, true, 0.001f, 0.05f)};
          cases.push_back(ebq);
        }
      }
    }
  }
  for (int axis : {1, -1, 2}) {  // along other axes, negative indices counting from the end
    OpCase g;
    g.op = "Gather";
    g.attrs = {{"axis", axis}};
    g.inputs = {r.f32("x", Shape{3, 4, 5}), r.ints("ids", Shape{2, 3}, -4, 3)};
    cases.push_back(g);
  }
  OpCase gi;  // any dtype gathers: i32 rows
  gi.op = "Gather";
  gi.inputs = {r.ids("table", Shape{6, 3}, 1000), r.ids("ids", Shape{4}, 6)};
  cases.push_back(gi);
  return cases;
}

std::vector<OpCase> layout_cases(Random& r) {
  std::vector<OpCase> cases;
  auto add = [&](const char* op, json attrs, std::vector<Value> inputs) {
    OpCase c;
    c.op = op;
    c.attrs = attrs;
    c.inputs = std::move(inputs);
    cases.push_back(c);
  };
  add("Reshape", {{"shape", {-1, 7}}}, {r.f32("x", Shape{3, 2, 7})});
  add("Reshape", {{"shape", {0, 0, 1, -1}}}, {r.f32("x", Shape{3, 5, 4})});
  add("Reshape", {{"shape", {17}}}, {r.f32("x", Shape{1, 17})});
  add("Transpose", json::object(), {r.f32("x", Shape{3, 17})});
  add("Transpose", {{"perm", {1, 0, 2}}}, {r.f32("x", Shape{4, 7, 5})});
  add("Transpose", {{"perm", {2, 0, 3, 1}}}, {r.f32("x", Shape{2, 3, 5, 7})});
  add("Transpose", {{"perm", {0}}}, {r.ids("x", Shape{9}, 100)});
  add("Concat", {{"axis", 0}}, {r.f32("a", Shape{1, 5}), r.f32("b", Shape{3, 5})});
  add("Concat", {{"axis", -1}}, {r.f32("a", Shape{2, 3, 1}), r.f32("b", Shape{2, 3, 16}), r.f32("c", Shape{2, 3, 7})});
  add("Concat", {{"axis", 1}}, {r.f32("a", Shape{4, 0, 3}), r.f32("b", Shape{4, 2, 3})});
  add("Slice", {{"starts", {-1}}, {"ends", {1000}}, {"axes", {0}}}, {r.f32("x", Shape{17, 5})});
  add("Slice", {{"starts", {1, 0}}, {"ends", {-1, 100}}, {"steps", {2, 3}}}, {r.f32("x", Shape{9, 16})});
  add("Slice", {{"starts", {5}}, {"ends", {2}}, {"axes", {1}}}, {r.f32("x", Shape{3, 7})});
  add("Slice", {{"starts", {-1, 10}}, {"ends", {INT64_MIN, 0}}, {"steps", {-1, -3}}}, {r.f32("x", Shape{9, 16})});
  add("Slice", {{"starts", {-100, 2}}, {"ends", {3, -1}}, {"axes", {2, 0}}, {"steps", {1, 1}}},
      {r.f32("x", Shape{4, 3, 33})});
  return cases;
}

std::vector<OpCase> attention_cases(Random& r) {
  std::vector<OpCase> cases;
  struct A {
    int s, heads, kv_heads, dh;
    bool causal;
  };
  const A shapes[] = {{1, 1, 1, 1, true},  {3, 2, 2, 4, true},   {7, 4, 2, 3, true},
                      {5, 3, 1, 8, false}, {17, 4, 4, 16, true}, {33, 2, 1, 5, false}};
  for (const A& a : shapes) {
    OpCase c;
    c.op = "Attention";
    c.attrs = {{"num_heads", a.heads}, {"num_kv_heads", a.kv_heads}, {"causal", a.causal ? 1 : 0}};
    c.inputs = {r.f32("q", Shape{a.s, a.heads * a.dh}), r.f32("k", Shape{a.s, a.kv_heads * a.dh}),
                r.f32("v", Shape{a.s, a.kv_heads * a.dh})};
    cases.push_back(c);
    // The same rows through a KV cache: all at once, then incrementally.
    OpCase cached = c;
    cached.attrs["cache"] = 0;
    cached.attrs["max_context"] = a.s + 3;
    cached.chunks = {a.s};
    cases.push_back(cached);
    if (a.s > 2) {
      cached.chunks = {a.s - 2, 1, 1};
      cases.push_back(cached);
    }
  }
  return cases;
}

std::vector<OpCase> all_cases() {
  Random r;
  std::vector<OpCase> all;
  for (auto* gen : {dense_cases, elementwise_cases, normalization_cases, lookup_cases, layout_cases, attention_cases}) {
    std::vector<OpCase> part = gen(r);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

}  // namespace

TEST_CASE("every op's fast kernels match the reference on random shapes, guards intact", "[ops]") {
  const std::vector<OpCase> cases = all_cases();
  // Every registered op appears in the table.
  int count = 0;
  const char* const* names = op_names(&count);
  for (int i = 0; i < count; ++i) {
    bool covered = false;
    for (const OpCase& c : cases) covered = covered || c.op == names[i];
    INFO("op " << names[i]);
    CHECK(covered);
  }
  std::map<std::string, OpReport> reports;
  for (const OpCase& c : cases) {
    OpReport& report = reports[c.op];
    ++report.cases;
    if (!check_fast_matches_reference(c, &report)) ++report.failed;
  }
  std::printf("%-14s %6s %6s %10s  %s\n", "op", "cases", "failed", "max error", "fast kernels");
  for (const auto& [op, report] : reports) {
    std::string kernels;
    for (const std::string& k : report.kernels) kernels += (kernels.empty() ? "" : ", ") + k;
    std::printf("%-14s %6d %6d %10.2e  %s\n", op.c_str(), report.cases, report.failed, report.max_error,
                kernels.c_str());
  }
}

// docs/ops.md, for the check that it documents every registered op.
std::string read_ops_doc() {
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  std::ifstream in(std::string(env ? env : PERCH_SOURCE_DIR) + "/docs/ops.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("the registry finds every op by name and nothing else, and docs/ops.md lists each", "[ops]") {
  int count = 0;
  const char* const* names = op_names(&count);
  REQUIRE(count > 0);
  const std::string doc = read_ops_doc();
  REQUIRE(!doc.empty());
  std::set<std::string> unique;
  for (int i = 0; i < count; ++i) {
    INFO("op " << names[i]);
    CHECK(find_op(names[i]) != nullptr);
    CHECK(unique.insert(names[i]).second);
    CHECK(doc.find(std::string("`") + names[i] + "`") != std::string::npos);
  }
  REQUIRE(find_op("Attention") != nullptr);
  REQUIRE(find_op("attention") == nullptr);
  REQUIRE(find_op("") == nullptr);
  REQUIRE(find_op("Conv") == nullptr);
}

// ---- hand-computed values of the reference kernels ----

namespace {

OpCase make(const char* op, json attrs, std::vector<Value> inputs) {
  OpCase c;
  c.op = op;
  c.attrs = attrs;
  c.inputs = std::move(inputs);
  return c;
}

void require_close(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("index " << i);
    REQUIRE(got[i] == Approx(want[i]).margin(tol).epsilon(tol));
  }
}

}  // namespace

TEST_CASE("Softmax of [0, ln 2] is [1/3, 2/3], and large inputs do not overflow", "[ops]") {
  Output y = run_ok(make("Softmax", json::object(), {f32("x", Shape{2, 2}, {0.f, std::log(2.f), 1000.f, 1000.f})}));
  require_close(y.floats(), {1.f / 3, 2.f / 3, 0.5f, 0.5f});
  Output col = run_ok(make("Softmax", {{"axis", 0}}, {f32("x", Shape{2, 2}, {0.f, 5.f, std::log(2.f), 5.f})}));
  require_close(col.floats(), {1.f / 3, 0.5f, 2.f / 3, 0.5f});
}

TEST_CASE("LayerNorm and RMSNorm of known vectors", "[ops]") {
  // x = [1, 2, 3, 4]: mean 2.5, variance 1.25.
  const float inv = 1.f / std::sqrt(1.25f + 1e-5f);
  Output ln = run_ok(
      make("LayerNorm", json::object(),
           {f32("x", Shape{1, 4}, {1, 2, 3, 4}), f32("g", Shape{4}, {1, 1, 2, 1}), f32("b", Shape{4}, {0, 0, 0, 10})}));
  require_close(ln.floats(), {-1.5f * inv, -0.5f * inv, 2 * 0.5f * inv, 1.5f * inv + 10});
  // x = [3, 4]: mean square 12.5.
  Output rms = run_ok(make("RMSNorm", {{"epsilon", 0.0}}, {f32("x", Shape{2}, {3, 4}), f32("g", Shape{2}, {1, 2})}));
  require_close(rms.floats(), {3 / std::sqrt(12.5f), 8 / std::sqrt(12.5f)});
}

TEST_CASE("activations at known points", "[ops]") {
  const std::vector<float> x = {-1.f, 0.f, 1.f, 2.f};
  auto act = [&](const char* op, json attrs = json::object()) {
    return run_ok(make(op, attrs, {f32("x", Shape{4}, x)})).floats();
  };
  require_close(act("Relu"), {0, 0, 1, 2});
  require_close(act("Sigmoid"), {0.26894142f, 0.5f, 0.73105858f, 0.88079708f});
  require_close(act("Tanh"), {-0.76159416f, 0, 0.76159416f, 0.96402758f});
  require_close(act("Silu"), {-0.26894142f, 0, 0.73105858f, 1.76159416f});
  require_close(act("Gelu"), {-0.15865525f, 0, 0.84134475f, 1.95449974f});
  require_close(act("Gelu", {{"approximate", "tanh"}}), {-0.15880801f, 0, 0.84119199f, 1.95459769f});
}

TEST_CASE("Add broadcasts [2,1,3] + [4,1] to [2,4,3]; Sub/Mul/Div by a scalar", "[ops]") {
  Output y =
      run_ok(make("Add", json::object(),
                  {f32("a", Shape{2, 1, 3}, {0, 1, 2, 10, 20, 30}), f32("b", Shape{4, 1}, {100, 200, 300, 400})}));
  REQUIRE(y.shape == Shape{2, 4, 3});
  const float a[2][3] = {{0, 1, 2}, {10, 20, 30}};
  std::vector<float> want;
  for (int i = 0; i < 2; ++i)
    for (float b : {100.f, 200.f, 300.f, 400.f})
      for (int j = 0; j < 3; ++j) want.push_back(a[i][j] + b);
  require_close(y.floats(), want);
  require_close(run_ok(make("Sub", json::object(), {f32("a", Shape{3}, {1, 2, 3}), f32("b", Shape{}, {1})})).floats(),
                {0, 1, 2});
  require_close(run_ok(make("Mul", json::object(), {f32("a", Shape{}, {2}), f32("b", Shape{3}, {1, 2, 3})})).floats(),
                {2, 4, 6});
  require_close(
      run_ok(make("Div", json::object(), {f32("a", Shape{2, 2}, {1, 2, 3, 4}), f32("b", Shape{2}, {2, 4})})).floats(),
      {0.5f, 0.5f, 1.5f, 1.f});
}

TEST_CASE("FullyConnected and MatMul on hand-computed products", "[ops]") {
  // x [2, 3] · W[2, 3]ᵀ + b, relu.
  OpCase fc = make("FullyConnected", {{"activation", "relu"}},
                   {f32("x", Shape{2, 3}, {1, 2, 3, -1, 0, -2}), f32("w", Shape{2, 3}, {1, 0, -1, 2, 1, 0}, true),
                    f32("b", Shape{2}, {0.5f, -1}, true)});
  for (Backend b : {Backend::kReference, Backend::kFast}) require_close(run_ok(fc, b).floats(), {0, 3, 1.5f, 0});
  // int8 weight with per-row scale: W_real = [[0.5, 0, -0.5], [1, 0.5, 0]].
  OpCase q = make("FullyConnected", json::object(),
                  {f32("x", Shape{1, 3}, {1, 2, 3}),
                   make_value<int8_t>("wq", DType::kI8, Shape{2, 3}, {1, 0, -1, 2, 1, 0}, true), absent()});
  q.companions = {f32("wq.scale", Shape{2}, {0.5f, 0.5f}, true)};
  // The fast int8 path may quantize x on the fly (wasm SIMD128): int8-weight tolerance.
  for (Backend b : {Backend::kReference, Backend::kFast}) require_close(run_ok(q, b).floats(), {-1, 2}, 1e-3f);
  // Batched MatMul with a broadcast b: [2, 1, 2] · [2, 2] per batch.
  Output mm = run_ok(
      make("MatMul", json::object(), {f32("a", Shape{2, 1, 2}, {1, 2, 3, 4}), f32("b", Shape{2, 2}, {1, 0, 1, 1})}));
  REQUIRE(mm.shape == Shape{2, 1, 2});
  require_close(mm.floats(), {3, 2, 7, 4});
}

TEST_CASE("Gather, EmbeddingBag (with an empty bag) and int8 rows", "[ops]") {
  Output g = run_ok(make("Gather", json::object(),
                         {f32("e", Shape{3, 2}, {0, 1, 10, 11, 20, 21}, true), i32("i", Shape{2, 2}, {2, 0, 1, 1})}));
  REQUIRE(g.shape == Shape{2, 2, 2});
  require_close(g.floats(), {20, 21, 0, 1, 10, 11, 10, 11});
  // Bags: [0, 2], [], [1]; mean and sum.
  const Value w = f32("w", Shape{3, 2}, {1, 2, 3, 4, 5, 6}, true);
  const Value ids = i32("ids", Shape{3}, {0, 2, 1});
  const Value off = i32("off", Shape{3}, {0, 2, 2});
  require_close(run_ok(make("EmbeddingBag", json::object(), {w, ids, off})).floats(), {3, 4, 0, 0, 3, 4});
  require_close(run_ok(make("EmbeddingBag", {{"mode", "sum"}}, {w, ids, off})).floats(), {6, 8, 0, 0, 3, 4});
  OpCase q = make("EmbeddingBag", {{"mode", "sum"}},
                  {make_value<int8_t>("wq", DType::kI8, Shape{2, 2}, {1, -2, 4, 8}, true), i32("ids", Shape{2}, {1, 0}),
                   i32("off", Shape{1}, {0})});
  q.companions = {f32("wq.scale", Shape{2}, {0.5f, 0.25f}, true)};
  require_close(run_ok(q).floats(), {1.5f, 1.f});
  OpCase gq = make("Gather", json::object(), {q.inputs[0], i32("i", Shape{1}, {1})});
  gq.companions = q.companions;
  require_close(run_ok(gq).floats(), {1.f, 2.f});
}

TEST_CASE("layout ops move the right elements", "[ops]") {
  const Value x = f32("x", Shape{2, 3}, {0, 1, 2, 3, 4, 5});
  Output t = run_ok(make("Transpose", json::object(), {x}));
  REQUIRE(t.shape == Shape{3, 2});
  require_close(t.floats(), {0, 3, 1, 4, 2, 5});
  Output r = run_ok(make("Reshape", {{"shape", {0, -1, 1}}}, {x}));
  REQUIRE(r.shape == Shape{2, 3, 1});
  require_close(r.floats(), {0, 1, 2, 3, 4, 5});
  Output c = run_ok(make("Concat", {{"axis", 1}}, {x, f32("y", Shape{2, 1}, {9, 8})}));
  require_close(c.floats(), {0, 1, 2, 9, 3, 4, 5, 8});
  Output s = run_ok(make("Slice", {{"starts", {-1, 0}}, {"ends", {2, 100}}, {"steps", {1, 2}}}, {x}));
  REQUIRE(s.shape == Shape{1, 2});
  require_close(s.floats(), {3, 5});
  Output last = run_ok(make("Slice", {{"starts", {-1}}, {"ends", {INT64_MAX}}, {"axes", {-1}}}, {x}));
  require_close(last.floats(), {2, 5});
  Output m = run_ok(make("ReduceMean", {{"axes", {1}}, {"keepdims", 0}}, {x}));
  REQUIRE(m.shape == Shape{2});
  require_close(m.floats(), {1, 4});
  Output all = run_ok(make("ReduceMean", json::object(), {x}));
  REQUIRE(all.shape == Shape{1, 1});
  require_close(all.floats(), {2.5f});
}

TEST_CASE("ONNX-import ops at known points: math, Clip, comparisons, Where, Expand, Cast, ArgMax", "[ops]") {
  auto fn = [&](const char* op, std::vector<float> x, json attrs = json::object()) {
    return run_ok(make(op, attrs, {f32("x", Shape{static_cast<int64_t>(x.size())}, x)})).floats();
  };
  require_close(fn("Sqrt", {0, 4, 2.25f}), {0, 2, 1.5f});
  require_close(fn("Reciprocal", {4, -0.5f}), {0.25f, -2});
  require_close(fn("Neg", {1, -2}), {-1, 2});
  require_close(fn("Abs", {-3, 2}), {3, 2});
  require_close(fn("Exp", {0, 1}), {1, 2.71828183f});
  require_close(fn("Log", {1, 2.71828183f}), {0, 1});
  require_close(fn("Erf", {0, 0.5f, -1}), {0, 0.52049988f, -0.84270079f});
  require_close(fn("Clip", {-2, 0.5f, 3}, {{"min", -1}, {"max", 1}}), {-1, 0.5f, 1});
  require_close(fn("Clip", {-2, 3}, {{"min", 2}, {"max", 1}}), {1, 1});  // min > max gives max
  require_close(fn("LogSoftmax", {0, std::log(3.f)}), {std::log(0.25f), std::log(0.75f)});
  // LogSoftmax stays exact where log(softmax) would underflow to -inf.
  require_close(fn("LogSoftmax", {0, 200}), {-200, 0});
  require_close(
      run_ok(make("Pow", json::object(), {f32("a", Shape{3}, {2, 4, 9}), f32("b", Shape{}, {0.5f})})).floats(),
      {1.41421356f, 2, 3});
  Output ip = run_ok(make("Pow", json::object(), {i32("a", Shape{3}, {2, -3, 100000}), i32("b", Shape{}, {3})}));
  REQUIRE(std::vector<int32_t>(ip.as<int32_t>(), ip.as<int32_t>() + 3) == std::vector<int32_t>{8, -27, INT32_MAX});
  Output id = run_ok(
      make("Div", json::object(), {i32("a", Shape{4}, {7, -7, 5, INT32_MIN}), i32("b", Shape{4}, {2, 2, 0, -1})}));
  REQUIRE(std::vector<int32_t>(id.as<int32_t>(), id.as<int32_t>() + 4) == std::vector<int32_t>{3, -3, 0, INT32_MIN});
  Output ia = run_ok(make("Add", json::object(), {i32("a", Shape{2}, {INT32_MAX, 1}), i32("b", Shape{}, {1})}));
  REQUIRE(std::vector<int32_t>(ia.as<int32_t>(), ia.as<int32_t>() + 2) == std::vector<int32_t>{INT32_MIN, 2});
  const Value a = f32("a", Shape{2, 2}, {1, 2, 3, 4});
  const Value b = f32("b", Shape{2}, {2, 3});
  for (auto [op, want] : {std::pair<const char*, std::vector<uint8_t>>{"Equal", {0, 0, 0, 0}},
                          {"Less", {1, 1, 0, 0}},
                          {"Greater", {0, 0, 1, 1}}}) {
    Output y = run_ok(make(op, json::object(), {a, b}));
    REQUIRE(y.dtype == DType::kU8);
    REQUIRE(std::vector<uint8_t>(y.as<uint8_t>(), y.as<uint8_t>() + 4) == want);
  }
  Output eq = run_ok(make("Equal", json::object(), {i32("a", Shape{3}, {1, 2, 3}), i32("b", Shape{3}, {1, 0, 3})}));
  REQUIRE(std::vector<uint8_t>(eq.as<uint8_t>(), eq.as<uint8_t>() + 3) == std::vector<uint8_t>{1, 0, 1});
  Output w = run_ok(make("Where", json::object(), {u8("c", Shape{2, 1}, {1, 0}), a, f32("z", Shape{}, {-1})}));
  REQUIRE(w.shape == Shape{2, 2});
  require_close(w.floats(), {1, 2, -1, -1});
  Output e = run_ok(make("Expand", {{"shape", {2, 1, 3}}}, {f32("x", Shape{2, 1}, {5, 6})}));
  REQUIRE(e.shape == Shape{2, 2, 3});
  require_close(e.floats(), {5, 5, 5, 6, 6, 6, 5, 5, 5, 6, 6, 6});
  Output c = run_ok(make("Cast", {{"to", "i32"}}, {f32("x", Shape{5}, {-1.7f, 2.9f, 3e9f, -3e9f, NAN})}));
  REQUIRE(c.dtype == DType::kI32);
  REQUIRE(std::vector<int32_t>(c.as<int32_t>(), c.as<int32_t>() + 5) ==
          std::vector<int32_t>{-1, 2, INT32_MAX, INT32_MIN, 0});
  Output cf = run_ok(make("Cast", {{"to", "f32"}}, {u8("x", Shape{2}, {0, 255})}));
  require_close(cf.floats(), {0, 255});
  Output am = run_ok(make("ArgMax", {{"axis", 1}, {"keepdims", 0}}, {f32("x", Shape{2, 3}, {1, 5, 5, 7, 0, 7})}));
  REQUIRE(std::vector<int32_t>(am.as<int32_t>(), am.as<int32_t>() + 2) == std::vector<int32_t>{1, 0});
  Output al =
      run_ok(make("ArgMax", {{"axis", 1}, {"select_last_index", 1}}, {f32("x", Shape{2, 3}, {1, 5, 5, 7, 0, 7})}));
  REQUIRE(al.shape == Shape{2, 1});
  REQUIRE(std::vector<int32_t>(al.as<int32_t>(), al.as<int32_t>() + 2) == std::vector<int32_t>{2, 2});
  const Value x = f32("x", Shape{2, 3}, {0, 1, 2, 3, 4, 5});
  require_close(run_ok(make("ReduceSum", {{"axes", {0}}}, {x})).floats(), {3, 5, 7});
  require_close(run_ok(make("ReduceMax", {{"axes", {1}}, {"keepdims", 0}}, {x})).floats(), {2, 5});
  Output g = run_ok(make("Gather", {{"axis", 1}}, {x, i32("i", Shape{2}, {-1, 0})}));
  REQUIRE(g.shape == Shape{2, 2});
  require_close(g.floats(), {2, 0, 5, 3});
  Output rev = run_ok(make("Slice", {{"starts", {-1}}, {"ends", {INT64_MIN}}, {"axes", {1}}, {"steps", {-2}}}, {x}));
  REQUIRE(rev.shape == Shape{2, 2});
  require_close(rev.floats(), {2, 0, 5, 3});
}

TEST_CASE("Attention: one key returns its value; causal rows see only the past", "[ops]") {
  // One row: softmax over a single key is 1, so the output is v whatever q is.
  Output one = run_ok(make("Attention", {{"num_heads", 2}},
                           {f32("q", Shape{1, 4}, {5, -3, 2, 7}), f32("k", Shape{1, 4}, {1, 2, 3, 4}),
                            f32("v", Shape{1, 4}, {0.5f, -1, 9, 4})}));
  require_close(one.floats(), {0.5f, -1, 9, 4});
  // Two rows, one head of dim 1, q = 0: uniform weights. Row 0 sees v0; row 1 the mean of v0, v1.
  OpCase two = make("Attention", {{"num_heads", 1}},
                    {f32("q", Shape{2, 1}, {0, 0}), f32("k", Shape{2, 1}, {1, -1}), f32("v", Shape{2, 1}, {2, 6})});
  require_close(run_ok(two).floats(), {2, 4});
  two.attrs["causal"] = 0;
  require_close(run_ok(two).floats(), {4, 4});
}

TEST_CASE("Attention with a KV cache, incrementally, equals the full causal run", "[ops]") {
  Random r;
  const int s = 9, heads = 4, kv_heads = 2, dh = 6;
  OpCase full = make(
      "Attention", {{"num_heads", heads}, {"num_kv_heads", kv_heads}},
      {r.f32("q", Shape{s, heads * dh}), r.f32("k", Shape{s, kv_heads * dh}), r.f32("v", Shape{s, kv_heads * dh})});
  const std::vector<float> want = run_ok(full).floats();
  OpCase cached = full;
  cached.attrs["cache"] = 3;
  cached.attrs["max_context"] = 12;
  for (std::vector<int> chunks : {std::vector<int>{9}, {4, 1, 1, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1}}) {
    cached.chunks = chunks;
    for (Backend b : {Backend::kReference, Backend::kFast}) require_close(run_ok(cached, b, 2).floats(), want);
  }
}

TEST_CASE("Attention reports its appended rows as pending and honours the cache position", "[ops]") {
  Random r;
  OpCase c = make("Attention", {{"num_heads", 1}, {"cache", 0}, {"max_context", 4}},
                  {r.f32("q", Shape{3, 2}), r.f32("k", Shape{3, 2}), r.f32("v", Shape{3, 2})});
  CaseWeights weights(c);
  std::vector<ValueInfo> infos;
  std::vector<Tensor> constants;
  std::vector<std::string> names;
  auto kernel = build(c, Backend::kReference, weights, &infos, &constants, &names);
  REQUIRE(kernel.is_ok());
  KvCache kv;
  REQUIRE(kv.declare_slot(0, 4, 2).is_ok());
  ThreadPool pool(1);
  const uint64_t scratch_bytes = kernel.value()->scratch_bytes(infos.data(), 3);
  AlignedBuffer scratch(static_cast<size_t>(scratch_bytes));
  RunContext ctx{&pool, scratch.data(), &kv};
  ctx.scratch_bytes = scratch_bytes;
  std::vector<Tensor> in = constants;
  std::vector<float> y(6);
  Tensor out{DType::kF32, Shape{3, 2}, y.data()};
  REQUIRE(kernel.value()->run(ctx, in.data(), 3, &out, 1).is_ok());
  kv.commit();
  REQUIRE(kv.position() == 3);
  // The cached keys are the rows given.
  REQUIRE(std::memcmp(kv.keys(0), c.inputs[1].bytes.data(), 6 * sizeof(float)) == 0);
  // 3 + 3 rows exceed max_context 4: an error, and nothing pending.
  Status st = kernel.value()->run(ctx, in.data(), 3, &out, 1);
  REQUIRE(st.code() == StatusCode::kOutOfRange);
  REQUIRE(st.message().find("exceed") != std::string::npos);
  kv.commit();
  REQUIRE(kv.position() == 3);
  // After a truncate, the same run fits again.
  REQUIRE(kv.truncate(1).is_ok());
  REQUIRE(kernel.value()->run(ctx, in.data(), 3, &out, 1).is_ok());
  kv.commit();
  REQUIRE(kv.position() == 4);
}

// ---- errors ----

namespace {

Status build_status(const OpCase& c) {
  CaseWeights weights(c);
  std::vector<ValueInfo> infos;
  std::vector<Tensor> constants;
  std::vector<std::string> names;
  auto k = build(c, Backend::kFast, weights, &infos, &constants, &names);
  return k.status();
}

void require_error(Status st, StatusCode code, const std::string& fragment) {
  INFO(st.to_string());
  REQUIRE(st.code() == code);
  REQUIRE(st.message().find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("bad attrs are rejected at build with the op and attr named", "[ops]") {
  const Value x = f32("x", Shape{2, 3}, {0, 1, 2, 3, 4, 5});
  require_error(build_status(make("Softmax", {{"axis", 5}}, {x})), StatusCode::kInvalidModel,
                "Softmax: attr 'axis' = 5 out of range for rank 2");
  require_error(build_status(make("Softmax", {{"axis", "last"}}, {x})), StatusCode::kInvalidModel,
                "must be an integer");
  require_error(build_status(make("Softmax", {{"axes", 1}}, {x})), StatusCode::kInvalidModel, "unknown attr 'axes'");
  require_error(build_status(make("Gelu", {{"approximate", "fast"}}, {x})), StatusCode::kInvalidModel, "approximate");
  require_error(build_status(make("Reshape", json::object(), {x})), StatusCode::kInvalidModel, "'shape' is required");
  require_error(build_status(make("Reshape", {{"shape", {-1, -1}}}, {x})), StatusCode::kInvalidModel,
                "more than one -1");
  require_error(build_status(make("Transpose", {{"perm", {0, 0}}}, {x})), StatusCode::kInvalidModel,
                "not a permutation");
  require_error(build_status(make("Slice", {{"starts", {0}}, {"ends", {1}}, {"steps", {0}}}, {x})),
                StatusCode::kInvalidModel, "non-zero");
  require_error(build_status(make("Slice", {{"starts", {0, 1}}, {"ends", {1}}}, {x})), StatusCode::kInvalidModel,
                "same length");
  require_error(build_status(make("Concat", json::object(), {x, x})), StatusCode::kInvalidModel, "'axis' is required");
  require_error(build_status(make("EmbeddingBag", {{"mode", "max"}}, {x, x, x})), StatusCode::kInvalidModel, "'mode'");
  require_error(run_status(make("Gather", {{"axis", 2}}, {x, i32("i", Shape{1}, {0})})), StatusCode::kInvalidArgument,
                "attr 'axis' = 2 out of range");
  require_error(build_status(make("Cast", {{"to", "f64"}}, {x})), StatusCode::kInvalidModel, "'to' = 'f64'");
  require_error(build_status(make("Expand", json::object(), {x})), StatusCode::kInvalidModel, "'shape' is required");
  require_error(build_status(make("ArgMax", {{"keepdims", 2}}, {x})), StatusCode::kInvalidModel, "keepdims");
  require_error(build_status(make("Clip", {{"min", "a"}}, {x})), StatusCode::kInvalidModel, "must be a number");
  require_error(
      build_status(make("FullyConnected", {{"activation", "elu"}}, {x, f32("w", Shape{1, 3}, {1, 2, 3}, true)})),
      StatusCode::kInvalidModel, "activation");
  require_error(build_status(make("FullyConnected", json::object(), {x, f32("w", Shape{1, 3}, {1, 2, 3})})),
                StatusCode::kInvalidModel, "must be a weight");
  require_error(build_status(make("FullyConnected", json::object(),
                                  {x, make_value<int8_t>("wq", DType::kI8, Shape{1, 3}, {1, 2, 3}, true)})),
                StatusCode::kInvalidModel, "wq.scale");
  const Value q = f32("q", Shape{1, 4}, {0, 0, 0, 0});
  require_error(build_status(make("Attention", json::object(), {q, q, q})), StatusCode::kInvalidModel,
                "'num_heads' is required");
  require_error(build_status(make("Attention", {{"num_heads", 4}, {"num_kv_heads", 3}}, {q, q, q})),
                StatusCode::kInvalidModel, "divide");
  require_error(build_status(make("Attention", {{"num_heads", 1}, {"cache", 0}}, {q, q, q})), StatusCode::kInvalidModel,
                "max_context");
  require_error(build_status(make("Relu", json::object(), {x, x})), StatusCode::kInvalidModel, "takes 1 inputs, got 2");
}

TEST_CASE("bad shapes are reported by shape inference", "[ops]") {
  const Value a = f32("a", Shape{2, 3}, {0, 1, 2, 3, 4, 5});
  require_error(run_status(make("Add", json::object(), {a, f32("b", Shape{4}, {1, 2, 3, 4})})),
                StatusCode::kInvalidArgument, "Add: shapes [2, 3] and [4] do not broadcast");
  require_error(run_status(make("MatMul", json::object(), {a, a})), StatusCode::kInvalidArgument, "disagree on K");
  require_error(run_status(make("FullyConnected", json::object(), {a, f32("w", Shape{1, 2}, {1, 2}, true)})),
                StatusCode::kInvalidArgument, "must end in K = 2");
  require_error(run_status(make("Reshape", {{"shape", {4, -1}}}, {a})), StatusCode::kInvalidArgument, "cannot reshape");
  require_error(run_status(make("LayerNorm", json::object(), {a, f32("g", Shape{2}, {1, 1})})),
                StatusCode::kInvalidArgument, "gamma");
  require_error(run_status(make("Concat", {{"axis", 0}}, {a, f32("b", Shape{2, 2}, {1, 2, 3, 4})})),
                StatusCode::kInvalidArgument, "does not match");
  require_error(run_status(make("Gather", json::object(), {a, f32("i", Shape{1}, {0})})), StatusCode::kInvalidArgument,
                "must be i32");
  require_error(run_status(make("Attention", {{"num_heads", 2}}, {a, a, a})), StatusCode::kInvalidArgument,
                "not a positive multiple");
  require_error(run_status(make("Where", json::object(), {a, a, a})), StatusCode::kInvalidArgument, "must be u8");
  require_error(run_status(make("Add", json::object(), {a, i32("b", Shape{1}, {1})})), StatusCode::kInvalidArgument,
                "must be f32");
  require_error(run_status(make("Expand", {{"shape", {4, 1}}}, {a})), StatusCode::kInvalidArgument,
                "does not broadcast");
  require_error(run_status(make("ArgMax", {{"axis", 1}}, {f32("e", Shape{2, 0}, {})})), StatusCode::kInvalidArgument,
                "empty");
  require_error(run_status(make("Softmax", {{"axis", 2}}, {f32("x", Shape{2, 3}, {0, 1, 2, 3, 4, 5})})),
                StatusCode::kInvalidModel, "out of range");
}

TEST_CASE("out-of-range ids and offsets are errors, not crashes", "[ops]") {
  const Value emb = f32("e", Shape{3, 2}, {0, 1, 2, 3, 4, 5}, true);
  require_error(run_status(make("Gather", json::object(), {emb, i32("i", Shape{2}, {0, 3})})), StatusCode::kOutOfRange,
                "Gather: index 3 at position 1 is outside [-3, 3)");
  require_error(run_status(make("Gather", json::object(), {emb, i32("i", Shape{1}, {-4})})), StatusCode::kOutOfRange,
                "outside [-3, 3)");
  require_error(run_status(make("Gather", json::object(), {emb, i32("i", Shape{1}, {INT32_MIN})})),
                StatusCode::kOutOfRange, "outside");
  require_error(
      run_status(make("EmbeddingBag", json::object(), {emb, i32("ids", Shape{2}, {0, 7}), i32("o", Shape{1}, {0})})),
      StatusCode::kOutOfRange, "id 7");
  // Negative ids (checked as unsigned) and INT32_MIN are out of range too, wherever they sit.
  for (int32_t bad : {-1, INT32_MIN})
    require_error(run_status(make("EmbeddingBag", json::object(),
                                  {emb, i32("ids", Shape{3}, {0, 2, bad}), i32("o", Shape{1}, {0})})),
                  StatusCode::kOutOfRange, "at position 2");
  require_error(
      run_status(make("EmbeddingBag", json::object(), {emb, i32("ids", Shape{2}, {0, 1}), i32("o", Shape{2}, {1, 1})})),
      StatusCode::kOutOfRange, "start at 0");
  require_error(run_status(make("EmbeddingBag", json::object(),
                                {emb, i32("ids", Shape{2}, {0, 1}), i32("o", Shape{3}, {0, 2, 1})})),
                StatusCode::kOutOfRange, "non-decreasing");
  require_error(
      run_status(make("EmbeddingBag", json::object(), {emb, i32("ids", Shape{2}, {0, 1}), i32("o", Shape{2}, {0, 5})})),
      StatusCode::kOutOfRange, "non-decreasing");
  // A cache run longer than max_context.
  Random r;
  OpCase over = make("Attention", {{"num_heads", 1}, {"cache", 0}, {"max_context", 4}},
                     {r.f32("q", Shape{6, 2}), r.f32("k", Shape{6, 2}), r.f32("v", Shape{6, 2})});
  over.attrs["max_context"] = 8;  // declared slot big enough for the build; chunks overflow it
  over.chunks = {5, 1};
  REQUIRE(run_status(over).is_ok());
  over.attrs["max_context"] = 5;
  over.chunks = {3, 3};
  require_error(run_status(over), StatusCode::kOutOfRange, "exceed");
}
