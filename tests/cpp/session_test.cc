// Model loading and Session::run on small graphs of real ops: values against plain-loop
// references, input checks, the memory plan, allocation-free steady state, threads, KV cache.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "counting_allocator.h"
#include "perch/graph/memory_planner.h"
#include "perch/runtime/model_impl.h"
#include "perch/runtime/session.h"
#include "test_models.h"

using namespace perch;
using perch::test::ModelBuilder;

namespace {

std::shared_ptr<const Model> load(const std::vector<uint8_t>& bytes, Backend backend = Backend::kFast) {
  ModelOptions o;
  o.backend = backend;
  auto m = Model::load(bytes.data(), bytes.size(), o);
  INFO(m.status().to_string());
  REQUIRE(m.is_ok());
  return m.value();
}

std::unique_ptr<Session> session_for(std::shared_ptr<const Model> model, int threads = 1) {
  SessionOptions o;
  o.num_threads = threads;
  auto s = Session::create(std::move(model), o);
  INFO(s.status().to_string());
  REQUIRE(s.is_ok());
  return std::move(s.value());
}

Tensor f32_tensor(std::vector<float>& v, Shape shape) {
  Tensor t;
  t.dtype = DType::kF32;
  t.shape = shape;
  t.data = v.data();
  return t;
}

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<float> output_values(Session& s, const char* name) {
  auto out = s.output(name);
  INFO(out.status().to_string());
  REQUIRE(out.is_ok());
  const Tensor& t = out.value();
  REQUIRE(t.dtype == DType::kF32);
  return std::vector<float>(t.as<float>(), t.as<float>() + t.shape.numel());
}

}  // namespace

TEST_CASE("MLP with int8 weights matches a plain-loop reference at every row count", "[session]") {
  const auto mlp = perch::test::make_mlp();
  for (Backend backend : {Backend::kFast, Backend::kReference}) {
    auto model = load(mlp.file, backend);
    REQUIRE(model->inputs().size() == 1);
    REQUIRE(model->inputs()[0].shape == Shape{-1, 4});
    REQUIRE(model->inputs()[0].max_shape == Shape{16, 4});
    REQUIRE(model->outputs()[0].name == "probs");
    REQUIRE(model->outputs()[0].shape == Shape{-1, 3});
    REQUIRE(*model->metadata("perch.license") == "CC0-1.0 (synthetic test weights)");
    REQUIRE(model->metadata("nope") == nullptr);
    REQUIRE(model->weight_bytes() == 8 * 4 * 4 + 8 * 4 + 3 * 8 + 3 * 4);
    auto s = session_for(model);
    for (int rows : {1, 2, 7, 16}) {
      auto x = random_floats(static_cast<size_t>(rows) * 4, static_cast<unsigned>(rows));
      REQUIRE(s->set_input("x", f32_tensor(x, {rows, 4})).is_ok());
      REQUIRE(s->run().is_ok());
      auto got = output_values(*s, "probs");
      auto want = mlp.reference(x, rows);
      REQUIRE(got.size() == want.size());
      for (size_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == Approx(want[i]).margin(1e-4));
      REQUIRE(s->output("probs").value().shape == Shape{rows, 3});
    }
  }
}

TEST_CASE("set_input, run and output reject misuse with clear messages", "[session]") {
  const auto mlp = perch::test::make_mlp();
  auto s = session_for(load(mlp.file));
  std::vector<float> x(17 * 4, 0.f);
  std::vector<int32_t> ids(8, 0);
  Tensor wrong_dtype;
  wrong_dtype.dtype = DType::kI32;
  wrong_dtype.shape = Shape{2, 4};
  wrong_dtype.data = ids.data();

  Status st = s->run();
  REQUIRE(st.code() == StatusCode::kInvalidArgument);
  REQUIRE(st.message() == "input 'x' was not set");
  REQUIRE(s->output("probs").status().message().find("run() has not succeeded") != std::string::npos);
  st = s->set_input("y", f32_tensor(x, {1, 4}));
  REQUIRE(st.message() == "no input named 'y' (inputs: x)");
  st = s->set_input("x", wrong_dtype);
  REQUIRE(st.message() == "input 'x': dtype i32, expected f32");
  st = s->set_input("x", f32_tensor(x, {4}));
  REQUIRE(st.message().find("has rank 1, expected [-1, 4]") != std::string::npos);
  st = s->set_input("x", f32_tensor(x, {17, 4}));
  REQUIRE(st.message().find("does not fit [-1, 4] (max [16, 4]) at dim 0") != std::string::npos);
  st = s->set_input("x", f32_tensor(x, {2, 5}));
  REQUIRE(st.message().find("at dim 1") != std::string::npos);
  Tensor null_data = f32_tensor(x, {2, 4});
  null_data.data = nullptr;
  REQUIRE(s->set_input("x", null_data).message() == "input 'x': data is null");
  // An empty batch is legal and gives an empty output.
  REQUIRE(s->set_input("x", f32_tensor(x, {0, 4})).is_ok());
  REQUIRE(s->run().is_ok());
  REQUIRE(s->output("probs").value().shape == Shape{0, 3});
  REQUIRE(s->output("logits").status().message() == "no output named 'logits'");
  REQUIRE_FALSE(Session::create(nullptr).is_ok());
}

