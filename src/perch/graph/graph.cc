#include "perch/graph/graph.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>

#include "perch/graph/op.h"

namespace perch {

int Graph::find_value(const std::string& name) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string describe_node(const GraphNode& node, const Graph& graph) {
  std::string s = "node " + std::to_string(node.file_index) + " (" + node.op;
  if (!node.outputs.empty()) s += " -> '" + graph.values[static_cast<size_t>(node.outputs[0])].name + "'";
  return s + ")";
}

namespace {

Status parse_dims(const JsonValue& j, const std::string& where, bool allow_dynamic, Shape* out) {
  if (!j.is_array()) return invalid_model(where + " is not an array");
  if (j.size() > static_cast<size_t>(kMaxRank))
    return invalid_model(where + " has rank " + std::to_string(j.size()) + ", more than " + std::to_string(kMaxRank));
  Shape s;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_integer()) return invalid_model(where + "[" + std::to_string(i) + "] is not an integer");
    const int64_t d = j[i].as_int64();  // clamped when beyond int64
    if (d < (allow_dynamic ? -1 : 0) || d > kMaxInputElements)
      return invalid_model(where + "[" + std::to_string(i) + "] = " + to_json_text(j[i]) + " is out of range");
    s.push_back(d);
  }
  *out = s;
  return Status::ok();
}

Status parse_input(const JsonValue& j, size_t index, GraphInput* in) {
  std::string where = "perch.graph input " + std::to_string(index);
  if (!j.is_object()) return invalid_model(where + " is not an object");
  const JsonValue& name = j.member("name");
  if (!name.is_string() || name.as_string().empty())
    return invalid_model(where + ": 'name' must be a non-empty string");
  in->name = name.as_string();
  where += " '" + in->name + "'";
  const JsonValue& dtype = j.member("dtype");
  if (!dtype.is_string() || !parse_dtype(dtype.as_string(), &in->dtype))
    return invalid_model(where + ": 'dtype' must be one of f32 f16 i32 i8 u8");
  if (!j.contains("shape")) return invalid_model(where + ": missing 'shape'");
  PERCH_RETURN_IF_ERROR(parse_dims(j.member("shape"), where + ": shape", true, &in->shape));
  bool dynamic = false;
  for (int i = 0; i < in->shape.rank(); ++i) dynamic |= in->shape[i] < 0;
  if (j.contains("max_shape")) {
    PERCH_RETURN_IF_ERROR(parse_dims(j.member("max_shape"), where + ": max_shape", false, &in->max_shape));
    if (in->max_shape.rank() != in->shape.rank())
      return invalid_model(where + ": max_shape " + in->max_shape.to_string() + " and shape " + in->shape.to_string() +
                           " differ in rank");
    for (int i = 0; i < in->shape.rank(); ++i)
      if (in->shape[i] >= 0 && in->max_shape[i] != in->shape[i])
        return invalid_model(where + ": max_shape " + in->max_shape.to_string() + " disagrees with static shape " +
                             in->shape.to_string());
  } else {
    if (dynamic)
      return invalid_model(where + ": shape " + in->shape.to_string() + " has dynamic dims but no max_shape");
    in->max_shape = in->shape;
  }
  int64_t n = 0;
  if (!in->max_shape.checked_numel(kMaxInputElements, &n))
    return invalid_model(where + ": max_shape " + in->max_shape.to_string() + " has more than " +
                         std::to_string(kMaxInputElements) + " elements");
  return Status::ok();
}

Status parse_name_list(const JsonValue& j, const std::string& where, bool allow_empty, std::vector<std::string>* out) {
  if (!j.is_array()) return invalid_model(where + " is not an array");
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) return invalid_model(where + "[" + std::to_string(i) + "] is not a string");
    out->push_back(j[i].as_string());
    if (!allow_empty && out->back().empty()) return invalid_model(where + "[" + std::to_string(i) + "] is empty");
  }
  return Status::ok();
}

