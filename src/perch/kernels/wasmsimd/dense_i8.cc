// wasm dense layer with int8 weights (per-row scale).
//
// SIMD128 builds use integer dot products: each row of x is quantized on the fly to int16 in
// chunks of kChunk values (one scale per chunk: max|x| / 32767, so the rounding error is at most
// max|x_chunk| / 65534 per value), weights are packed once into 8-column panels with k pairs
// interleaved ([K/2][8 cols][2 k] int8), and the micro-kernel widens 16 weights to i16 and runs
// i32x4.dot_i16x8_s (8 multiply-adds per instruction) against a broadcast x pair. Per chunk the
// i32 sums (|sum| < 128 · 2 · 32767 · kChunk/2 < 2^31, no overflow) are converted and scaled into
// f32 accumulators; the weight scale, bias and activation are applied once at the end.
// A quarter of the f32 weight bytes and ~3x the multiply-adds per instruction: this is the
// fastest path for M = 1 (GEMV), which is memory-bound in f32.
// Small layers (at most kWidenMaxWeights weights) keep their panels widened to int16 at pack: a
// per-keystroke model's layers then stay in L1/L2 either way, and the widening (three x86
// instructions per 16 weights, a third of the inner loop) is gone from every call.
// wasm-baseline (no SIMD) keeps weights in [K][8] panels and converts them inside the portable
// f32 tile (dense_gemm.h).
#include <cmath>
#include <cstring>

#include "perch/core/compiler.h"
#include "perch/core/tensor.h"
#include "perch/kernels/wasmsimd/dense_gemm.h"

namespace perch {
namespace {

#ifdef __wasm_simd128__

constexpr int kChunk = 256;   // k values per int16 quantization scale and i32 accumulation
constexpr int kSuper = 4096;  // k values quantized at a time (larger K loops over these)
constexpr int kChunksPerSuper = kSuper / kChunk;
constexpr size_t kWidenMaxWeights = size_t{1} << 15;  // 64 KB of int16 panels

// 8 columns × one k pair of panel weights as two i16x8 vectors (columns 0-3, 4-7).
inline void load_pair(const int8_t* w, v128_t* lo, v128_t* hi) {
  const v128_t q = wasm_v128_load(w);
  *lo = wasm_i16x8_extend_low_i8x16(q);
  *hi = wasm_i16x8_extend_high_i8x16(q);
}
inline void load_pair(const int16_t* w, v128_t* lo, v128_t* hi) {
  *lo = wasm_v128_load(w);
  *hi = wasm_v128_load(w + 8);
}

// Quantized x rows of the current row tile; per thread, so runs need no allocation.
struct XQuant {
  alignas(16) int16_t q[wasmsimd::kMR][kSuper + 8];
  float scale[wasmsimd::kMR][kChunksPerSuper];
};
thread_local XQuant tls_xq;

// Quantizes x[0, kc) of one row (kc ≤ kSuper) into q (zero-padded to even) with per-chunk scales.
void quantize_row(const float* x, int kc, int16_t* q, float* scale) {
  for (int c0 = 0, ci = 0; c0 < kc; c0 += kChunk, ++ci) {
    const int ce = std::min(kc, c0 + kChunk);
    // max |x| with pmax (one x86 instruction; f32x4.max's NaN rules cost ~8), NaN tracked apart.
    v128_t mx = wasm_f32x4_splat(0.0f), nan = wasm_i32x4_splat(0);
    int i = c0;
    for (; i + 4 <= ce; i += 4) {
      const v128_t v = wasm_v128_load(x + i);
      mx = wasm_f32x4_pmax(mx, wasm_f32x4_abs(v));
      nan = wasm_v128_or(nan, wasm_f32x4_ne(v, v));
    }
    float m = std::max(std::max(wasm_f32x4_extract_lane(mx, 0), wasm_f32x4_extract_lane(mx, 1)),
                       std::max(wasm_f32x4_extract_lane(mx, 2), wasm_f32x4_extract_lane(mx, 3)));
    bool has_nan = wasm_v128_any_true(nan);
    for (; i < ce; ++i) {
      m = std::max(m, std::fabs(x[i]));
      has_nan |= x[i] != x[i];
    }
    if (has_nan) m = NAN;
    if (!(m > 0.0f) || !std::isfinite(m)) {  // all zero (or non-finite input): contribute nothing
      scale[ci] = std::isfinite(m) ? 0.0f : m;
      std::memset(q + c0, 0, static_cast<size_t>(ce - c0) * sizeof(int16_t));
      continue;
    }
    scale[ci] = m / 32767.0f;
    const float inv = 32767.0f / m;
    const v128_t vinv = wasm_f32x4_splat(inv);
    i = c0;
    for (; i + 8 <= ce; i += 8) {
      const v128_t a = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + i), vinv)));
      const v128_t b = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + i + 4), vinv)));
      wasm_v128_store(q + i, wasm_i16x8_narrow_i32x4(a, b));
    }
    for (; i < ce; ++i) q[i] = static_cast<int16_t>(std::lrint(x[i] * inv));
  }
  if (kc & 1) q[kc] = 0;
}