TEST_CASE("memory planner: live buffers never share bytes, dead ones are reused", "[planner]") {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> req(1 + rng() % 40);
    for (auto& r : req) {
      r.first_step = static_cast<int>(rng() % 30);
      r.last_step = r.first_step + static_cast<int>(rng() % 6);
      r.bytes = rng() % 5000;
    }
    const MemoryPlan plan = plan_memory(req);
    size_t peak_live = 0;
    for (int step = 0; step < 36; ++step) {
      size_t live = 0;
      for (const auto& r : req)
        if (r.first_step <= step && step <= r.last_step) live += (r.bytes + 63) / 64 * 64;
      peak_live = std::max(peak_live, live);
    }
    REQUIRE(plan.arena_bytes >= peak_live);
    for (size_t i = 0; i < req.size(); ++i) {
      REQUIRE(plan.offsets[i] % kArenaAlignment == 0);
      REQUIRE(plan.offsets[i] + req[i].bytes <= plan.arena_bytes);
      for (size_t j = i + 1; j < req.size(); ++j) {
        const bool live_together = req[i].first_step <= req[j].last_step && req[j].first_step <= req[i].last_step;
        const bool bytes_overlap = req[i].bytes && req[j].bytes && plan.offsets[i] < plan.offsets[j] + req[j].bytes &&
                                   plan.offsets[j] < plan.offsets[i] + req[i].bytes;
        INFO("trial " << trial << " buffers " << i << " and " << j);
        REQUIRE_FALSE((live_together && bytes_overlap));
      }
    }
  }
  // A chain a -> b -> c -> d: each buffer dies when the next is written, so two slots suffice.
  std::vector<BufferRequest> chain = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  const MemoryPlan plan = plan_memory(chain);
  REQUIRE(plan.arena_bytes == 2 * 1024);
  REQUIRE(plan.offsets[0] == plan.offsets[2]);
  REQUIRE(plan.offsets[1] == plan.offsets[3]);
  REQUIRE(plan.offsets[0] != plan.offsets[1]);
  // Best fit: at step 1 the free gaps are [2048, 3072) and [3584, 3840); a 200-byte buffer takes
  // the 256-byte gap, not the first (1024-byte) one.
  std::vector<BufferRequest> gaps = {{2048, 0, 9}, {1024, 0, 0}, {512, 0, 9}, {256, 0, 0}, {250, 0, 9}, {200, 1, 1}};
  const MemoryPlan g = plan_memory(gaps);
  REQUIRE(g.offsets[1] == 2048);
  REQUIRE(g.offsets[3] == 3584);
  REQUIRE(g.offsets[5] == 3584);
  REQUIRE(g.arena_bytes == 4096);
}

TEST_CASE("a loaded model plans intermediates into a shared arena", "[session][planner]") {
  const auto mlp = perch::test::make_mlp();
  auto model = load(mlp.file);
  const Model::Impl& m = model->impl();
  // h [16,8], r [16,8], logits [16,3], probs [16,3]: h dies once r is written, etc.
  REQUIRE(m.planned_value_bytes == 16 * 8 * 4 * 2 + 16 * 3 * 4 * 2);
  REQUIRE(model->arena_bytes() < m.planned_value_bytes);
  REQUIRE(model->arena_bytes() >= 16 * 8 * 4 * 2);
}

