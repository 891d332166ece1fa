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

// Constant tables (data, no code to run at load). Entries in KernelTable's order.
constexpr KernelTable kReference = {
    {"reference.softmax_rows", reference::softmax_rows},
    {"reference.softmax", reference::softmax},
    {"reference.log_softmax", reference::log_softmax},
    {"reference.layer_norm_rows", reference::layer_norm_rows},
    {"reference.rms_norm_rows", reference::rms_norm_rows},
    {"reference.unary", reference::unary},
    {"reference.clip", reference::clip},
    {"reference.embedding_bag_f32", reference::embedding_bag_f32},
    {"reference.embedding_bag_i8", reference::embedding_bag_i8},
    {"reference.dense_f32", make_reference_dense_f32},
    {"reference.dense_i8", make_reference_dense_i8},
};

// Entries a target has no faster kernel for keep the reference's: strided and log softmax and
// Clip (rare in served models), and unary everywhere — activations mostly run fused into a dense
// layer's epilogue, and no model we serve spends measurable time in a standalone one.
constexpr KernelTable kFast = {
#if defined(__wasm_simd128__)
    {"wasmsimd.softmax_rows", wasmsimd::softmax_rows},
#else
    kReference.softmax_rows,
#endif
    kReference.softmax,
    kReference.log_softmax,
#if defined(__wasm_simd128__)
    {"wasmsimd.layer_norm_rows", wasmsimd::layer_norm_rows},
    {"wasmsimd.rms_norm_rows", wasmsimd::rms_norm_rows},
#else
    kReference.layer_norm_rows,
    kReference.rms_norm_rows,
#endif
    kReference.unary,
    kReference.clip,
#if defined(__wasm_simd128__)
    {"wasmsimd.embedding_bag_f32", wasmsimd::embedding_bag_f32},
    {"wasmsimd.embedding_bag_i8", wasmsimd::embedding_bag_i8},
#else
    kReference.embedding_bag_f32,
    kReference.embedding_bag_i8,
#endif
#if defined(__wasm_simd128__)
    {"wasmsimd.dense_f32", make_wasmsimd_dense_f32},
    {"wasmsimd.dense_i8", make_wasmsimd_dense_i8},
#elif defined(__EMSCRIPTEN__)
    // wasm-baseline: the wasmsimd/ dense micro-kernels on plain 4-float vectors (vec4.h).
    {"wasmsimd.dense_f32_vec4", make_wasmsimd_dense_f32},
    {"wasmsimd.dense_i8_vec4", make_wasmsimd_dense_i8},
#elif defined(PERCH_HAVE_XNNPACK)
    {"xnnpack.dense_f32", make_xnnpack_dense_f32},
    {"xnnpack.dense_i8_as_f32", make_xnnpack_dense_i8},
#else
    kReference.dense_f32, kReference.dense_i8,
#endif
};

}  // namespace

const KernelTable& kernel_table(Backend backend) { return backend == Backend::kReference ? kReference : kFast; }

}  // namespace perch