// C[MR, NP panels] (+)= x̂[MR, kc] · NP consecutive panels (k-pair layout, starting at the
// super-chunk's k; panel q at w + q·stride). c points at the first panel's column col0; n is C's
// width (the last panel may be partial).
template <int MR, int NP, typename WT>
void tile_i8(const XQuant& xq, int kc, const WT* w, size_t stride, float* c, size_t ldc, int n, bool first, bool last,
             const wasmsimd::Epilogue& ep, int col0) {
  using wasmsimd::f32x4;
  f32x4 acc[MR][NP][2];
  for (int r = 0; r < MR; ++r) {
    for (int q = 0; q < NP; ++q) {
      if (first) {
        acc[r][q][0] = acc[r][q][1] = wasm_f32x4_splat(0.0f);
      } else {
        const int nc = std::min(wasmsimd::kNR, n - col0 - q * wasmsimd::kNR);
        float t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int j = 0; j < nc; ++j) t[j] = c[r * ldc + q * wasmsimd::kNR + j];
        acc[r][q][0] = wasm_v128_load(t);
        acc[r][q][1] = wasm_v128_load(t + 4);
      }
    }
  }
  for (int c0 = 0, ci = 0; c0 < kc; c0 += kChunk, ++ci) {
    const int ce = std::min(kc, c0 + kChunk);
    v128_t ai[MR][NP][2];
    for (int r = 0; r < MR; ++r)
      for (int q = 0; q < NP; ++q) ai[r][q][0] = ai[r][q][1] = wasm_i32x4_splat(0);
    for (int t = c0; t < ce; t += 2) {
      v128_t lo[NP], hi[NP];
      for (int q = 0; q < NP; ++q) load_pair(w + q * stride + static_cast<size_t>(t) * 8, &lo[q], &hi[q]);
      for (int r = 0; r < MR; ++r) {
        const v128_t xp = wasm_v128_load32_splat(&xq.q[r][t]);
        for (int q = 0; q < NP; ++q) {
          ai[r][q][0] = wasm_i32x4_add(ai[r][q][0], wasm_i32x4_dot_i16x8(lo[q], xp));
          ai[r][q][1] = wasm_i32x4_add(ai[r][q][1], wasm_i32x4_dot_i16x8(hi[q], xp));
        }
      }
    }
    for (int r = 0; r < MR; ++r) {
      const v128_t s = wasm_f32x4_splat(xq.scale[r][ci]);
      for (int q = 0; q < NP; ++q) {
        acc[r][q][0] = wasm_f32x4_add(acc[r][q][0], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(ai[r][q][0]), s));
        acc[r][q][1] = wasm_f32x4_add(acc[r][q][1], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(ai[r][q][1]), s));
      }
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int q = 0; q < NP; ++q) {
      const int colq = col0 + q * wasmsimd::kNR, nc = std::min(wasmsimd::kNR, n - colq);
      if (last) wasmsimd::finish(&acc[r][q][0], &acc[r][q][1], ep, colq);
      float* cr = c + r * ldc + q * wasmsimd::kNR;
      if (nc == wasmsimd::kNR) {
        wasm_v128_store(cr, acc[r][q][0]);
        wasm_v128_store(cr + 4, acc[r][q][1]);
      } else {
        float t[8];
        wasm_v128_store(t, acc[r][q][0]);
        wasm_v128_store(t + 4, acc[r][q][1]);
        for (int j = 0; j < nc; ++j) cr[j] = t[j];
      }
      if (last) wasmsimd::finish_scalar(cr, nc, ep);
    }
  }
}

