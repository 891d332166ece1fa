// The kernel table (kernels/kernel_table.h), entry by entry: each row kernel of this build's fast
// table (softmax_rows, layer_norm_rows, rms_norm_rows, unary for every UnaryOp, clip,
// embedding_bag_f32/_i8) called directly against the reference table's entry, on rows of 1, odd
// and non-multiple-of-4 sizes; each one that promises `y may equal x` also in place, where the
// output must equal its out-of-place output bit for bit (for the fast and the reference kernel).
// Every case runs and a failing one is reported with its kernel, shape and error. Then the names:
// what each entry is called in this build, and that ops report the entry they picked.
//
// The fast table differs per build, and this binary runs under ctest in each: natively (where
// the row entries are the reference's, so this checks the reference against itself in place and
// XNNPACK's dense names), and in the wasm presets under Node (wasm-simd, wasm-simd-threads: the
// wasmsimd/ SIMD128 kernels; wasm-baseline: reference rows, vec4 dense kernels).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <iomanip>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "perch/format/json.h"
#include "perch/graph/op.h"
#include "perch/kernels/kernel_table.h"

using namespace perch;

namespace {

const KernelTable& fast() { return kernel_table(Backend::kFast); }
const KernelTable& ref() { return kernel_table(Backend::kReference); }

// Sizes around the 4-lane and 16-column blocks, and the langid model's 121 labels.
const int64_t kSizes[] = {1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 121};
const int64_t kRows[] = {1, 3};
constexpr float kSentinel = -777.25f;  // written past every output: a kernel must leave it

std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// An output buffer of n floats followed by guard floats.
struct Out {
  explicit Out(size_t n) : n(n), v(n + 8, kSentinel) {}
  float* data() { return v.data(); }
  bool guard_intact() const {
    for (size_t i = n; i < v.size(); ++i)
      if (!(v[i] == kSentinel)) return false;
    return true;
  }
  std::vector<float> values() const { return std::vector<float>(v.begin(), v.begin() + static_cast<long>(n)); }
  size_t n;
  std::vector<float> v;
};

// Checks got against want within tol · (1 + |want|) per value (tol 0: bit for bit), reporting
// the case, the kernels and the first mismatch; every case runs.
void check_close(const std::string& what, const char* kernel, const std::vector<float>& got,
                 const std::vector<float>& want, double tol) {
  size_t bad = 0, first = 0;
  double max_err = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]) / (1.0 + std::fabs(want[i]));
    const bool ok = tol == 0 ? std::memcmp(&got[i], &want[i], sizeof(float)) == 0 : err <= tol;
    if (err > max_err) max_err = err;
    if (!ok && bad++ == 0) first = i;
  }
  INFO(what << ", kernel " << kernel << ": " << bad << " of " << got.size() << " values off (tolerance " << tol
            << ", max error " << max_err << ")" << std::setprecision(9) << "; first mismatch at " << first << ": got "
            << (bad ? got[first] : 0.0f) << " want " << (bad ? want[first] : 0.0f));
  CHECK(got.size() == want.size());
  CHECK(bad == 0);
}

// Runs fn(x, y) out of place into a guarded buffer and in place (on a copy of x); checks the
// guard, returns the out-of-place result and checks the in-place one equals it exactly.
template <typename Fn>
std::vector<float> run_both_ways(const std::string& what, const char* kernel, const std::vector<float>& x, Fn fn) {
  Out y(x.size());
  fn(x.data(), y.data());
  INFO(what << ", kernel " << kernel);
  CHECK(y.guard_intact());
  std::vector<float> inplace = x;
  fn(inplace.data(), inplace.data());
  check_close(what + ", in place", kernel, inplace, y.values(), 0);
  return y.values();
}

std::string shape(int64_t rows, int64_t n) { return "[" + std::to_string(rows) + ", " + std::to_string(n) + "]"; }

}  // namespace