TEST_CASE("steady-state run allocates nothing", "[session][alloc]") {
  // FullyConnected -> Add (broadcast bias) -> Relu -> FullyConnected -> Softmax.
  const int K = 16, H = 32, N = 5;
  auto bytes = ModelBuilder()
                   .add_f32("w1", {H, K}, random_floats(H * K, 1))
                   .add_f32("shift", {H}, random_floats(H, 2))
                   .add_f32("w2", {N, H}, random_floats(N * H, 3))
                   .add_f32("b2", {N}, random_floats(N, 4))
                   .graph(R"({"inputs":[{"name":"x","dtype":"f32","shape":[-1,16],"max_shape":[32,16]}],
                     "outputs":["p"],"nodes":[
                     {"op":"FullyConnected","inputs":["x","w1",""],"outputs":["h"]},
                     {"op":"Add","inputs":["h","shift"],"outputs":["a"]},
                     {"op":"Relu","inputs":["a"],"outputs":["r"]},
                     {"op":"FullyConnected","inputs":["r","w2","b2"],"outputs":["l"]},
                     {"op":"Softmax","inputs":["l"],"outputs":["p"]}]})")
                   .bytes();
  for (int threads : {1, 2}) {
    auto s = session_for(load(bytes), threads);
    std::vector<float> x = random_floats(32 * K, 5);
    // Warm up once at the largest shape (lazy state in kernels, if any, is set up here).
    REQUIRE(s->set_input("x", f32_tensor(x, {32, K})).is_ok());
    REQUIRE(s->run().is_ok());
    const size_t before = perch::test::allocation_count();
    for (int rep = 0; rep < 20; ++rep) {
      const int rows = 1 + rep % 32;
      Status a = s->set_input("x", f32_tensor(x, {rows, K}));
      Status b = s->run();
      auto out = s->output("p");
      if (!a.is_ok() || !b.is_ok() || !out.is_ok()) FAIL("run failed");
    }
    const size_t after = perch::test::allocation_count();
    INFO("threads " << threads);
    REQUIRE(after - before == 0);
    // And the counter does count (a direct call: the compiler may elide a new-expression).
    void* probe = ::operator new(16);
    ::operator delete(probe);
    REQUIRE(perch::test::allocation_count() > after);
  }
}

TEST_CASE("Reshape output shares its input's memory and values survive", "[session][planner]") {
  auto bytes = ModelBuilder()
                   .add_f32("w", {3, 4}, random_floats(12, 9))
                   .graph(R"({"inputs":[{"name":"x","dtype":"f32","shape":[2,4]}],"outputs":["p"],"nodes":[
                     {"op":"FullyConnected","inputs":["x","w",""],"outputs":["h"]},
                     {"op":"Reshape","inputs":["h"],"outputs":["flat"],"attrs":{"shape":[-1]}},
                     {"op":"Softmax","inputs":["flat"],"outputs":["p"]}]})")
                   .bytes();
  auto model = load(bytes);
  const Model::Impl& m = model->impl();
  const int flat = m.graph.find_value("flat"), h = m.graph.find_value("h");
  REQUIRE(m.values[static_cast<size_t>(flat)].alias_of == h);
  REQUIRE(m.values[static_cast<size_t>(flat)].arena_offset == kNoArena);
  auto s = session_for(model);
  std::vector<float> x = random_floats(8, 10), w = random_floats(12, 9);
  REQUIRE(s->set_input("x", f32_tensor(x, {2, 4})).is_ok());
  REQUIRE(s->run().is_ok());
  auto got = output_values(*s, "p");
  double logits[6], sum = 0, mx = -1e30;
  for (int r = 0; r < 2; ++r)
    for (int n = 0; n < 3; ++n) {
      double acc = 0;
      for (int k = 0; k < 4; ++k) acc += double(x[static_cast<size_t>(r * 4 + k)]) * w[static_cast<size_t>(n * 4 + k)];
      logits[r * 3 + n] = acc;
      mx = std::max(mx, acc);
    }
  for (double& l : logits) sum += (l = std::exp(l - mx));
  REQUIRE(got.size() == 6);
  for (int i = 0; i < 6; ++i) REQUIRE(got[static_cast<size_t>(i)] == Approx(logits[i] / sum).margin(1e-6));
}

