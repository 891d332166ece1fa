// perch inspect MODEL [--json]: metadata, inputs/outputs, nodes (with the kernel each runs), weights
// and memory of a model.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/inputs.h"
#include "perch/runtime/model.h"
#include "perch/runtime/model_impl.h"

namespace perch::cli {
namespace {

using json = nlohmann::json;

json shape_json(const Shape& s) {
  json a = json::array();
  for (int d = 0; d < s.rank(); ++d) a.push_back(s[d]);
  return a;
}

// Sum of a weight's values as double: lets tests compare what C++ read with what Python wrote.
double tensor_sum(const Tensor& t) {
  double sum = 0;
  const int64_t n = t.shape.numel();
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case DType::kF32:
        sum += t.as<float>()[i];
        break;
      case DType::kF16:
        break;  // converted to f32 at load; never stored as f16
      case DType::kI32:
        sum += t.as<int32_t>()[i];
        break;
      case DType::kI8:
        sum += t.as<int8_t>()[i];
        break;
      case DType::kU8:
        sum += t.as<uint8_t>()[i];
        break;
    }
  }
  return sum;
}

json io_json(const IoInfo& io) {
  return {{"name", io.name},
          {"dtype", dtype_name(io.dtype)},
          {"shape", shape_json(io.shape)},
          {"max_shape", shape_json(io.max_shape)}};
}

std::string short_value(const std::string& v) {
  if (v.size() <= 120) return v;
  return v.substr(0, 100) + "... (" + std::to_string(v.size()) + " bytes)";
}

// The human-readable listing (`perch inspect MODEL` without --json).
void print_text(const std::string& path, const Model& model, const json& tensors) {
  const Model::Impl& m = model.impl();
  const Graph& g = m.graph;
  std::printf("model %s\n", path.c_str());
  std::printf("task: %s\n", model.task().empty() ? "(none)" : model.task().c_str());
  std::printf("\nmetadata:\n");
  for (const auto& [k, v] : model.all_metadata()) std::printf("  %-16s %s\n", k.c_str(), short_value(v).c_str());
  std::printf("\ninputs:\n");
  for (const auto& io : model.inputs())
    std::printf("  %-16s %-4s %s max %s\n", io.name.c_str(), dtype_name(io.dtype), io.shape.to_string().c_str(),
                io.max_shape.to_string().c_str());
  std::printf("\noutputs:\n");
  for (const auto& io : model.outputs())
    std::printf("  %-16s %-4s %s max %s\n", io.name.c_str(), dtype_name(io.dtype), io.shape.to_string().c_str(),
                io.max_shape.to_string().c_str());
  std::printf("\nnodes (%zu, run order):\n", g.nodes.size());
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const GraphNode& node = g.nodes[n];
    std::string ins, outs;
    for (const auto& s : node.input_names) ins += (ins.empty() ? "" : ", ") + (s.empty() ? std::string("-") : s);
    for (int v : node.outputs)
      outs += (outs.empty() ? "" : ", ") + g.values[static_cast<size_t>(v)].name + " " +
              m.values[static_cast<size_t>(v)].max.shape.to_string();
    std::printf("  %3zu %-16s (%s) -> %s%s  [%s]\n", n, node.op.c_str(), ins.c_str(), outs.c_str(),
                node.attrs.size() == 0 ? "" : ("  " + perch::to_json_text(node.attrs)).c_str(),
                m.kernels[n]->kernel_name());
  }
  std::printf("\nweights (%zu tensors):\n", tensors.size());
  for (const auto& t : tensors)
    std::printf("  %-28s %-4s %-16s %zu bytes\n", t["name"].get<std::string>().c_str(),
                t["dtype"].get<std::string>().c_str(), t["shape"].dump().c_str(), t["bytes"].get<size_t>());
  std::printf("\nweight bytes: %zu\narena bytes:  %zu (intermediates and scratch, %llu before reuse)\n",
              model.weight_bytes(), model.arena_bytes(), static_cast<unsigned long long>(m.planned_value_bytes));
  if (model.kv_cache_bytes())
    std::printf("KV cache bytes: %llu\n", static_cast<unsigned long long>(model.kv_cache_bytes()));
}

int run_inspect(const std::vector<std::string>& args) {
  std::string path;
  bool as_json = false;
  ModelOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json")
      as_json = true;
    else if (a == "--max-arena-bytes") {
      if (i + 1 >= args.size()) return fail("inspect", a + " needs a value");
      Status st = parse_max_arena_bytes(args[++i], &options);
      if (!st.is_ok()) return fail("inspect", st.message());
    } else if (!a.empty() && a[0] == '-')
      return fail("inspect", "unknown option '" + a + "'");
    else if (path.empty())
      path = a;
    else
      return fail("inspect", "more than one model given");
  }
  if (path.empty()) return fail("inspect", "usage: perch inspect MODEL [--json]");
  auto loaded = Model::load_file(path, options);
  if (!loaded.is_ok()) return fail("inspect", path + ": " + loaded.status().to_string());
  const Model& model = *loaded.value();
  const Model::Impl& m = model.impl();
  const Graph& g = m.graph;

  json tensors = json::array();
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (g.values[v].kind != ValueKind::kWeight) continue;
    const Tensor& t = m.weights[static_cast<size_t>(g.values[v].producer)];
    tensors.push_back({{"name", g.values[v].name},
                       {"dtype", dtype_name(t.dtype)},
                       {"shape", shape_json(t.shape)},
                       {"bytes", t.nbytes()},
                       {"sum", tensor_sum(t)}});
  }
  json nodes = json::array();
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const GraphNode& node = g.nodes[n];
    json outs = json::array();
    for (int v : node.outputs)
      outs.push_back({{"name", g.values[static_cast<size_t>(v)].name},
                      {"dtype", dtype_name(m.values[static_cast<size_t>(v)].max.dtype)},
                      {"max_shape", shape_json(m.values[static_cast<size_t>(v)].max.shape)},
                      {"arena_offset", m.values[static_cast<size_t>(v)].arena_offset == kNoArena
                                           ? json(nullptr)
                                           : json(m.values[static_cast<size_t>(v)].arena_offset)}});
    nodes.push_back({{"op", node.op},
                     {"kernel", m.kernels[n]->kernel_name()},
                     {"inputs", node.input_names},
                     {"outputs", outs},
                     {"attrs", json::parse(perch::to_json_text(node.attrs))},
                     {"scratch_bytes", m.scratch_bytes[n]}});
  }
  json inputs = json::array(), outputs = json::array();
  for (const auto& io : model.inputs()) inputs.push_back(io_json(io));
  for (const auto& io : model.outputs()) outputs.push_back(io_json(io));

  if (as_json) {
    json out = {{"metadata", model.all_metadata()},
                {"task", model.task()},
                {"inputs", inputs},
                {"outputs", outputs},
                {"nodes", nodes},
                {"tensors", tensors},
                {"weight_bytes", model.weight_bytes()},
                {"arena_bytes", model.arena_bytes()},
                {"intermediate_bytes_unplanned", m.planned_value_bytes}};
    std::printf("%s\n", out.dump(1).c_str());
    return 0;
  }
  print_text(path, model, tensors);
  return 0;
}

}  // namespace

PERCH_CLI_COMMAND(inspect, "inspect", "inspect MODEL [--json] [--max-arena-bytes N]",
                  "print metadata, inputs/outputs, nodes and sizes", run_inspect);

}  // namespace perch::cli
