// Attention: q [S, H·Dh], k and v [S, Hkv·Dh] → [S, H·Dh], softmax(q·kᵀ/√Dh)·v per head, causal by
// default, grouped-query when Hkv < H. With `cache: c` the S new key/value rows are appended to
// the session's KV cache slot c at its position p, query row i attends to cache rows 0 … p+i, and
// the kernel reports S pending rows (the session commits them when the whole run succeeds).
#include "perch/graph/ops/attrs.h"
#include "perch/graph/ops/op_kernel.h"
#include "perch/graph/ops/ops.h"
#include "perch/kernels/reference/attention.h"
#include "perch/runtime/kv_cache.h"
#include "perch/runtime/thread_pool.h"

#include <cstring>

namespace perch::ops {
namespace {

struct AttentionAttrs {
  int64_t heads = 1, kv_heads = 1;
  bool causal = true;
  int64_t cache = -1;  // -1: no cache
  int64_t max_context = 0;
};

class AttentionKernel : public OpKernel {
 public:
  AttentionKernel(const AttentionAttrs& a, bool parallel) : OpKernel("Attention"), a_(a), parallel_(parallel) {}

  Status infer(const ValueInfo* in, int n_in, ValueInfo* out, int n_out) const override {
    static const char* const kNames[] = {"q", "k", "v"};
    for (int i = 0; i < 3; ++i) {
      if (in[i].dtype != DType::kF32) return dtype_error(i, "f32", in[i].dtype);
      if (in[i].shape.rank() != 2)
        return shape_error(std::string(kNames[i]) + " must be [S, width], got " + in[i].shape.to_string());
    }
    const int64_t s = in[0].shape[0];
    if (in[1].shape[0] != s || in[2].shape[0] != s)
      return shape_error("q, k, v must have the same rows, got " + in[0].shape.to_string() + ", " +
                         in[1].shape.to_string() + ", " + in[2].shape.to_string());
    const int64_t qw = in[0].shape[1];
    if (qw % a_.heads != 0 || qw == 0)
      return shape_error("q width " + std::to_string(qw) + " is not a positive multiple of " +
                         std::to_string(a_.heads) + " heads");
    const int64_t kvw = qw / a_.heads * a_.kv_heads;
    if (in[1].shape[1] != kvw || in[2].shape[1] != kvw)
      return shape_error("k and v must be [S, " + std::to_string(kvw) + "] (" + std::to_string(a_.kv_heads) +
                         " kv heads of " + std::to_string(qw / a_.heads) + "), got " + in[1].shape.to_string() +
                         " and " + in[2].shape.to_string());
    if (a_.cache >= 0 && s > a_.max_context)
      return shape_error(std::to_string(s) + " rows exceed max_context " + std::to_string(a_.max_context));
    out[0].dtype = DType::kF32;
    out[0].shape = in[0].shape;
    return Status::ok();
  }

  // One row of scores per head: kv_rows floats (the cache's max_context with a cache).
  uint64_t scratch_bytes(const ValueInfo* in, int n_in) const override {
    return scratch_for(a_.cache >= 0 ? a_.max_context : in[0].shape[0]);
  }

  // With a cache: max_context rows of k's width.
  bool kv_cache_slot(const ValueInfo* in, int n_in, KvCacheSlot* out) const override {
    if (a_.cache < 0) return false;
    out->slot = a_.cache;
    out->max_context = a_.max_context;
    out->width = n_in > 1 && in[1].shape.rank() > 0 ? in[1].shape.dim(-1) : 0;
    return true;
  }

