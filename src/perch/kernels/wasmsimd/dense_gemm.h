// The blocked GEMM driver shared by the f32 and int8 wasm dense kernels.
//
// Weights are packed once into panels of kNR = 8 output columns: panel p holds W's rows
// [8p, 8p+8) transposed to [K][8] (zero-padded past N), so one k step of the micro-kernel is one
// contiguous 8-wide load. The micro-kernel keeps an MR×8 tile of C in 2·MR f32x4 accumulators
// and walks K with broadcast loads of x and mul+add (SIMD128 has no FMA). Loops: M blocks of kMC
// rows (x block stays in L2) → K blocks of ≤ kKC (a panel's k-slice, 8 KB, stays in L1 while
// every row tile of the M block uses it) → panels → row tiles. M = 1 takes a GEMV path that runs
// 4 panels at once so 8 independent accumulators hide the add latency. The epilogue (int8 scale,
// bias, activation) is applied once, on the last K block.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "perch/core/compiler.h"
#include "perch/core/tensor.h"
#include "perch/kernels/dense_backends.h"
#include "perch/kernels/reference/unary.h"
#include "perch/kernels/wasmsimd/vec4.h"
#include "perch/runtime/thread_pool.h"

namespace perch {
namespace wasmsimd {

constexpr int kNR = 8;
constexpr int kMR = 4;
constexpr int kMC = 64;
constexpr int kKC = 256;
// Below this many multiply-adds per chunk, handing work to another thread costs more than it
// saves. GEMV chunks may be smaller: they need no packing of x, and with workers polling between
// jobs a 1x256x1024 GEMV on 2 threads takes 13-15 us instead of 19 (a GEMM 16x256x256 split that
// finely got slower, so GEMM keeps the larger bound).
constexpr size_t kMinMacsPerChunk = 1 << 18;
constexpr size_t kMinGemvMacsPerChunk = 1 << 16;

struct Epilogue {
  const float* bias;   // [panels * 8], zero-padded, or null
  const float* scale;  // [panels * 8] int8 per-row scale, or null for f32 weights
  UnaryOp act;
};

// Scale, bias and activation on a finished 8-wide accumulator pair for output columns col0...
inline void finish(f32x4* lo, f32x4* hi, const Epilogue& ep, int col0) {
  if (ep.scale) {
    *lo = v_mul(*lo, v_load(ep.scale + col0));
    *hi = v_mul(*hi, v_load(ep.scale + col0 + 4));
  }
  if (ep.bias) {
    *lo = v_add(*lo, v_load(ep.bias + col0));
    *hi = v_add(*hi, v_load(ep.bias + col0 + 4));
  }
  if (ep.act == UnaryOp::kRelu) {
    *lo = v_relu(*lo);
    *hi = v_relu(*hi);
  }
}

// Activations without a vector form run on the stored values (O(M·N), not O(M·N·K)).
inline void finish_scalar(float* c, int nc, const Epilogue& ep) {
  if (ep.act == UnaryOp::kNone || ep.act == UnaryOp::kRelu) return;
  for (int j = 0; j < nc; ++j) c[j] = reference::activation(ep.act, c[j]);
}

// x rows of the current M×K block, packed per thread as [row tile][k][kMR] (zero rows past M):
// the micro-kernel then reads one pointer with constant offsets, which keeps V8's loop to the
// loads and mul/adds (with four row pointers, address arithmetic was a fifth of the loop).
alignas(16) inline thread_local float tls_apack[kMC * kKC];

inline void pack_a(const float* x, size_t ldx, int rows, int kc, float* out) {
  for (int t = 0; t < rows; t += kMR) {
    float* o = out + static_cast<size_t>(t) * kc;
    int k0 = 0;
#ifdef __wasm_simd128__
    // Full row tiles: 4×4 blocks transposed in registers (a third of the scalar loop's time).
    if (t + kMR <= rows) {
      const float* x0 = x + static_cast<size_t>(t) * ldx;
      const float *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
      for (; k0 + 4 <= kc; k0 += 4) {
        const v128_t r0 = wasm_v128_load(x0 + k0), r1 = wasm_v128_load(x1 + k0);
        const v128_t r2 = wasm_v128_load(x2 + k0), r3 = wasm_v128_load(x3 + k0);
        const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
        const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
        float* ok = o + static_cast<size_t>(k0) * kMR;
        wasm_v128_store(ok, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
        wasm_v128_store(ok + 4, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
        wasm_v128_store(ok + 8, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
        wasm_v128_store(ok + 12, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
      }
    }
#endif
    for (int r = 0; r < kMR; ++r) {
      if (t + r < rows) {
        const float* xr = x + static_cast<size_t>(t + r) * ldx;
        for (int kk = k0; kk < kc; ++kk) o[kk * kMR + r] = xr[kk];
      } else {
        for (int kk = k0; kk < kc; ++kk) o[kk * kMR + r] = 0.0f;
      }
    }
  }
}

// C[mr, nc] (+)= A[kMR, kc] (packed) · panel[kc, 8]; `first` starts from zero, `last` applies
// the epilogue; only the first mr rows and nc columns of C are touched.
template <typename WT>
inline void tile(const float* ap, const WT* w, int kc, float* c, size_t ldc, int mr, int nc, bool first, bool last,
                 const Epilogue& ep, int col0) {
  f32x4 acc[kMR][2];
  for (int r = 0; r < kMR; ++r) {
    if (first || r >= mr) {
      acc[r][0] = acc[r][1] = v_zero();
    } else if (nc == kNR) {
      acc[r][0] = v_load(c + r * ldc);
      acc[r][1] = v_load(c + r * ldc + 4);
    } else {
      float t[kNR] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (int j = 0; j < nc; ++j) t[j] = c[r * ldc + j];
      acc[r][0] = v_load(t);
      acc[r][1] = v_load(t + 4);
    }
  }
  for (int k = 0; k < kc; ++k) {
    f32x4 w0, w1;
    load_w8(w, &w0, &w1);
    for (int r = 0; r < kMR; ++r) {
      const f32x4 x = v_splat_load(ap + r);
      acc[r][0] = v_add(acc[r][0], v_mul(x, w0));
      acc[r][1] = v_add(acc[r][1], v_mul(x, w1));
    }
    ap += kMR;
    w += kNR;
  }
  for (int r = 0; r < mr; ++r) {
    if (last) finish(&acc[r][0], &acc[r][1], ep, col0);
    float* cr = c + r * ldc;
    if (nc == kNR) {
      v_store(cr, acc[r][0]);
      v_store(cr + 4, acc[r][1]);
    } else {
      float t[kNR];
      v_store(t, acc[r][0]);
      v_store(t + 4, acc[r][1]);
      for (int j = 0; j < nc; ++j) cr[j] = t[j];
    }
    if (last) finish_scalar(cr, nc, ep);
  }
}

// y[cols of NP panels] = x[K] · panels; NP consecutive panels starting at panel p.
template <int NP, typename WT>
inline void gemv_panels(const float* x, int k, const WT* packed, int p, int n, float* y, const Epilogue& ep) {
  f32x4 acc[NP][2];
  for (int q = 0; q < NP; ++q) acc[q][0] = acc[q][1] = v_zero();
  const size_t stride = static_cast<size_t>(k) * kNR;
  const WT* w = packed + static_cast<size_t>(p) * stride;
  for (int kk = 0; kk < k; ++kk) {
    const f32x4 xv = v_splat_load(x + kk);
    for (int q = 0; q < NP; ++q) {
      f32x4 w0, w1;
      load_w8(w + q * stride + static_cast<size_t>(kk) * kNR, &w0, &w1);
      acc[q][0] = v_add(acc[q][0], v_mul(xv, w0));
      acc[q][1] = v_add(acc[q][1], v_mul(xv, w1));
    }
  }
  for (int q = 0; q < NP; ++q) {
    const int col0 = (p + q) * kNR;
    const int nc = std::min(kNR, n - col0);
    finish(&acc[q][0], &acc[q][1], ep, col0);
    if (nc == kNR) {
      v_store(y + col0, acc[q][0]);
      v_store(y + col0 + 4, acc[q][1]);
    } else {
      float t[kNR];
      v_store(t, acc[q][0]);
      v_store(t + 4, acc[q][1]);
      for (int j = 0; j < nc; ++j) y[col0 + j] = t[j];
    }
    finish_scalar(y + col0, nc, ep);
  }
}

// Out of line on purpose: with this function inlined into gemm() (LLVM did so), V8 ran the very
// same GEMV loop about 1.5x slower (1x256x1024: 27.6 -> 18.7 us once kept separate). A K-unrolled
// loop and a 1-panel × 4-k loop both measured slower than this 4-panel loop.
template <typename WT>
__attribute__((noinline)) void gemv_range(const float* x, int k, int n, const WT* packed, const Epilogue& ep, float* y,
                                          int p0, int p1) {
  int p = p0;
  for (; p + 4 <= p1; p += 4) gemv_panels<4>(x, k, packed, p, n, y, ep);
  for (; p + 2 <= p1; p += 2) gemv_panels<2>(x, k, packed, p, n, y, ep);
  for (; p < p1; ++p) gemv_panels<1>(x, k, packed, p, n, y, ep);
}

// Rows [m0, m1) × panels [p0, p1).
template <typename WT>
void gemm_block(const float* x, int k, int n, const WT* packed, const Epilogue& ep, float* y, int m0, int m1, int p0,
                int p1) {
  const int nkb = (k + kKC - 1) / kKC;
  const int kc = (k + nkb - 1) / nkb;  // equal K blocks
  for (int mb = m0; mb < m1; mb += kMC) {
    const int me = std::min(m1, mb + kMC);
    for (int k0 = 0; k0 < k; k0 += kc) {
      const int kcur = std::min(kc, k - k0);
      const bool first = k0 == 0, last = k0 + kcur == k;
      float* ap = tls_apack;
      pack_a(x + static_cast<size_t>(mb) * k + k0, k, me - mb, kcur, ap);
      for (int p = p0; p < p1; ++p) {
        const WT* w = packed + (static_cast<size_t>(p) * k + k0) * kNR;
        const int col0 = p * kNR;
        const int nc = std::min(kNR, n - col0);
        for (int r = mb; r < me; r += kMR)
          tile(ap + static_cast<size_t>(r - mb) * kcur, w, kcur, y + static_cast<size_t>(r) * n + col0, n,
               std::min(kMR, me - r), nc, first, last, ep, col0);
      }
    }
  }
}

// How a GEMM with M > 1 is cut into chunks for the pool: `row_blocks` blocks of `rows` rows
// (a multiple of kMR) times `groups` groups of `per_group` panels; chunk c is row block
// c / groups, panel group c % groups. About 4 chunks per thread, so a thread that wakes late or
// is descheduled costs a quarter of its share, not half the run. Panel groups are made just
// small enough that one group's packed weights stay in about half an L2 (a chunk then streams
// its weights from memory once, not once per M block), and rows are split for the rest: every
// chunk packs its rows of x itself, so x is packed `groups` times in all.
struct GemmSplit {
  int rows, row_blocks, per_group, groups;
  int chunks() const { return row_blocks * groups; }
  // Rows [*m0, *m1) × panels [*p0, *p1) of chunk c.
  void bounds(int c, int m, int panels, int* m0, int* m1, int* p0, int* p1) const {
    const int rb = c / groups, g = c % groups;
    *m0 = rb * rows;
    *m1 = std::min(m, *m0 + rows);
    *p0 = g * per_group;
    *p1 = std::min(panels, *p0 + per_group);
  }
};

constexpr size_t kGroupBytes = 512 * 1024;
constexpr int kMinGroupPanels = 16;  // below this, re-packing x per group costs more than it saves

inline GemmSplit gemm_split(int m, int k, int panels, int threads, size_t panel_bytes) {
  const uint64_t macs = static_cast<uint64_t>(m) * static_cast<uint64_t>(k) * panels * kNR;
  const int want = static_cast<int>(
      std::max<uint64_t>(1, std::min<uint64_t>(static_cast<uint64_t>(4 * threads), macs / kMinMacsPerChunk)));
  const int row_tiles = (m + kMR - 1) / kMR;
  const uint64_t weight_bytes = static_cast<uint64_t>(panels) * panel_bytes;
  int groups = static_cast<int>(std::min<uint64_t>((weight_bytes + kGroupBytes - 1) / kGroupBytes,
                                                   static_cast<uint64_t>(std::max(1, panels / kMinGroupPanels))));
  groups = std::max(groups, 1);
  int blocks = std::min(row_tiles, (want + groups - 1) / groups);
  if (blocks * groups < want) groups = std::min(panels, (want + blocks - 1) / blocks);
  GemmSplit s;
  const int tiles_per_block = (row_tiles + blocks - 1) / blocks;
  s.rows = tiles_per_block * kMR;
  s.row_blocks = (m + s.rows - 1) / s.rows;
  s.per_group = (panels + groups - 1) / groups;
  s.groups = (panels + s.per_group - 1) / s.per_group;
  return s;
}

// y[m, n] = epilogue(x[m, k] · W) with W packed in panels. GEMV splits over panels; GEMM over
// row blocks × panel groups (gemm_split).
template <typename WT>
void gemm(const float* x, int m, int k, int n, const WT* packed, const Epilogue& ep, float* y, ThreadPool* pool) {
  if (m <= 0) return;
  const int panels = (n + kNR - 1) / kNR;
  const int threads = pool ? pool->num_threads() : 1;
  const uint64_t macs_per_panel = static_cast<uint64_t>(m) * static_cast<uint64_t>(k) * kNR;
  const uint64_t min_chunk = m == 1 ? kMinGemvMacsPerChunk : kMinMacsPerChunk;
  if (threads <= 1 || macs_per_panel * panels < 2 * min_chunk) {
    if (m == 1)
      gemv_range(x, k, n, packed, ep, y, 0, panels);
    else
      gemm_block(x, k, n, packed, ep, y, 0, m, 0, panels);
    return;
  }
  if (m == 1) {
    // Chunks of whole panels, multiples of 4 to keep the 4-panel GEMV kernel.
    size_t grain = static_cast<size_t>(std::max<uint64_t>(1, kMinGemvMacsPerChunk / macs_per_panel));
    grain = (grain + 3) / 4 * 4;
    pool->parallel_for(static_cast<size_t>(panels), grain, [&](size_t b, size_t e) {
      gemv_range(x, k, n, packed, ep, y, static_cast<int>(b), static_cast<int>(e));
    });
    return;
  }
  const GemmSplit s = gemm_split(m, k, panels, threads, static_cast<size_t>(k) * kNR * sizeof(WT));
  pool->parallel_for(static_cast<size_t>(s.chunks()), 1, [&](size_t b, size_t e) {
    for (size_t c = b; c < e; ++c) {
      int m0, m1, p0, p1;
      s.bounds(static_cast<int>(c), m, panels, &m0, &m1, &p0, &p1);
      gemm_block(x, k, n, packed, ep, y, m0, m1, p0, p1);
    }
  });
}

// Packs W [n, k] (row-major) into panels [ceil(n/8)][k][8], zero-padded.
template <typename WT>
void pack_panels(const WT* w, int n, int k, WT* out) {
  const int panels = (n + kNR - 1) / kNR;
  for (int p = 0; p < panels; ++p)
    for (int kk = 0; kk < k; ++kk)
      for (int j = 0; j < kNR; ++j) {
        const int row = p * kNR + j;
        out[(static_cast<size_t>(p) * k + kk) * kNR + j] = row < n ? w[static_cast<size_t>(row) * k + kk] : WT(0);
      }
}

// n columns rounded up to whole panels.
inline size_t padded_columns(int n) { return static_cast<size_t>((n + kNR - 1) / kNR) * kNR; }

// *out = v [n] zero-padded to `padded` floats (bias, int8 scale): the epilogue loads whole panels.
PERCH_LOAD_TIME inline Status pack_padded(const float* v, int n, size_t padded, AlignedBuffer* out) {
  *out = AlignedBuffer(padded * sizeof(float));
  if (!out->ok()) return Status(StatusCode::kOutOfMemory, "dense: cannot allocate packed weights");
  float* p = static_cast<float*>(out->data());
  std::memset(p, 0, padded * sizeof(float));
  std::memcpy(p, v, static_cast<size_t>(n) * sizeof(float));
  return Status::ok();
}

}  // namespace wasmsimd
}  // namespace perch
