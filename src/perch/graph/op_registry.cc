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
    {"Add", ops::make_add},
    {"Attention", ops::make_attention},
    {"Concat", ops::make_concat},
    {"Div", ops::make_div},
    {"EmbeddingBag", ops::make_embedding_bag},
    {"FullyConnected", ops::make_fully_connected},
    {"Gather", ops::make_gather},
    {"Gelu", ops::make_gelu},
    {"LayerNorm", ops::make_layer_norm},
    {"MatMul", ops::make_matmul},
    {"Mul", ops::make_mul},
    {"RMSNorm", ops::make_rms_norm},
    {"ReduceMean", ops::make_reduce_mean},
    {"Relu", ops::make_relu},
    {"Reshape", ops::make_reshape},
    {"Sigmoid", ops::make_sigmoid},
    {"Silu", ops::make_silu},
    {"Slice", ops::make_slice},
    {"Softmax", ops::make_softmax},
    {"Sub", ops::make_sub},
    {"Tanh", ops::make_tanh},
    {"Transpose", ops::make_transpose},
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