  Status run(RunContext& ctx, const Tensor* in, int n_in, Tensor* out, int n_out) override {
    PERCH_RETURN_IF_ERROR(check_run(ctx, in, n_in, out, n_out));
    const int64_t rows = in[0].shape[0];
    reference::AttentionShape s;
    s.rows = rows;
    s.heads = a_.heads;
    s.kv_heads = a_.kv_heads;
    s.head_dim = in[0].shape[1] / a_.heads;
    s.q_stride = s.y_stride = in[0].shape[1];
    s.kv_stride = in[1].shape[1];
    s.causal = a_.causal;
    const float* k = in[1].as<float>();
    const float* v = in[2].as<float>();
    if (a_.cache >= 0) {
      KvCache* kv = ctx.kv;
      const int slot = static_cast<int>(a_.cache);
      if (kv == nullptr || !kv->has_slot(slot))
        return internal_error("Attention: KV cache slot " + std::to_string(slot) + " was not declared");
      if (kv->width(slot) != s.kv_stride || kv->max_context(slot) != a_.max_context)
        return internal_error("Attention: KV cache slot " + std::to_string(slot) +
                              " was declared with another width or max_context");
      const int64_t p = kv->position();
      if (p + rows > a_.max_context)
        return out_of_range("Attention: cache slot " + std::to_string(slot) + " holds " +
                            std::to_string(a_.max_context) + " rows; position " + std::to_string(p) + " + " +
                            std::to_string(rows) + " new rows exceed it");
      const size_t row_bytes = static_cast<size_t>(s.kv_stride) * sizeof(float);
      float* keys = kv->keys(slot);
      float* values = kv->values(slot);
      if (rows > 0) {
        std::memcpy(keys + p * s.kv_stride, k, static_cast<size_t>(rows) * row_bytes);
        std::memcpy(values + p * s.kv_stride, v, static_cast<size_t>(rows) * row_bytes);
      }
      kv->set_pending(static_cast<int>(rows));
      k = keys;
      v = values;
      s.past = p;
      s.kv_rows = p + rows;
    } else {
      s.past = 0;
      s.kv_rows = rows;
    }
    if (rows == 0) return Status::ok();
    if (ctx.scratch == nullptr) return internal_error("Attention: no scratch memory");
    const uint64_t need = scratch_for(s.kv_rows);
    if (need > ctx.scratch_bytes)
      return out_of_range("Attention: " + std::to_string(s.kv_rows) + " key rows need " + std::to_string(need) +
                          " scratch bytes; " + std::to_string(ctx.scratch_bytes) + " were planned");
    float* scratch = static_cast<float*>(ctx.scratch);
    const float* q = in[0].as<float>();
    float* y = out[0].as<float>();
    if (parallel_ && ctx.pool != nullptr) {
      ctx.pool->parallel_for(static_cast<size_t>(s.heads), 1, [&](size_t b, size_t e) {
        reference::attention_heads(q, k, v, s, scratch, y, static_cast<int64_t>(b), static_cast<int64_t>(e));
      });
    } else {
      reference::attention_heads(q, k, v, s, scratch, y, 0, s.heads);
    }
    return Status::ok();
  }

 private:
  uint64_t scratch_for(int64_t kv_rows) const {
    uint64_t bytes;
    if (kv_rows < 0 ||
        !mul_size(static_cast<uint64_t>(a_.heads), static_cast<uint64_t>(kv_rows), sizeof(float), &bytes))
      return kSizeOverflow;
    return bytes;
  }

  AttentionAttrs a_;
  bool parallel_;
};

}  // namespace

PERCH_LOAD_TIME KernelResult make_attention(const OpBuildArgs& args) {
  PERCH_RETURN_IF_ERROR(check_arity("Attention", args, 3, 3, 1));
  Attrs attrs("Attention", args.attrs);
  PERCH_RETURN_IF_ERROR(attrs.check_known({"num_heads", "num_kv_heads", "causal", "cache", "max_context"}));
  AttentionAttrs a;
  if (!attrs.has("num_heads")) return attrs.error("attr 'num_heads' is required");
  PERCH_RETURN_IF_ERROR(attrs.get_int("num_heads", 1, &a.heads));
  PERCH_RETURN_IF_ERROR(attrs.get_int("num_kv_heads", a.heads, &a.kv_heads));
  int64_t causal;
  PERCH_RETURN_IF_ERROR(attrs.get_int("causal", 1, &causal));
  if (causal != 0 && causal != 1) return attrs.error("attr 'causal' must be 0 or 1");
  a.causal = causal == 1;
  if (a.heads <= 0 || a.heads > 4096)
    return attrs.error("attr 'num_heads' = " + std::to_string(a.heads) + " must be in [1, 4096]");
  if (a.kv_heads <= 0 || a.heads % a.kv_heads != 0)
    return attrs.error("attr 'num_kv_heads' = " + std::to_string(a.kv_heads) +
                       " must be positive and divide num_heads = " + std::to_string(a.heads));
  if (attrs.has("cache")) {
    PERCH_RETURN_IF_ERROR(attrs.get_int("cache", -1, &a.cache));
    PERCH_RETURN_IF_ERROR(attrs.get_int("max_context", 0, &a.max_context));
    if (a.cache < 0 || a.cache > 4096)
      return attrs.error("attr 'cache' = " + std::to_string(a.cache) + " must be in [0, 4096]");
    if (a.max_context <= 0 || a.max_context > (1 << 20))
      return attrs.error("attr 'max_context' = " + std::to_string(a.max_context) +
                         " must be in [1, 1048576] with a cache");
  } else if (attrs.has("max_context")) {
    return attrs.error("attr 'max_context' needs attr 'cache'");
  }
  return std::unique_ptr<Kernel>(new AttentionKernel(a, args.backend == Backend::kFast));
}

}  // namespace perch::ops
