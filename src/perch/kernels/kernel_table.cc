// The reference table and this target's fast table (kernel_table.h).
#include "perch/kernels/kernel_table.h"

#include "perch/kernels/dense_backends.h"
#include "perch/kernels/reference/embedding_bag.h"
#include "perch/kernels/reference/layer_norm.h"
#include "perch/kernels/reference/rms_norm.h"
#include "perch/kernels/reference/softmax.h"
#include "perch/kernels/reference/unary.h"

#if defined(__wasm_simd128__)
#include "perch/kernels/wasmsimd/row_kernels.h"
#endif

namespace perch {
namespace {

KernelTable reference_table() {
  KernelTable t;
  t.softmax_rows = {"reference.softmax_rows", reference::softmax_rows};
  t.softmax = {"reference.softmax", reference::softmax};
  t.log_softmax = {"reference.log_softmax", reference::log_softmax};
  t.layer_norm_rows = {"reference.layer_norm_rows", reference::layer_norm_rows};
  t.rms_norm_rows = {"reference.rms_norm_rows", reference::rms_norm_rows};
  t.unary = {"reference.unary", reference::unary};
  t.clip = {"reference.clip", reference::clip};
  t.embedding_bag_f32 = {"reference.embedding_bag_f32", reference::embedding_bag_f32};
  t.embedding_bag_i8 = {"reference.embedding_bag_i8", reference::embedding_bag_i8};
  t.dense_f32 = {"reference.dense_f32", make_reference_dense_f32};
  t.dense_i8 = {"reference.dense_i8", make_reference_dense_i8};
  return t;
}

// Entries a target has no faster kernel for keep the reference's: strided and log softmax and
// Clip (rare in served models), and unary everywhere — activations mostly run fused into a dense
// layer's epilogue, and no model we serve spends measurable time in a standalone one.
KernelTable fast_table() {
  KernelTable t = reference_table();
#if defined(__wasm_simd128__)
  t.softmax_rows = {"wasmsimd.softmax_rows", wasmsimd::softmax_rows};
  t.layer_norm_rows = {"wasmsimd.layer_norm_rows", wasmsimd::layer_norm_rows};
  t.rms_norm_rows = {"wasmsimd.rms_norm_rows", wasmsimd::rms_norm_rows};
  t.embedding_bag_f32 = {"wasmsimd.embedding_bag_f32", wasmsimd::embedding_bag_f32};
  t.embedding_bag_i8 = {"wasmsimd.embedding_bag_i8", wasmsimd::embedding_bag_i8};
  t.dense_f32 = {"wasmsimd.dense_f32", make_wasmsimd_dense_f32};
  t.dense_i8 = {"wasmsimd.dense_i8", make_wasmsimd_dense_i8};
#elif defined(__EMSCRIPTEN__)
  // wasm-baseline: the wasmsimd/ dense micro-kernels on plain 4-float vectors (vec4.h).
  t.dense_f32 = {"wasmsimd.dense_f32_vec4", make_wasmsimd_dense_f32};
  t.dense_i8 = {"wasmsimd.dense_i8_vec4", make_wasmsimd_dense_i8};
#elif defined(PERCH_HAVE_XNNPACK)
  t.dense_f32 = {"xnnpack.dense_f32", make_xnnpack_dense_f32};
  t.dense_i8 = {"xnnpack.dense_i8_as_f32", make_xnnpack_dense_i8};
#endif
  return t;
}

}  // namespace

const KernelTable& kernel_table(Backend backend) {
  static const KernelTable reference = reference_table();
  static const KernelTable fast = fast_table();
  return backend == Backend::kReference ? reference : fast;
}

}  // namespace perch