TEST_CASE("softmax_rows: the fast entry matches the reference, in place too", "[kernels]") {
  std::mt19937 rng(1);
  for (int64_t rows : kRows) {
    for (int64_t n : kSizes) {
      for (float offset : {0.0f, 1000.0f}) {  // large inputs: exp(x - max) must not overflow
        std::vector<float> x = random_floats(rng, static_cast<size_t>(rows * n), -20.0f, 20.0f);
        for (float& v : x) v += offset;
        const std::string what = "softmax_rows " + shape(rows, n) + " offset " + std::to_string(offset);
        auto call = [&](const NamedKernel<kernel_fn::SoftmaxRows>& k) {
          return run_both_ways(what, k.name, x, [&](const float* in, float* out) { k.fn(in, out, rows, n); });
        };
        const std::vector<float> want = call(ref().softmax_rows);
        check_close(what, fast().softmax_rows.name, call(fast().softmax_rows), want, 1e-5);
      }
    }
  }
}

TEST_CASE("layer_norm_rows and rms_norm_rows: the fast entries match the reference, in place too", "[kernels]") {
  std::mt19937 rng(2);
  for (int64_t rows : kRows) {
    for (int64_t d : kSizes) {
      const std::vector<float> x = random_floats(rng, static_cast<size_t>(rows * d), -3.0f, 3.0f);
      const std::vector<float> gamma = random_floats(rng, static_cast<size_t>(d), 0.5f, 2.0f);
      const std::vector<float> beta = random_floats(rng, static_cast<size_t>(d), -1.0f, 1.0f);
      for (bool with_beta : {true, false}) {
        const std::string what = "layer_norm_rows " + shape(rows, d) + (with_beta ? " beta" : " no beta");
        const float* b = with_beta ? beta.data() : nullptr;
        auto call = [&](const NamedKernel<kernel_fn::LayerNormRows>& k) {
          return run_both_ways(what, k.name, x,
                               [&](const float* in, float* out) { k.fn(in, gamma.data(), b, 1e-5f, out, rows, d); });
        };
        const std::vector<float> want = call(ref().layer_norm_rows);
        check_close(what, fast().layer_norm_rows.name, call(fast().layer_norm_rows), want, 1e-4);
      }
      const std::string what = "rms_norm_rows " + shape(rows, d);
      auto call = [&](const NamedKernel<kernel_fn::RmsNormRows>& k) {
        return run_both_ways(what, k.name, x,
                             [&](const float* in, float* out) { k.fn(in, gamma.data(), 1e-6f, out, rows, d); });
      };
      const std::vector<float> want = call(ref().rms_norm_rows);
      check_close(what, fast().rms_norm_rows.name, call(fast().rms_norm_rows), want, 1e-4);
    }
  }
}