TEST_CASE("a graph output never aliases the caller's input memory", "[session][planner]") {
  auto bytes = ModelBuilder()
                   .graph(R"({"inputs":[{"name":"x","dtype":"f32","shape":[2,3]}],"outputs":["y"],"nodes":[
                     {"op":"Reshape","inputs":["x"],"outputs":["v"],"attrs":{"shape":[3,2]}},
                     {"op":"Reshape","inputs":["v"],"outputs":["y"],"attrs":{"shape":[6]}}]})")
                   .bytes();
  auto model = load(bytes);
  const Model::Impl& m = model->impl();
  REQUIRE(m.values[static_cast<size_t>(m.graph.find_value("v"))].alias_of == m.graph.find_value("x"));
  REQUIRE(m.values[static_cast<size_t>(m.graph.find_value("y"))].alias_of == -1);
  auto s = session_for(model);
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  REQUIRE(s->set_input("x", f32_tensor(x, {2, 3})).is_ok());
  REQUIRE(s->run().is_ok());
  auto y = s->output("y").value();
  REQUIRE(y.shape == Shape{6});
  REQUIRE(y.data != static_cast<void*>(x.data()));
  std::fill(x.begin(), x.end(), 0.f);  // the caller reuses its buffer; the output keeps its values
  for (int i = 0; i < 6; ++i) REQUIRE(y.as<float>()[i] == float(i + 1));
}

TEST_CASE("f16 weights are converted to f32 at load", "[session]") {
  const std::vector<float> w = {0.5f, -1.25f, 2.f, 0.333251953125f, 1e-3f, -7.f};
  std::vector<uint8_t> half(w.size() * 2);
  for (size_t i = 0; i < w.size(); ++i) {
    const uint16_t h = f32_to_f16(w[i]);
    std::memcpy(&half[i * 2], &h, 2);
  }
  auto bytes = ModelBuilder()
                   .add_raw("w", DType::kF16, {2, 3}, half)
                   .graph(R"({"inputs":[{"name":"x","dtype":"f32","shape":[1,3]}],"outputs":["y"],"nodes":[
                     {"op":"FullyConnected","inputs":["x","w",""],"outputs":["y"]}]})")
                   .bytes();
  auto model = load(bytes);
  REQUIRE(model->weight_bytes() == 6 * 4);
  auto s = session_for(model);
  std::vector<float> x = {1.f, 2.f, 3.f};
  REQUIRE(s->set_input("x", f32_tensor(x, {1, 3})).is_ok());
  REQUIRE(s->run().is_ok());
  auto y = output_values(*s, "y");
  for (int n = 0; n < 2; ++n) {
    double want = 0;
    for (int k = 0; k < 3; ++k)
      want += x[static_cast<size_t>(k)] * f16_to_f32(f32_to_f16(w[static_cast<size_t>(n * 3 + k)]));
    REQUIRE(y[static_cast<size_t>(n)] == Approx(want).margin(1e-4));
  }
}

TEST_CASE("sessions share a model; threads do not change results", "[session]") {
  const auto mlp = perch::test::make_mlp();
  auto model = load(mlp.file);
  auto one = session_for(model, 1);
  auto two = session_for(model, 2);
#ifdef PERCH_THREADS
  REQUIRE(two->num_threads() == 2);
#endif
  std::vector<float> a = random_floats(16 * 4, 11), b = random_floats(16 * 4, 12);
  REQUIRE(one->set_input("x", f32_tensor(a, {16, 4})).is_ok());
  REQUIRE(two->set_input("x", f32_tensor(b, {16, 4})).is_ok());
  REQUIRE(one->run().is_ok());
  REQUIRE(two->run().is_ok());
  auto ya = output_values(*one, "probs");
  auto yb = output_values(*two, "probs");
  auto ra = mlp.reference(a, 16), rb = mlp.reference(b, 16);
  for (size_t i = 0; i < ya.size(); ++i) {
    REQUIRE(ya[i] == Approx(ra[i]).margin(1e-4));
    REQUIRE(yb[i] == Approx(rb[i]).margin(1e-4));
  }
  // The model outlives the caller's handle through its sessions.
  model.reset();
  REQUIRE(one->run().is_ok());
  REQUIRE(output_values(*one, "probs") == ya);
}

