// Dense kernels: the target's fast path (wasm SIMD128 micro-kernels, or XNNPACK natively) must
// match the scalar reference on every shape, including sizes that are not tile multiples, with
// and without bias, for every activation, f32 and int8 weights, on 1 and 2 threads, and must
// never write outside its output.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "perch/kernels/dense.h"
#include "perch/kernels/wasmsimd/dense_gemm.h"
#include "perch/runtime/thread_pool.h"

using namespace perch;

namespace {

constexpr int kGuard = 16;
constexpr float kSentinel = -12345.5f;

struct Case {
  int m, n, k;
  bool bias;
  UnaryOp act;
  bool int8;
};

std::string describe(const Case& c, int threads) {
  static const char* acts[] = {"none", "relu", "gelu", "gelu_tanh", "silu"};
  return std::to_string(c.m) + "x" + std::to_string(c.k) + "x" + std::to_string(c.n) + (c.int8 ? " i8" : " f32") +
         (c.bias ? " bias " : " nobias ") + acts[static_cast<int>(c.act)] + " threads=" + std::to_string(threads);
}

// Runs one case on both backends and compares every output against a bound scaled by the sum
// of |x·w| terms (accumulation order differs between kernels). The wasm int8 kernel also
// quantizes x to int16 per chunk of k (error ≤ max|x| / 65534 per value): int8 cases allow
// max|x| · Σ|w| / 32767 more.
void check_case(const Case& c, ThreadPool* pool, std::mt19937& rng) {
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::uniform_int_distribution<int> i8(-127, 127);
  std::uniform_real_distribution<float> sc(0.001f, 0.02f);
  const size_t nk = static_cast<size_t>(c.n) * c.k;
  std::vector<float> x(static_cast<size_t>(c.m) * c.k), w(nk), bias(c.n), scale(c.n);
  std::vector<int8_t> wq(nk);
  for (float& v : x) v = uni(rng);
  for (float& v : w) v = uni(rng);
  for (int8_t& v : wq) v = static_cast<int8_t>(i8(rng));
  for (float& v : bias) v = uni(rng);
  for (float& v : scale) v = sc(rng);
  const float* b = c.bias ? bias.data() : nullptr;

  auto fast = c.int8 ? pack_dense_i8(wq.data(), scale.data(), c.n, c.k, b, c.act, Backend::kFast)
                     : pack_dense_f32(w.data(), c.n, c.k, b, c.act, Backend::kFast);
  auto ref = c.int8 ? pack_dense_i8(wq.data(), scale.data(), c.n, c.k, b, c.act, Backend::kReference)
                    : pack_dense_f32(w.data(), c.n, c.k, b, c.act, Backend::kReference);
  INFO(describe(c, pool->num_threads()));
  REQUIRE(fast.is_ok());
  REQUIRE(ref.is_ok());
  REQUIRE((*fast)->n() == c.n);
  REQUIRE((*fast)->k() == c.k);

  const size_t mn = static_cast<size_t>(c.m) * c.n;
  std::vector<float> y_fast(mn + 2 * kGuard, kSentinel), y_ref(mn);
  (*fast)->run(x.data(), c.m, y_fast.data() + kGuard, pool);
  (*ref)->run(x.data(), c.m, y_ref.data(), nullptr);

  for (int g = 0; g < kGuard; ++g) {
    REQUIRE(y_fast[g] == kSentinel);
    REQUIRE(y_fast[kGuard + mn + g] == kSentinel);
  }
  int bad = 0;
  for (int i = 0; i < c.m && bad < 5; ++i)
    for (int j = 0; j < c.n && bad < 5; ++j) {
      double mag = c.bias ? std::fabs(bias[j]) : 0.0, sum_w = 0.0, max_x = 0.0;
      for (int p = 0; p < c.k; ++p) {
        const float wv = c.int8 ? wq[static_cast<size_t>(j) * c.k + p] * scale[j] : w[static_cast<size_t>(j) * c.k + p];
        const float xv = x[static_cast<size_t>(i) * c.k + p];
        mag += std::fabs(xv * wv);
        sum_w += std::fabs(wv);
        max_x = std::max<double>(max_x, std::fabs(xv));
      }
      const float got = y_fast[kGuard + static_cast<size_t>(i) * c.n + j];
      const float want = y_ref[static_cast<size_t>(i) * c.n + j];
      const double tol = 2e-6 * mag + 1e-6 + (c.int8 ? max_x * sum_w / 32767.0 : 0.0);
      if (!(std::fabs(static_cast<double>(got) - want) <= tol)) {
        ++bad;
        UNSCOPED_INFO("y[" << i << "," << j << "] fast=" << got << " ref=" << want << " tol=" << tol);
      }
    }
  REQUIRE(bad == 0);
}

}  // namespace