// The whole text: valid JSON, not too deep, an object with the three arrays.
Status parse_graph_json(const std::string& graph_json, JsonValue* g) {
  JsonParseError error;
  if (!parse_json(graph_json, g, &error)) {
    if (error.too_deep)
      return invalid_model("perch.graph nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return invalid_model("perch.graph is not valid JSON: " + error.describe());
  }
  if (!g->is_object()) return invalid_model("perch.graph is not a JSON object");
  for (const char* field : {"inputs", "outputs", "nodes"})
    if (!g->member(field).is_array())
      return invalid_model(std::string("perch.graph: '") + field + "' must be an array");
  return Status::ok();
}

// Builds a Graph in the steps parse_graph lists; each step reports the first problem it finds.
class GraphBuilder {
 public:
  // Graph inputs, then weights, get the first value indices.
  Status add_inputs(const JsonValue& inputs) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      GraphInput in;
      PERCH_RETURN_IF_ERROR(parse_input(inputs[i], i, &in));
      PERCH_RETURN_IF_ERROR(add_value(in.name, ValueKind::kInput, static_cast<int>(i), 0, "graph input"));
      graph_.input_values.push_back(static_cast<int>(graph_.values.size()) - 1);
      graph_.inputs.push_back(std::move(in));
    }
    return Status::ok();
  }

  Status add_weights(const PerchFile& file) {
    for (size_t t = 0; t < file.tensors.size(); ++t)
      PERCH_RETURN_IF_ERROR(
          add_value(file.tensors[t].name, ValueKind::kWeight, static_cast<int>(t), 0, "weight tensor"));
    return Status::ok();
  }

  // Nodes in file order: their outputs get value indices; inputs stay names until resolve_inputs.
  Status add_nodes(const JsonValue& nodes) {
    file_nodes_.resize(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) PERCH_RETURN_IF_ERROR(add_node(nodes[i], i));
    return Status::ok();
  }

  // Resolves input names now that every producer is known, and counts each node's unsorted producers.
  Status resolve_inputs() {
    consumers_.assign(file_nodes_.size(), {});
    pending_.assign(file_nodes_.size(), 0);
    for (GraphNode& node : file_nodes_) {
      for (const std::string& name : node.input_names) {
        if (name.empty()) {
          node.inputs.push_back(-1);
          continue;
        }
        auto it = by_name_.find(name);
        if (it == by_name_.end())
          return invalid_model("perch.graph node " + std::to_string(node.file_index) + " (" + node.op + "): input '" +
                               name + "' is not a graph input, a weight, or the output of any node");
        node.inputs.push_back(it->second);
        const GraphValue& v = graph_.values[static_cast<size_t>(it->second)];
        if (v.kind == ValueKind::kNode) {
          consumers_[static_cast<size_t>(v.producer)].push_back(node.file_index);
          ++pending_[static_cast<size_t>(node.file_index)];
        }
      }
    }
    return Status::ok();
  }

  // Kahn's algorithm; ties keep file order so the run order is predictable. Then producers are
  // renumbered to topological positions.
  Status sort_nodes() {
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
    for (size_t i = 0; i < file_nodes_.size(); ++i)
      if (pending_[i] == 0) ready.push(static_cast<int>(i));
    std::vector<int> order;
    while (!ready.empty()) {
      const int i = ready.top();
      ready.pop();
      order.push_back(i);
      for (int c : consumers_[static_cast<size_t>(i)])
        if (--pending_[static_cast<size_t>(c)] == 0) ready.push(c);
    }
    if (order.size() != file_nodes_.size()) return invalid_model(describe_cycle());
    std::vector<int> position(file_nodes_.size());
    for (size_t k = 0; k < order.size(); ++k) position[static_cast<size_t>(order[k])] = static_cast<int>(k);
    for (GraphValue& v : graph_.values)
      if (v.kind == ValueKind::kNode) v.producer = position[static_cast<size_t>(v.producer)];
    graph_.nodes.reserve(order.size());
    for (int i : order) graph_.nodes.push_back(std::move(file_nodes_[static_cast<size_t>(i)]));
    return Status::ok();
  }

  // Graph outputs: node outputs, each listed once.
  Status add_outputs(const JsonValue& outputs) {
    std::vector<std::string> outs;
    PERCH_RETURN_IF_ERROR(parse_name_list(outputs, "perch.graph outputs", false, &outs));
    if (outs.empty()) return invalid_model("perch.graph declares no outputs");
    for (const std::string& name : outs) {
      auto it = by_name_.find(name);
      if (it == by_name_.end() || graph_.values[static_cast<size_t>(it->second)].kind != ValueKind::kNode)
        return invalid_model("perch.graph output '" + name + "' is not the output of any node");
      if (std::find(graph_.output_values.begin(), graph_.output_values.end(), it->second) != graph_.output_values.end())
        return invalid_model("perch.graph output '" + name + "' is listed twice");
      graph_.output_values.push_back(it->second);
      graph_.output_names.push_back(name);
    }
    return Status::ok();
  }

  Graph take() { return std::move(graph_); }

 private:
  std::string describe_value(int v) const {
    const GraphValue& gv = graph_.values[static_cast<size_t>(v)];
    switch (gv.kind) {
      case ValueKind::kInput:
        return "graph input";
      case ValueKind::kWeight:
        return "weight tensor";
      case ValueKind::kNode:
        return "node " + std::to_string(gv.producer);
    }
    return std::string();
  }

  Status add_value(const std::string& name, ValueKind kind, int producer, int slot, const std::string& by) {
    auto [it, fresh] = by_name_.emplace(name, static_cast<int>(graph_.values.size()));
    if (!fresh)
      return invalid_model("value '" + name + "' is produced twice (by the " + describe_value(it->second) +
                           " and by the " + by + ")");
    graph_.values.push_back({name, kind, producer, slot});
    return Status::ok();
  }

  Status add_node(const JsonValue& n, size_t i) {
    const std::string where = "perch.graph node " + std::to_string(i);
    GraphNode& node = file_nodes_[i];
    node.file_index = static_cast<int>(i);
    if (!n.is_object()) return invalid_model(where + " is not an object");
    if (!n.member("op").is_string()) return invalid_model(where + ": 'op' must be a string");
    node.op = n.member("op").as_string();
    if (find_op(node.op) == nullptr) return invalid_model(where + ": unknown op '" + node.op + "'");
    if (!n.contains("inputs")) return invalid_model(where + " (" + node.op + "): missing 'inputs'");
    if (!n.contains("outputs")) return invalid_model(where + " (" + node.op + "): missing 'outputs'");
    PERCH_RETURN_IF_ERROR(
        parse_name_list(n.member("inputs"), where + " (" + node.op + "): inputs", true, &node.input_names));
    std::vector<std::string> outs;
    PERCH_RETURN_IF_ERROR(parse_name_list(n.member("outputs"), where + " (" + node.op + "): outputs", false, &outs));
    if (outs.empty()) return invalid_model(where + " (" + node.op + ") has no outputs");
    node.attrs = JsonValue(JsonType::kObject);
    const JsonValue& attrs = n.member("attrs");
    if (!attrs.is_null()) {
      if (!attrs.is_object()) return invalid_model(where + " (" + node.op + "): 'attrs' is not an object");
      node.attrs = attrs;
    }
    for (size_t o = 0; o < outs.size(); ++o) {
      PERCH_RETURN_IF_ERROR(add_value(outs[o], ValueKind::kNode, static_cast<int>(i), static_cast<int>(o),
                                      "node " + std::to_string(i) + " (" + node.op + ")"));
      node.outputs.push_back(static_cast<int>(graph_.values.size()) - 1);
    }
    return Status::ok();
  }

  // Walks back through unsorted producers until a node repeats: that walk is the cycle.
  std::string describe_cycle() const {
    int start = 0;
    while (pending_[static_cast<size_t>(start)] == 0) ++start;
    std::vector<int> path;
    std::vector<int> seen_at(file_nodes_.size(), -1);
    int cur = start;
    while (seen_at[static_cast<size_t>(cur)] < 0) {
      seen_at[static_cast<size_t>(cur)] = static_cast<int>(path.size());
      path.push_back(cur);
      int next = -1;
      for (int v : file_nodes_[static_cast<size_t>(cur)].inputs) {
        if (v < 0) continue;
        const GraphValue& gv = graph_.values[static_cast<size_t>(v)];
        if (gv.kind == ValueKind::kNode && pending_[static_cast<size_t>(gv.producer)] > 0) {
          next = gv.producer;
          break;
        }
      }
      cur = next;
    }
    std::string msg = "perch.graph has a cycle:";
    for (size_t k = static_cast<size_t>(seen_at[static_cast<size_t>(cur)]); k < path.size(); ++k)
      msg += " node " + std::to_string(path[k]) + " (" + file_nodes_[static_cast<size_t>(path[k])].op + ") <-";
    return msg + " node " + std::to_string(cur);
  }

  Graph graph_;
  std::unordered_map<std::string, int> by_name_;
  std::vector<GraphNode> file_nodes_;        // file order until sort_nodes
  std::vector<std::vector<int>> consumers_;  // by file index: the nodes reading its outputs
  std::vector<int> pending_;                 // by file index: producers not yet sorted
};

}  // namespace

Result<Graph> parse_graph(const std::string& graph_json, const PerchFile& file) {
  JsonValue g;
  PERCH_RETURN_IF_ERROR(parse_graph_json(graph_json, &g));
  GraphBuilder b;
  PERCH_RETURN_IF_ERROR(b.add_inputs(g.member("inputs")));
  PERCH_RETURN_IF_ERROR(b.add_weights(file));
  PERCH_RETURN_IF_ERROR(b.add_nodes(g.member("nodes")));
  PERCH_RETURN_IF_ERROR(b.resolve_inputs());
  PERCH_RETURN_IF_ERROR(b.sort_nodes());
  PERCH_RETURN_IF_ERROR(b.add_outputs(g.member("outputs")));
  return b.take();
}

}  // namespace perch