// One tile of MR rows over panels [p0, p1). A single row (GEMV) takes 2 panels at a time: one x
// broadcast and loop step per 32 multiply-adds (4 panels ran slower: V8 spilled registers).
template <int MR, typename WT>
void row_tile(const float* x, int k, int kpad, int n, const WT* packed, const wasmsimd::Epilogue& ep, float* y, int r0,
              int p0, int p1) {
  constexpr int kGemvPanels = 2;
  XQuant& xq = tls_xq;
  const size_t stride = static_cast<size_t>(kpad) * wasmsimd::kNR;
  for (int s0 = 0; s0 < k; s0 += kSuper) {
    const int kc = std::min(kSuper, k - s0);
    const int kcp = kc + (kc & 1);
    for (int r = 0; r < MR; ++r) quantize_row(x + static_cast<size_t>(r0 + r) * k + s0, kc, xq.q[r], xq.scale[r]);
    const bool first = s0 == 0, last = s0 + kc >= k;
    int p = p0;
    auto at = [&](int panel) {
      return packed + static_cast<size_t>(panel) * stride + static_cast<size_t>(s0) * wasmsimd::kNR;
    };
    float* yr = y + static_cast<size_t>(r0) * n;
    if (MR == 1 && sizeof(WT) == 2) {
      for (; p + kGemvPanels <= p1; p += kGemvPanels)
        tile_i8<1, kGemvPanels, WT>(xq, kcp, at(p), stride, yr + p * wasmsimd::kNR, n, n, first, last, ep,
                                    p * wasmsimd::kNR);
    }
    for (; p < p1; ++p)
      tile_i8<MR, 1, WT>(xq, kcp, at(p), stride, yr + p * wasmsimd::kNR, n, n, first, last, ep, p * wasmsimd::kNR);
  }
}

template <typename WT>
void rows_panels(const float* x, int m0, int m1, int k, int kpad, int n, const WT* packed, const wasmsimd::Epilogue& ep,
                 float* y, int p0, int p1) {
  int r = m0;
  if (sizeof(WT) == 2) {  // widened panels are small layers: row by row (GEMV tiles only, for size)
    for (; r < m1; ++r) row_tile<1>(x, k, kpad, n, packed, ep, y, r, p0, p1);
    return;
  }
  for (; r + 4 <= m1; r += 4) row_tile<4>(x, k, kpad, n, packed, ep, y, r, p0, p1);
  switch (m1 - r) {
    case 3:
      row_tile<3>(x, k, kpad, n, packed, ep, y, r, p0, p1);
      break;
    case 2:
      row_tile<2>(x, k, kpad, n, packed, ep, y, r, p0, p1);
      break;
    case 1:
      row_tile<1>(x, k, kpad, n, packed, ep, y, r, p0, p1);
      break;
    default:
      break;
  }
}

// Panels [P][kpad/2][8][2]: 16 weights per k pair, k padded to even with zeros.
PERCH_LOAD_TIME void pack_pairs(const int8_t* w, int n, int k, int kpad, int8_t* out) {
  const int panels = (n + wasmsimd::kNR - 1) / wasmsimd::kNR;
  for (int p = 0; p < panels; ++p)
    for (int t = 0; t < kpad; t += 2)
      for (int j = 0; j < wasmsimd::kNR; ++j)
        for (int h = 0; h < 2; ++h) {
          const int row = p * wasmsimd::kNR + j, kk = t + h;
          out[(static_cast<size_t>(p) * kpad + t) * wasmsimd::kNR + j * 2 + h] =
              row < n && kk < k ? w[static_cast<size_t>(row) * k + kk] : 0;
        }
}

#endif  // __wasm_simd128__

class WasmDenseI8 final : public PackedDense {
 public:
  WasmDenseI8(int n, int k, UnaryOp act) : n_(n), k_(k), kpad_(k + (k & 1)), act_(act) {}