TEST_CASE("unary (every UnaryOp) and clip: the fast entries match the reference, in place too", "[kernels]") {
  std::mt19937 rng(3);
  struct Op {
    UnaryOp op;
    const char* name;
    float lo, hi;
  };
  const Op ops[] = {{UnaryOp::kNone, "none", -6, 6},
                    {UnaryOp::kRelu, "relu", -6, 6},
                    {UnaryOp::kGelu, "gelu", -6, 6},
                    {UnaryOp::kGeluTanh, "gelu_tanh", -6, 6},
                    {UnaryOp::kSilu, "silu", -6, 6},
                    {UnaryOp::kTanh, "tanh", -6, 6},
                    {UnaryOp::kSigmoid, "sigmoid", -6, 6},
                    {UnaryOp::kSqrt, "sqrt", 0, 9},
                    {UnaryOp::kReciprocal, "reciprocal", 0.25f, 4},
                    {UnaryOp::kNeg, "neg", -5, 5},
                    {UnaryOp::kAbs, "abs", -5, 5},
                    {UnaryOp::kExp, "exp", -10, 10},
                    {UnaryOp::kLog, "log", 0.01f, 100},
                    {UnaryOp::kErf, "erf", -4, 4}};
  for (const Op& o : ops) {
    for (int64_t n : kSizes) {
      const std::vector<float> x = random_floats(rng, static_cast<size_t>(n), o.lo, o.hi);
      const std::string what = std::string("unary ") + o.name + " [" + std::to_string(n) + "]";
      auto call = [&](const NamedKernel<kernel_fn::Unary>& k) {
        return run_both_ways(what, k.name, x, [&](const float* in, float* out) { k.fn(o.op, in, out, n); });
      };
      const std::vector<float> want = call(ref().unary);
      check_close(what, fast().unary.name, call(fast().unary), want, 1e-6);
    }
  }
  for (int64_t n : kSizes) {
    const std::vector<float> x = random_floats(rng, static_cast<size_t>(n), -2, 2);
    const std::string what = "clip [" + std::to_string(n) + "] to [-0.5, 0.25]";
    auto call = [&](const NamedKernel<kernel_fn::Clip>& k) {
      return run_both_ways(what, k.name, x, [&](const float* in, float* out) { k.fn(in, out, n, -0.5f, 0.25f); });
    };
    const std::vector<float> want = call(ref().clip);
    check_close(what, fast().clip.name, call(fast().clip), want, 0);
  }
}

TEST_CASE("embedding_bag_f32/_i8: the fast entries equal the reference bit for bit, over any bag range", "[kernels]") {
  // Both add a bag's rows in id order and scale once (no FMA in wasm): identical floats.
  std::mt19937 rng(4);
  const int64_t v = 40;
  for (int64_t d : kSizes) {
    const std::vector<float> weight = random_floats(rng, static_cast<size_t>(v * d), -1, 1);
    std::vector<int8_t> weight_i8(static_cast<size_t>(v * d));
    std::uniform_int_distribution<int> q(-127, 127);
    for (int8_t& w : weight_i8) w = static_cast<int8_t>(q(rng));
    const std::vector<float> scale = random_floats(rng, static_cast<size_t>(v), 0.001f, 0.05f);
    // Bags of 3, 0 (empty), 1, 5 and 2 ids.
    const std::vector<int32_t> offsets = {0, 3, 3, 4, 9};
    const int64_t bags = static_cast<int64_t>(offsets.size()), n = 11;
    std::vector<int32_t> ids(static_cast<size_t>(n));
    std::uniform_int_distribution<int32_t> id(0, static_cast<int32_t>(v - 1));
    for (int32_t& i : ids) i = id(rng);
    for (bool mean : {true, false}) {
      const std::string what = std::string("embedding_bag ") + (mean ? "mean" : "sum") + " d " + std::to_string(d);
      auto f32 = [&](const NamedKernel<kernel_fn::EmbeddingBagF32>& k, int64_t split) {
        Out y(static_cast<size_t>(bags * d));
        k.fn(weight.data(), d, ids.data(), n, offsets.data(), bags, mean, y.data(), 0, split);
        k.fn(weight.data(), d, ids.data(), n, offsets.data(), bags, mean, y.data(), split, bags);
        INFO(what << " f32, kernel " << k.name);
        CHECK(y.guard_intact());
        return y.values();
      };
      auto i8 = [&](const NamedKernel<kernel_fn::EmbeddingBagI8>& k, int64_t split) {
        Out y(static_cast<size_t>(bags * d));
        k.fn(weight_i8.data(), scale.data(), d, ids.data(), n, offsets.data(), bags, mean, y.data(), 0, split);
        k.fn(weight_i8.data(), scale.data(), d, ids.data(), n, offsets.data(), bags, mean, y.data(), split, bags);
        INFO(what << " i8, kernel " << k.name);
        CHECK(y.guard_intact());
        return y.values();
      };
      const std::vector<float> want_f32 = f32(ref().embedding_bag_f32, bags);
      const std::vector<float> want_i8 = i8(ref().embedding_bag_i8, bags);
      // Bag 1 is empty: zeros, in either mode.
      for (int64_t j = 0; j < d; ++j) CHECK(want_f32[static_cast<size_t>(d + j)] == 0.0f);
      for (int64_t split : {bags, int64_t{2}}) {  // all bags in one call, or in two ranges (threads)
        const std::string range = " bags [0, " + std::to_string(split) + ") + [" + std::to_string(split) + ", 5)";
        check_close(what + " f32" + range, fast().embedding_bag_f32.name, f32(fast().embedding_bag_f32, split),
                    want_f32, 0);
        check_close(what + " i8" + range, fast().embedding_bag_i8.name, i8(fast().embedding_bag_i8, split), want_i8, 0);
      }
    }
  }
}