TEST_CASE("dense fast kernels match the reference on edge and tile sizes", "[dense]") {
  const int ms[] = {1, 2, 3, 5, 7, 8, 15, 16, 17, 33, 64, 100};
  const int ns[] = {1, 2, 3, 5, 7, 8, 15, 16, 17, 33, 64, 100};
  const int ks[] = {1, 3, 8, 17, 64, 100, 257, 600};
  std::mt19937 rng(1234);
  ThreadPool one(1);
  int idx = 0;
  for (int m : ms)
    for (int n : ns)
      for (int k : ks) {
        // Rotate bias/activation through the grid so every combination meets many shapes.
        const UnaryOp act = static_cast<UnaryOp>(idx % 5);
        const bool bias = (idx / 5) % 2 == 0;
        ++idx;
        check_case({m, n, k, bias, act, false}, &one, rng);
        check_case({m, n, k, !bias, act, true}, &one, rng);
      }
}

TEST_CASE("dense fast kernels: every activation, bias and dtype", "[dense]") {
  std::mt19937 rng(99);
  ThreadPool one(1);
  const Case shapes[] = {{1, 37, 129, false, UnaryOp::kNone, false},
                         {6, 24, 300, false, UnaryOp::kNone, false},
                         {13, 9, 31, false, UnaryOp::kNone, false},
                         {2, 11, 4101, false, UnaryOp::kNone, false}};  // K past one int8 super-chunk
  for (const Case& s : shapes)
    for (int a = 0; a < 5; ++a)
      for (int bias = 0; bias < 2; ++bias)
        for (int q = 0; q < 2; ++q) check_case({s.m, s.n, s.k, bias == 1, static_cast<UnaryOp>(a), q == 1}, &one, rng);
}

TEST_CASE("dense fast kernels on two threads match the reference", "[dense][threads]") {
  std::mt19937 rng(7);
  ThreadPool two(2);
  const Case cases[] = {
      {1, 1024, 256, true, UnaryOp::kNone, false},
      {1, 1000, 300, false, UnaryOp::kGelu, true},
      {1, 512, 2048, true, UnaryOp::kNone, false},  // GEMV large enough to split over panels
      {1, 520, 4096, false, UnaryOp::kRelu, true},
      {64, 512, 512, true, UnaryOp::kRelu, false},  // GEMM split over panels
      {70, 200, 257, true, UnaryOp::kSilu, true},
      {300, 8, 600, false, UnaryOp::kGeluTanh, false},  // one panel: split over rows
      {257, 13, 129, true, UnaryOp::kNone, true},
      {130, 256, 1024, true, UnaryOp::kNone, false},  // weights > one group: row blocks × 2 groups
      {37, 250, 300, false, UnaryOp::kRelu, false},   // small row blocks, the last one partial
      {16, 256, 256, true, UnaryOp::kGelu, false},    // one row tile per chunk
      {66, 1030, 515, false, UnaryOp::kNone, false},  // K past several K blocks, odd N and M
      {37, 1024, 600, true, UnaryOp::kRelu, true},    // int8: row blocks × 2 panel groups
      {1, 256, 1024, false, UnaryOp::kNone, true},    // int8 GEMV split over panels
  };
  for (const Case& c : cases) check_case(c, &two, rng);
  // The same packed layer run from one thread, then from the pool, gives the same numbers.
  std::vector<float> w(256 * 96), x(40 * 96);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  for (float& v : w) v = uni(rng);
  for (float& v : x) v = uni(rng);
  auto d = pack_dense_f32(w.data(), 256, 96, nullptr, UnaryOp::kNone, Backend::kFast);
  REQUIRE(d.is_ok());
  std::vector<float> y1(40 * 256), y2(40 * 256);
  ThreadPool one(1);
  (*d)->run(x.data(), 40, y1.data(), &one);
  (*d)->run(x.data(), 40, y2.data(), &two);
  for (size_t i = 0; i < y1.size(); ++i) REQUIRE(std::fabs(y1[i] - y2[i]) <= 1e-4f);
}