TEST_CASE("Attention with a KV cache advances, truncates and rejects overflow", "[session][kv]") {
  auto bytes = ModelBuilder()
                   .graph(R"({"inputs":[{"name":"q","dtype":"f32","shape":[-1,4],"max_shape":[8,4]},
                                        {"name":"k","dtype":"f32","shape":[-1,4],"max_shape":[8,4]},
                                        {"name":"v","dtype":"f32","shape":[-1,4],"max_shape":[8,4]}],
                     "outputs":["o"],"nodes":[
                     {"op":"Attention","inputs":["q","k","v"],"outputs":["o"],
                      "attrs":{"num_heads":2,"cache":0,"max_context":8}}]})")
                   .bytes();
  auto s = session_for(load(bytes));
  REQUIRE(s->kv_cache().has_slot(0));
  REQUIRE(s->kv_cache().max_context(0) == 8);
  REQUIRE(s->kv_cache().width(0) == 4);
  std::vector<float> q = random_floats(32, 1), k = random_floats(32, 2), v = random_floats(32, 3);
  auto feed = [&](int rows) {
    REQUIRE(s->set_input("q", f32_tensor(q, {rows, 4})).is_ok());
    REQUIRE(s->set_input("k", f32_tensor(k, {rows, 4})).is_ok());
    REQUIRE(s->set_input("v", f32_tensor(v, {rows, 4})).is_ok());
    return s->run();
  };
  REQUIRE(feed(3).is_ok());
  REQUIRE(s->kv_cache().position() == 3);
  // The first row attends to itself only: its output is its own value row, per head.
  auto o = output_values(*s, "o");
  for (int i = 0; i < 4; ++i) REQUIRE(o[static_cast<size_t>(i)] == Approx(v[static_cast<size_t>(i)]).margin(1e-6));
  REQUIRE(feed(3).is_ok());
  REQUIRE(s->kv_cache().position() == 6);
  Status over = feed(3);
  REQUIRE_FALSE(over.is_ok());
  REQUIRE(over.message().find("node 0 (Attention -> 'o')") != std::string::npos);
  REQUIRE(s->kv_cache().position() == 6);  // a failed run commits nothing
  REQUIRE(s->kv_cache().truncate(2).is_ok());
  REQUIRE(s->kv_cache().position() == 2);
  REQUIRE_FALSE(s->kv_cache().truncate(5).is_ok());
  REQUIRE(feed(3).is_ok());
  REQUIRE(s->kv_cache().position() == 5);
  s->kv_cache().reset();
  REQUIRE(s->kv_cache().position() == 0);
}

TEST_CASE("the KV cache is sized from what the op declares: slot, max_context, key width", "[session][kv]") {
  // Grouped-query: q is [S, 8] (2 heads of 4), k and v [S, 4] (1 kv head): the slot's width is k's.
  auto bytes = ModelBuilder()
                   .graph(R"({"inputs":[{"name":"q","dtype":"f32","shape":[-1,8],"max_shape":[6,8]},
                                        {"name":"k","dtype":"f32","shape":[-1,4],"max_shape":[6,4]}],
                     "outputs":["o"],"nodes":[
                     {"op":"Attention","inputs":["q","k","k"],"outputs":["o"],
                      "attrs":{"num_heads":2,"num_kv_heads":1,"cache":3,"max_context":6}}]})")
                   .bytes();
  auto model = load(bytes);
  REQUIRE(model->kv_cache_bytes() == 2u * 6u * 4u * sizeof(float));  // keys and values
  auto s = session_for(model);
  REQUIRE(s->kv_cache().has_slot(3));
  REQUIRE_FALSE(s->kv_cache().has_slot(0));
  REQUIRE(s->kv_cache().max_context(3) == 6);
  REQUIRE(s->kv_cache().width(3) == 4);

  // A key width over KvCache's limit (2^16 floats) is refused at load, before any allocation.
  auto wide = ModelBuilder()
                  .graph(R"({"inputs":[{"name":"q","dtype":"f32","shape":[1,65540]}],"outputs":["o"],"nodes":[
                    {"op":"Attention","inputs":["q","q","q"],"outputs":["o"],"attrs":{"num_heads":1,"cache":0,"max_context":2}}]})")
                  .bytes();
  auto m = Model::load(wide.data(), wide.size());
  REQUIRE_FALSE(m.is_ok());
  REQUIRE(m.status().message().find("cache slot, max_context or key width out of range") != std::string::npos);
}

TEST_CASE("two Attention nodes on one cache slot are rejected at load", "[session][kv]") {
  auto bytes = ModelBuilder()
                   .graph(R"({"inputs":[{"name":"q","dtype":"f32","shape":[2,4]}],"outputs":["b"],"nodes":[
                     {"op":"Attention","inputs":["q","q","q"],"outputs":["a"],"attrs":{"num_heads":1,"cache":0,"max_context":8}},
                     {"op":"Attention","inputs":["a","a","a"],"outputs":["b"],"attrs":{"num_heads":1,"cache":0,"max_context":8}}]})")
                   .bytes();
  auto m = Model::load(bytes.data(), bytes.size());
  REQUIRE_FALSE(m.is_ok());
  REQUIRE(m.status().message().find("cache slot 0 is used by two nodes") != std::string::npos);
}