namespace {

// Builds `op` on these inputs (and companion weights) and returns the kernel name it reports.
std::string kernel_of(const char* op, Backend backend, const nlohmann::json& attrs, std::vector<ValueInfo> inputs,
                      std::vector<std::string> names, const WeightLookup* weights = nullptr) {
  JsonValue perch_attrs;
  REQUIRE(parse_json(attrs.dump(), &perch_attrs, nullptr));
  const OpBuildArgs args{perch_attrs, inputs.data(), names.data(), static_cast<int>(inputs.size()),
                         1,           backend,       weights};
  auto kernel = find_op(op)(args);
  INFO(op << ": " << kernel.status().to_string());
  REQUIRE(kernel.is_ok());
  return kernel.value()->kernel_name();
}

class Scales : public WeightLookup {
 public:
  explicit Scales(Tensor t) : t_(t) {}
  const Tensor* find(std::string_view name) const override { return name == "w.scale" ? &t_ : nullptr; }

 private:
  Tensor t_;
};

}  // namespace

TEST_CASE("kernel names: reference entries are reference.*, this build's fast ones say what runs, ops report theirs",
          "[kernels]") {
  auto names = [](const KernelTable& t) {
    return std::vector<std::string>{
        t.softmax_rows.name,     t.softmax.name,   t.log_softmax.name, t.layer_norm_rows.name,
        t.rms_norm_rows.name,    t.unary.name,     t.clip.name,        t.embedding_bag_f32.name,
        t.embedding_bag_i8.name, t.dense_f32.name, t.dense_i8.name};
  };
  const std::vector<std::string> want_ref = {
      "reference.softmax_rows",     "reference.softmax",   "reference.log_softmax", "reference.layer_norm_rows",
      "reference.rms_norm_rows",    "reference.unary",     "reference.clip",        "reference.embedding_bag_f32",
      "reference.embedding_bag_i8", "reference.dense_f32", "reference.dense_i8"};
  CHECK(names(ref()) == want_ref);
  // Every fast entry is "<folder>.<the reference entry's function>[_variant]".
  const std::vector<std::string> got_fast = names(fast());
  for (size_t i = 0; i < got_fast.size(); ++i) {
    const std::string fn = want_ref[i].substr(want_ref[i].find('.'));
    INFO("fast entry " << got_fast[i] << " for " << want_ref[i]);
    CHECK(got_fast[i].find(fn) != std::string::npos);
  }
#if defined(__wasm_simd128__)
  CHECK(std::string(fast().softmax_rows.name) == "wasmsimd.softmax_rows");
  CHECK(std::string(fast().layer_norm_rows.name) == "wasmsimd.layer_norm_rows");
  CHECK(std::string(fast().rms_norm_rows.name) == "wasmsimd.rms_norm_rows");
  CHECK(std::string(fast().embedding_bag_i8.name) == "wasmsimd.embedding_bag_i8");
  CHECK(std::string(fast().dense_f32.name) == "wasmsimd.dense_f32");
  CHECK(std::string(fast().dense_i8.name) == "wasmsimd.dense_i8");
#elif defined(__EMSCRIPTEN__)
  CHECK(std::string(fast().softmax_rows.name) == "reference.softmax_rows");
  CHECK(std::string(fast().dense_f32.name) == "wasmsimd.dense_f32_vec4");
#elif defined(PERCH_HAVE_XNNPACK)
  CHECK(std::string(fast().softmax_rows.name) == "reference.softmax_rows");
  CHECK(std::string(fast().dense_f32.name) == "xnnpack.dense_f32");
  CHECK(std::string(fast().dense_i8.name) == "xnnpack.dense_i8_as_f32");
#endif
  CHECK(std::string(fast().unary.name) == "reference.unary");  // no target has a faster one (kernel_table.cc)

  // Ops report the entry they picked, for either backend.
  const ValueInfo x{DType::kF32, Shape{2, 8}};
  const ValueInfo g{DType::kF32, Shape{8}};
  const std::vector<float> w(8 * 3, 0.5f), s(3, 0.1f);
  const std::vector<int8_t> wq(8 * 3, 1);
  const Tensor wt{DType::kF32, Shape{3, 8}, const_cast<float*>(w.data())};
  const Tensor wqt{DType::kI8, Shape{3, 8}, const_cast<int8_t*>(wq.data())};
  const Scales scales(Tensor{DType::kF32, Shape{3}, const_cast<float*>(s.data())});
  for (Backend b : {Backend::kFast, Backend::kReference}) {
    const KernelTable& t = kernel_table(b);
    INFO((b == Backend::kFast ? "fast" : "reference"));
    CHECK(kernel_of("Softmax", b, nlohmann::json::object(), {x}, {"x"}) == t.softmax_rows.name);
    CHECK(kernel_of("Softmax", b, {{"axis", 0}}, {x}, {"x"}) == t.softmax.name);
    CHECK(kernel_of("LogSoftmax", b, nlohmann::json::object(), {x}, {"x"}) == t.log_softmax.name);
    CHECK(kernel_of("LayerNorm", b, nlohmann::json::object(), {x, g, g}, {"x", "g", "b"}) == t.layer_norm_rows.name);
    CHECK(kernel_of("RMSNorm", b, nlohmann::json::object(), {x, g}, {"x", "g"}) == t.rms_norm_rows.name);
    CHECK(kernel_of("Gelu", b, nlohmann::json::object(), {x}, {"x"}) == t.unary.name);
    CHECK(kernel_of("Clip", b, {{"min", 0}}, {x}, {"x"}) == t.clip.name);
    CHECK(kernel_of("FullyConnected", b, nlohmann::json::object(), {x, ValueInfo{DType::kF32, Shape{3, 8}, &wt}},
                    {"x", "w"}) == t.dense_f32.name);
    CHECK(kernel_of("FullyConnected", b, nlohmann::json::object(), {x, ValueInfo{DType::kI8, Shape{3, 8}, &wqt}},
                    {"x", "w"}, &scales) == t.dense_i8.name);
    const ValueInfo ids{DType::kI32, Shape{4}}, offsets{DType::kI32, Shape{2}};
    CHECK(kernel_of("EmbeddingBag", b, nlohmann::json::object(),
                    {ValueInfo{DType::kF32, Shape{3, 8}, &wt}, ids, offsets},
                    {"w", "ids", "offsets"}) == t.embedding_bag_f32.name);
    CHECK(kernel_of("EmbeddingBag", b, nlohmann::json::object(),
                    {ValueInfo{DType::kI8, Shape{3, 8}, &wqt}, ids, offsets}, {"w", "ids", "offsets"},
                    &scales) == t.embedding_bag_i8.name);
    // Ops without table entries run their own reference loops.
    CHECK(kernel_of("Add", b, nlohmann::json::object(), {x, x}, {"a", "b"}) == std::string(kReferenceKernel));
    CHECK(kernel_of("MatMul", b, nlohmann::json::object(), {x, ValueInfo{DType::kF32, Shape{8, 3}}}, {"a", "b"}) ==
          std::string(kReferenceKernel));
  }
}
