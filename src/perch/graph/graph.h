// Graph: the parsed and validated `perch.graph` of a model. Every value (graph input, weight,
// node output) gets an index; nodes are kept in a topological order. Validation checks the
// structure (names, single producers, no cycles, known ops); shapes are checked by each op's
// shape inference when the model builds its kernels.
#pragma once
#include <string>
#include <vector>

#include "perch/core/dtype.h"
#include "perch/core/shape.h"
#include "perch/core/status.h"
#include "perch/format/json.h"
#include "perch/format/perch_file.h"

namespace perch {

// Largest element count a declared input may have (max_shape); keeps planning sizes sane.
constexpr int64_t kMaxInputElements = int64_t(1) << 30;

struct GraphInput {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;      // -1 marks a dynamic dim
  Shape max_shape;  // == shape where static
};

enum class ValueKind { kInput, kWeight, kNode };

struct GraphValue {
  std::string name;
  ValueKind kind = ValueKind::kNode;
  int producer = -1;    // input index, tensor index in PerchFile::tensors, or node index (topo order)
  int output_slot = 0;  // which output of the producing node
};

struct GraphNode {
  std::string op;
  std::vector<std::string> input_names;  // "" = absent optional input
  std::vector<int> inputs;               // value index, -1 when absent
  std::vector<int> outputs;              // value index
  JsonValue attrs;                       // an object (empty when the file has none)
  int file_index = 0;                    // position in the file's node list, for messages
};

struct Graph {
  std::vector<GraphInput> inputs;
  std::vector<int> input_values;   // value index of each input
  std::vector<int> output_values;  // value index of each graph output
  std::vector<std::string> output_names;
  std::vector<GraphNode> nodes;  // topological order
  std::vector<GraphValue> values;

  int find_value(const std::string& name) const;  // -1 when absent
};

// Parses metadata "perch.graph" (JSON text) against the file's tensors.
Result<Graph> parse_graph(const std::string& graph_json, const PerchFile& file);

// "node 3 (FullyConnected 'logits')" for messages.
std::string describe_node(const GraphNode& node, const Graph& graph);

}  // namespace perch
