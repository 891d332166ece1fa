// The bench-only wasm module (tools/bench/gemm.bench.mjs): perch's dense kernels behind a few C
// functions, so Node can time perch's GEMM next to onnxruntime-web and tfjs-wasm on the same
// numbers. Not part of the shipped package.
#include <emscripten/emscripten.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "perch/kernels/dense.h"
#include "perch/runtime/thread_pool.h"

using namespace perch;

extern "C" {

// Packs W [n, k] (f32; with int8 != 0 quantized per row, scale = max|row| / 127). Null on error.
EMSCRIPTEN_KEEPALIVE void* gemm_bench_create(const float* w, int n, int k, int int8) {
  if (!int8) {
    auto d = pack_dense_f32(w, n, k, nullptr, UnaryOp::kNone, Backend::kFast);
    return d.is_ok() ? std::move(d).value().release() : nullptr;
  }
  std::vector<int8_t> q(static_cast<size_t>(n) * k);
  std::vector<float> scale(n);
  for (int j = 0; j < n; ++j) {
    const float* row = w + static_cast<size_t>(j) * k;
    float mx = 0.0f;
    for (int p = 0; p < k; ++p) mx = std::fmax(mx, std::fabs(row[p]));
    scale[j] = mx > 0.0f ? mx / 127.0f : 1.0f;
    for (int p = 0; p < k; ++p) q[static_cast<size_t>(j) * k + p] = static_cast<int8_t>(std::lrint(row[p] / scale[j]));
  }
  auto d = pack_dense_i8(q.data(), scale.data(), n, k, nullptr, UnaryOp::kNone, Backend::kFast);
  return d.is_ok() ? std::move(d).value().release() : nullptr;
}

EMSCRIPTEN_KEEPALIVE void gemm_bench_destroy(void* dense) { delete static_cast<PackedDense*>(dense); }

EMSCRIPTEN_KEEPALIVE void* gemm_bench_pool_create(int threads) { return new ThreadPool(threads); }
EMSCRIPTEN_KEEPALIVE int gemm_bench_pool_threads(void* pool) { return static_cast<ThreadPool*>(pool)->num_threads(); }
EMSCRIPTEN_KEEPALIVE void gemm_bench_pool_destroy(void* pool) { delete static_cast<ThreadPool*>(pool); }

// y[m, n] = x[m, k] · Wᵀ, `iters` times (1 for a single timed call from JS).
EMSCRIPTEN_KEEPALIVE void gemm_bench_run(void* dense, const float* x, int m, float* y, void* pool, int iters) {
  const auto* d = static_cast<const PackedDense*>(dense);
  for (int i = 0; i < iters; ++i) d->run(x, m, y, static_cast<ThreadPool*>(pool));
}

#ifdef PERCH_POOL_PROFILE
// Development builds only: out[0..7] busy µs, [8..15] chunks, [16..23] start lag µs, [24..31]
// jobs started, per thread; [32] wall µs, [33] calls. Resets the counters.
EMSCRIPTEN_KEEPALIVE void gemm_bench_profile(double* out) {
  PoolProfile* p = pool_profile();
  for (int i = 0; i < 8; ++i) {
    out[i] = p->busy_us[i];
    out[8 + i] = static_cast<double>(p->chunks[i]);
    out[16 + i] = p->start_lag_us[i];
    out[24 + i] = static_cast<double>(p->started[i]);
  }
  out[32] = p->wall_us;
  out[33] = static_cast<double>(p->calls);
  *p = PoolProfile();
}
#endif

}  // extern "C"