// The wasm GEMM's work split (arithmetic only, so it is checked in every build): the chunks
// cover every row and panel exactly once, rows start on a row tile, and there are at least two.
TEST_CASE("wasm GEMM split covers every row and panel once", "[dense][threads]") {
  using namespace perch::wasmsimd;
  const int ms[] = {2, 3, 4, 5, 16, 37, 64, 65, 130, 256, 1000};
  const int ks[] = {1, 17, 256, 1024, 4096};
  const int ns[] = {1, 8, 9, 100, 256, 1024, 4000};
  for (int threads : {2, 3, 4})
    for (int m : ms)
      for (int k : ks)
        for (int n : ns) {
          const int panels = (n + kNR - 1) / kNR;
          const uint64_t macs = static_cast<uint64_t>(m) * k * panels * kNR;
          if (macs < 2 * kMinMacsPerChunk) continue;  // gemm runs these on one thread
          const GemmSplit s = gemm_split(m, k, panels, threads, static_cast<size_t>(k) * kNR * sizeof(float));
          INFO(m << "x" << k << "x" << n << " threads=" << threads << " rows=" << s.rows << " blocks=" << s.row_blocks
                 << " per_group=" << s.per_group << " groups=" << s.groups);
          REQUIRE(s.rows % kMR == 0);
          REQUIRE(s.chunks() >= 2);
          std::vector<int> hits(static_cast<size_t>(m) * panels, 0);
          for (int c = 0; c < s.chunks(); ++c) {
            int m0, m1, p0, p1;
            s.bounds(c, m, panels, &m0, &m1, &p0, &p1);
            REQUIRE(m0 < m1);
            REQUIRE(p0 < p1);
            REQUIRE(m0 % kMR == 0);
            for (int i = m0; i < m1; ++i)
              for (int p = p0; p < p1; ++p) ++hits[static_cast<size_t>(i) * panels + p];
          }
          for (int h : hits) REQUIRE(h == 1);
        }
  // The bench's largest shape on 2 threads: 8 chunks, each group's packed weights within half
  // an L2, so x is packed only as often as there are groups.
  const GemmSplit big = gemm_split(256, 1024, 128, 2, 1024 * kNR * sizeof(float));
  REQUIRE(big.chunks() == 8);
  REQUIRE(static_cast<size_t>(big.per_group) * 1024 * kNR * sizeof(float) <= kGroupBytes);
}

TEST_CASE("dense packing rejects bad arguments with a clear error", "[dense]") {
  const float w[6] = {1, 2, 3, 4, 5, 6};
  const int8_t wq[6] = {1, 2, 3, 4, 5, 6};
  const float scale[2] = {0.5f, NAN};
  for (Backend be : {Backend::kFast, Backend::kReference}) {
    auto zero_n = pack_dense_f32(w, 0, 3, nullptr, UnaryOp::kNone, be);
    REQUIRE(!zero_n.is_ok());
    REQUIRE(zero_n.status().code() == StatusCode::kInvalidArgument);
    REQUIRE(zero_n.status().message().find("positive") != std::string::npos);
    REQUIRE(!pack_dense_f32(w, 2, -1, nullptr, UnaryOp::kNone, be).is_ok());
    REQUIRE(!pack_dense_f32(nullptr, 2, 3, nullptr, UnaryOp::kNone, be).is_ok());
    REQUIRE(!pack_dense_f32(w, 1 << 16, 1 << 16, nullptr, UnaryOp::kNone, be).is_ok());
    REQUIRE(!pack_dense_f32(w, 2, 3, nullptr, static_cast<UnaryOp>(42), be).is_ok());
    REQUIRE(!pack_dense_i8(wq, nullptr, 2, 3, nullptr, UnaryOp::kNone, be).is_ok());
    auto nan_scale = pack_dense_i8(wq, scale, 2, 3, nullptr, UnaryOp::kNone, be);
    REQUIRE(!nan_scale.is_ok());
    REQUIRE(nan_scale.status().message().find("scale[1]") != std::string::npos);
  }
}

TEST_CASE("dense int8: an all-zero chunk of x and huge values stay exact", "[dense]") {
  // x = [0 × 300, then values up to 1e20]: the first int16 chunk has scale 0, the rest is large.
  const int n = 9, k = 600;
  std::vector<int8_t> wq(n * k);
  std::vector<float> scale(n, 0.01f), x(k, 0.0f);
  for (int i = 0; i < n * k; ++i) wq[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  for (int p = 300; p < k; ++p) x[p] = (p % 2 ? 1e20f : -3e19f) * (p % 7) / 7.0f;
  auto fast = pack_dense_i8(wq.data(), scale.data(), n, k, nullptr, UnaryOp::kNone, Backend::kFast);
  auto ref = pack_dense_i8(wq.data(), scale.data(), n, k, nullptr, UnaryOp::kNone, Backend::kReference);
  REQUIRE(fast.is_ok());
  REQUIRE(ref.is_ok());
  std::vector<float> yf(n), yr(n);
  ThreadPool one(1);
  (*fast)->run(x.data(), 1, yf.data(), &one);
  (*ref)->run(x.data(), 1, yr.data(), nullptr);
  for (int j = 0; j < n; ++j) {
    INFO("j=" << j << " fast=" << yf[j] << " ref=" << yr[j]);
    REQUIRE(std::isfinite(yf[j]));
    REQUIRE(std::fabs(yf[j] - yr[j]) <= 1e-3 * std::fabs(yr[j]) + 1e17);
  }
}

TEST_CASE("dense run with zero rows writes nothing", "[dense]") {
  const float w[6] = {1, 2, 3, 4, 5, 6};
  auto d = pack_dense_f32(w, 2, 3, nullptr, UnaryOp::kNone, Backend::kFast);
  REQUIRE(d.is_ok());
  float y[4] = {kSentinel, kSentinel, kSentinel, kSentinel};
  ThreadPool one(1);
  (*d)->run(nullptr, 0, y, &one);
  for (float v : y) REQUIRE(v == kSentinel);
}
