// The op registry: an explicit table (static-initialiser registration would be dropped when the
// op files are linked from a static library).
#include <string_view>

#include "perch/graph/op.h"
#include "perch/graph/ops/ops.h"

namespace perch {
namespace {

struct OpEntry {
  const char* name;
  KernelFactory factory;
};

constexpr OpEntry kOps[] = {
    {"Abs", ops::make_abs},
    {"Add", ops::make_add},
    {"ArgMax", ops::make_argmax},
    {"Attention", ops::make_attention},
    {"Cast", ops::make_cast},
    {"Clip", ops::make_clip},
    {"Concat", ops::make_concat},
    {"Div", ops::make_div},
    {"EmbeddingBag", ops::make_embedding_bag},
    {"Equal", ops::make_equal},
    {"Erf", ops::make_erf},
    {"Exp", ops::make_exp},
    {"Expand", ops::make_expand},
    {"FullyConnected", ops::make_fully_connected},
    {"Gather", ops::make_gather},
    {"Gelu", ops::make_gelu},
    {"Greater", ops::make_greater},
    {"LayerNorm", ops::make_layer_norm},
    {"Less", ops::make_less},
    {"Log", ops::make_log},
    {"LogSoftmax", ops::make_log_softmax},
    {"MatMul", ops::make_matmul},
    {"Mul", ops::make_mul},
    {"Neg", ops::make_neg},
    {"Pow", ops::make_pow},
    {"RMSNorm", ops::make_rms_norm},
    {"Reciprocal", ops::make_reciprocal},
    {"ReduceMax", ops::make_reduce_max},
    {"ReduceMean", ops::make_reduce_mean},
    {"ReduceSum", ops::make_reduce_sum},
    {"Relu", ops::make_relu},
    {"Reshape", ops::make_reshape},
    {"Sigmoid", ops::make_sigmoid},
    {"Silu", ops::make_silu},
    {"Slice", ops::make_slice},
    {"Softmax", ops::make_softmax},
    {"Sqrt", ops::make_sqrt},
    {"Sub", ops::make_sub},
    {"Tanh", ops::make_tanh},
    {"Transpose", ops::make_transpose},
    {"Where", ops::make_where},
};
constexpr int kNumOps = sizeof(kOps) / sizeof(kOps[0]);

const char* const* names_table() {
  static const char* names[kNumOps + 1] = {};
  static const bool filled = [] {
    for (int i = 0; i < kNumOps; ++i) names[i] = kOps[i].name;
    return true;
  }();
  (void)filled;
  return names;
}

}  // namespace

KernelFactory find_op(std::string_view op) {
  for (const OpEntry& e : kOps)
    if (op == e.name) return e.factory;
  return nullptr;
}

const char* const* op_names(int* count) {
  if (count) *count = kNumOps;
  return names_table();
}

}  // namespace perch
