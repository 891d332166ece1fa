// Native dense layers through Debian's XNNPACK (fully_connected_nc_f32).
//
// An XNNPACK operator carries its per-call setup (batch size, pointers), so one operator must not
// run two calls at once. A Model (and its packed weights) may be shared by several sessions on
// different threads (the server), so runs borrow an operator set from a small free list and
// return it; a new set is created only when more calls run at once than ever before (the only
// allocation, never in the steady state). Threads come from perch's own pool: the output columns
// are split into one slice per thread, each slice an operator over its rows of W, run with no
// pthreadpool. Activations XNNPACK lacks (gelu, silu) run on each slice right after its GEMM.
#include <xnnpack.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "perch/kernels/dense_backends.h"
#include "perch/kernels/reference/unary.h"
#include "perch/runtime/thread_pool.h"

namespace perch {
namespace {

bool xnnpack_ready() {
  static const bool ok = xnn_initialize(nullptr) == xnn_status_success;
  return ok;
}

// Below this many multiply-adds a run stays on one thread (waking workers costs more).
constexpr long long kMinParallelMacs = 1 << 15;

struct OperatorSet {
  int slices = 1;
  std::vector<int> begin;  // slice s covers output columns [begin[s], begin[s+1])
  std::vector<xnn_operator_t> ops;
  ~OperatorSet() {
    for (xnn_operator_t op : ops) xnn_delete_operator(op);
  }
};

class XnnpackDense final : public PackedDense {
 public:
  XnnpackDense(const float* w, int n, int k, const float* bias, UnaryOp act)
      : w_(w, w + static_cast<size_t>(n) * k),
        bias_(bias ? bias : nullptr, bias ? bias + n : nullptr),
        n_(n),
        k_(k),
        act_(act) {}

  Status init() {
    if (!xnnpack_ready()) return internal_error("dense: XNNPACK failed to initialize");
    std::unique_ptr<OperatorSet> set = create_set(1);
    if (!set) return unsupported("dense: XNNPACK could not create a fully-connected operator");
    free_.push_back(std::move(set));
    return Status::ok();
  }

  int n() const override { return n_; }
  int k() const override { return k_; }

  void run(const float* x, int m, float* y, ThreadPool* pool) const override {
    if (m <= 0) return;
    int slices = 1;
    if (pool && pool->num_threads() > 1 && static_cast<long long>(m) * n_ * k_ >= kMinParallelMacs && n_ >= 16)
      slices = std::min(pool->num_threads(), n_ / 8);
    std::unique_ptr<OperatorSet> set = borrow(slices);
    if (!set) {  // out of memory creating a wider set: run on the always-present single slice
      slices = 1;
      set = borrow(1);
      if (!set) {
        run_unpacked(x, m, y);
        return;
      }
    }
    OperatorSet* s = set.get();
    auto run_slice = [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        const int c0 = s->begin[i], c1 = s->begin[i + 1];
        xnn_operator_t op = s->ops[i];
        if (xnn_setup_fully_connected_nc_f32(op, m, x, y + c0, nullptr) != xnn_status_success ||
            xnn_run_operator(op, nullptr) != xnn_status_success) {
          run_unpacked_cols(x, m, y, c0, c1);
          continue;
        }
        if (act_ != UnaryOp::kNone && act_ != UnaryOp::kRelu)
          for (int r = 0; r < m; ++r) {
            float* yr = y + static_cast<size_t>(r) * n_ + c0;
            reference::unary(act_, yr, yr, c1 - c0);  // in place
          }
      }
    };
    if (slices > 1)
      pool->parallel_for(static_cast<size_t>(slices), 1, run_slice);
    else
      run_slice(0, 1);
    give_back(std::move(set));
  }

 private:
  std::unique_ptr<OperatorSet> create_set(int slices) const {
    auto set = std::make_unique<OperatorSet>();
    set->slices = slices;
    set->begin.resize(slices + 1);
    // Slices are multiples of 8 columns (XNNPACK's tile width) except the last.
    const int blocks = (n_ + 7) / 8;
    for (int s = 0; s <= slices; ++s) set->begin[s] = std::min(n_, (blocks * s / slices) * 8);
    set->begin[slices] = n_;
    const float lo = act_ == UnaryOp::kRelu ? 0.0f : -INFINITY;
    for (int s = 0; s < slices; ++s) {
      const int c0 = set->begin[s], c1 = set->begin[s + 1];
      xnn_operator_t op = nullptr;
      if (c1 <= c0 || xnn_create_fully_connected_nc_f32(k_, c1 - c0, k_, n_, w_.data() + static_cast<size_t>(c0) * k_,
                                                        bias_.empty() ? nullptr : bias_.data() + c0, lo, INFINITY, 0,
                                                        &op) != xnn_status_success)
        return nullptr;
      set->ops.push_back(op);
    }
    return set;
  }

  std::unique_ptr<OperatorSet> borrow(int slices) const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < free_.size(); ++i) {
        if (free_[i]->slices != slices) continue;
        std::unique_ptr<OperatorSet> set = std::move(free_[i]);
        free_.erase(free_.begin() + static_cast<long>(i));
        return set;
      }
    }
    return create_set(slices);
  }

  void give_back(std::unique_ptr<OperatorSet> set) const {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(set));
  }

  // Last resort when XNNPACK refuses a call: the plain dot products over columns [c0, c1).
  void run_unpacked_cols(const float* x, int m, float* y, int c0, int c1) const {
    for (int r = 0; r < m; ++r)
      for (int j = c0; j < c1; ++j) {
        float acc = 0.0f;
        for (int p = 0; p < k_; ++p) acc += x[static_cast<size_t>(r) * k_ + p] * w_[static_cast<size_t>(j) * k_ + p];
        if (!bias_.empty()) acc += bias_[j];
        y[static_cast<size_t>(r) * n_ + j] = reference::activation(act_, acc);
      }
  }
  void run_unpacked(const float* x, int m, float* y) const { run_unpacked_cols(x, m, y, 0, n_); }

  std::vector<float> w_, bias_;  // kept to create more operator sets under concurrency
  int n_, k_;
  UnaryOp act_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<OperatorSet>> free_;
};

}  // namespace

Result<std::unique_ptr<PackedDense>> make_xnnpack_dense_f32(const float* w, int n, int k, const float* bias,
                                                            UnaryOp act) {
  auto dense = std::make_unique<XnnpackDense>(w, n, k, bias, act);
  PERCH_RETURN_IF_ERROR(dense->init());
  return std::unique_ptr<PackedDense>(std::move(dense));
}

Result<std::unique_ptr<PackedDense>> make_xnnpack_dense_i8(const int8_t* w, const float* scale, int n, int k,
                                                           const float* bias, UnaryOp act) {
  std::vector<float> wf(static_cast<size_t>(n) * k);
  for (int j = 0; j < n; ++j)
    for (int p = 0; p < k; ++p)
      wf[static_cast<size_t>(j) * k + p] = static_cast<float>(w[static_cast<size_t>(j) * k + p]) * scale[j];
  return make_xnnpack_dense_f32(wf.data(), n, k, bias, act);
}

}  // namespace perch