  PERCH_LOAD_TIME Status pack(const int8_t* w, const float* scale, const float* bias) {
    const size_t padded = wasmsimd::padded_columns(n_);
#ifdef __wasm_simd128__
    wide_ = padded * static_cast<size_t>(kpad_) <= kWidenMaxWeights;
#endif
    panels_ = AlignedBuffer(padded * static_cast<size_t>(kpad_) * (wide_ ? sizeof(int16_t) : 1));
    if (!panels_.ok()) return Status(StatusCode::kOutOfMemory, "dense: cannot allocate packed weights");
    PERCH_RETURN_IF_ERROR(wasmsimd::pack_padded(scale, n_, padded, &scale_));
#ifdef __wasm_simd128__
    pack_pairs(w, n_, k_, kpad_, static_cast<int8_t*>(panels_.data()));
    if (wide_) {  // widen in place, from the end: int16 element i overlaps int8 elements 2i, 2i+1 only
      auto* p8 = static_cast<int8_t*>(panels_.data());
      auto* p16 = static_cast<int16_t*>(panels_.data());
      for (size_t i = padded * static_cast<size_t>(kpad_); i-- > 0;) p16[i] = p8[i];
    }
#else
    wasmsimd::pack_panels(w, n_, k_, static_cast<int8_t*>(panels_.data()));
#endif
    return bias ? wasmsimd::pack_padded(bias, n_, padded, &bias_) : Status::ok();
  }

  int n() const override { return n_; }
  int k() const override { return k_; }
  void run(const float* x, int m, float* y, ThreadPool* pool) const override {
    const wasmsimd::Epilogue ep{bias_.size() ? static_cast<const float*>(bias_.data()) : nullptr,
                                static_cast<const float*>(scale_.data()), act_};
#ifdef __wasm_simd128__
    if (wide_)
      run_panels(x, m, y, pool, static_cast<const int16_t*>(panels_.data()), ep);
    else
      run_panels(x, m, y, pool, static_cast<const int8_t*>(panels_.data()), ep);
#else
    wasmsimd::gemm(x, m, k_, n_, static_cast<const int8_t*>(panels_.data()), ep, y, pool);
#endif
  }

 private:
#ifdef __wasm_simd128__
  template <typename WT>
  void run_panels(const float* x, int m, float* y, ThreadPool* pool, const WT* packed,
                  const wasmsimd::Epilogue& ep) const {
    if (m <= 0) return;
    const int panels = (n_ + wasmsimd::kNR - 1) / wasmsimd::kNR;
    const int threads = pool ? pool->num_threads() : 1;
    const uint64_t macs_per_panel = static_cast<uint64_t>(m) * static_cast<uint64_t>(k_) * wasmsimd::kNR;
    // Twice the f32 chunk sizes: the integer dot products do about twice the work per cycle.
    const uint64_t min_chunk = 2 * (m == 1 ? wasmsimd::kMinGemvMacsPerChunk : wasmsimd::kMinMacsPerChunk);
    if (threads <= 1 || macs_per_panel * panels < 2 * min_chunk) {
      rows_panels(x, 0, m, k_, kpad_, n_, packed, ep, y, 0, panels);
    } else if (m == 1) {
      const size_t grain = static_cast<size_t>(std::max<uint64_t>(1, min_chunk / macs_per_panel));
      pool->parallel_for(static_cast<size_t>(panels), grain, [&](size_t b, size_t e) {
        rows_panels(x, 0, 1, k_, kpad_, n_, packed, ep, y, static_cast<int>(b), static_cast<int>(e));
      });
    } else {
      // Row blocks × panel groups as in the f32 GEMM: each chunk quantizes only its own rows
      // (split over panels alone, every chunk quantized all of x: 2 threads then did 1.6x the
      // work of one on 64x512x512).
      const wasmsimd::GemmSplit s =
          wasmsimd::gemm_split(m, k_, panels, threads, static_cast<size_t>(kpad_) * wasmsimd::kNR);
      pool->parallel_for(static_cast<size_t>(s.chunks()), 1, [&](size_t b, size_t e) {
        for (size_t c = b; c < e; ++c) {
          int m0, m1, p0, p1;
          s.bounds(static_cast<int>(c), m, panels, &m0, &m1, &p0, &p1);
          rows_panels(x, m0, m1, k_, kpad_, n_, packed, ep, y, p0, p1);
        }
      });
    }
  }
#endif

  int n_, k_, kpad_;
  UnaryOp act_;
  bool wide_ = false;  // panels hold int16 (small layers, SIMD builds)
  AlignedBuffer panels_, scale_, bias_;
};

}  // namespace

PERCH_LOAD_TIME Result<std::unique_ptr<PackedDense>> make_wasmsimd_dense_i8(const int8_t* w, const float* scale, int n,
                                                                            int k, const float* bias, UnaryOp act) {
  auto dense = std::make_unique<WasmDenseI8>(n, k, act);
  PERCH_RETURN_IF_ERROR(dense->pack(w, scale, bias));
  return std::unique_ptr<PackedDense>(std::move(dense));
}

}  // namespace perch
