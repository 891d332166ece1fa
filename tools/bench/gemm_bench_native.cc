// Native GEMM figures for tools/bench/gemm.bench.mjs: perch's native dense path (XNNPACK
// fully-connected operators, threads from perch's pool) on the bench shapes. Prints one JSON
// object per line: {"case":"MxKxN","threads":T,"us":...}.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "perch/kernels/dense.h"
#include "perch/runtime/thread_pool.h"

using namespace perch;

namespace {

double now_us() {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int shapes[][3] = {{1, 256, 1024}, {1, 1024, 256}, {16, 256, 256}, {64, 512, 512}, {256, 1024, 1024}};
  // Short batches, best of many: on a shared machine a long batch is always preempted somewhere.
  const double budget_us = argc > 1 ? std::atof(argv[1]) * 1000.0 : 2000.0;  // per batch
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  for (const auto& s : shapes) {
    const int m = s[0], k = s[1], n = s[2];
    std::vector<float> w(static_cast<size_t>(n) * k), x(static_cast<size_t>(m) * k), y(static_cast<size_t>(m) * n);
    for (float& v : w) v = uni(rng);
    for (float& v : x) v = uni(rng);
    auto d = pack_dense_f32(w.data(), n, k, nullptr, UnaryOp::kNone, Backend::kFast);
    if (!d.is_ok()) {
      std::fprintf(stderr, "pack failed: %s\n", d.status().to_string().c_str());
      return 1;
    }
    for (int threads : {1, 2}) {
      ThreadPool pool(threads);
      // Warm up, then size a batch to the budget; the best of 40 batches is reported.
      double t0 = now_us();
      int warm = 0;
      while (now_us() - t0 < 200000.0 || warm < 3) {
        (*d)->run(x.data(), m, y.data(), &pool);
        ++warm;
      }
      const double per = (now_us() - t0) / warm;
      const int iters = std::max(1, static_cast<int>(budget_us / per));
      double best = 1e30;
      for (int b = 0; b < 40; ++b) {
        const double b0 = now_us();
        for (int i = 0; i < iters; ++i) (*d)->run(x.data(), m, y.data(), &pool);
        best = std::min(best, (now_us() - b0) / iters);
      }
      std::printf("{\"case\":\"%dx%dx%d\",\"threads\":%d,\"us\":%.3f}\n", m, k, n, threads, best);
      std::fflush(stdout);
    }
  }
  return 0;
}
