#include "server/v2_protocol.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "perch/core/dtype.h"
#include "server/http_errors.h"
#include "server/json_body.h"
#include "server/request_context.h"
#include "server/task_handlers.h"

namespace perch_server {
namespace {

using nlohmann::json;

const char* v2_datatype(perch::DType t) {
  switch (t) {
    case perch::DType::kF32: return "FP32";
    case perch::DType::kF16: return "FP16";
    case perch::DType::kI32: return "INT32";
    case perch::DType::kI8: return "INT8";
    case perch::DType::kU8: return "UINT8";
  }
  return "FP32";
}

bool parse_v2_datatype(const std::string& name, perch::DType* out) {
  if (name == "FP32") *out = perch::DType::kF32;
  else if (name == "FP16") *out = perch::DType::kF16;
  else if (name == "INT32") *out = perch::DType::kI32;
  else if (name == "INT8") *out = perch::DType::kI8;
  else if (name == "UINT8") *out = perch::DType::kU8;
  else return false;
  return true;
}

json shape_json(const perch::Shape& s) {
  json a = json::array();
  for (int i = 0; i < s.rank(); ++i) a.push_back(s[i]);
  return a;
}

// Which interface a URL's model name selects.
struct Target {
  LoadedModel* model = nullptr;
  bool raw_graph = false;
};

Target resolve(ServerContext& ctx, const std::string& name) {
  Target t;
  if (LoadedModel* m = ctx.registry.find(name)) {
    t.model = m;
    t.raw_graph = m->model->task().empty();
    return t;
  }
  static const std::string kSuffix = ".graph";
  if (name.size() > kSuffix.size() &&
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    if (LoadedModel* m = ctx.registry.find(name.substr(0, name.size() - kSuffix.size()))) {
      t.model = m;
      t.raw_graph = true;
    }
  }
  return t;
}

bool find_target(ServerContext& ctx, const httplib::Request& req, httplib::Response& res,
                 Target* out) {
  const std::string name = req.matches.size() > 1 ? std::string(req.matches[1]) : std::string();
  *out = resolve(ctx, name);
  if (out->model == nullptr) {
    send_error(res, 404, "model_not_found", "no model named '" + name.substr(0, 64) + "'");
    return false;
  }
  if (req.matches.size() > 2 && req.matches[2].matched) {
    const std::string version = req.matches[2];
    if (version != "1") {
      send_error(res, 404, "version_not_found", "model versions: only \"1\"");
      return false;
    }
  }
  request_context().model = out->model->name;
  return true;
}

json model_metadata(const Target& t) {
  json meta = json::object();
  const perch::Model& model = *t.model->model;
  meta["name"] = t.raw_graph && !model.task().empty() ? t.model->name + ".graph" : t.model->name;
  meta["versions"] = json::array({"1"});
  meta["platform"] = "perch";
  json inputs = json::array(), outputs = json::array();
  if (t.raw_graph) {
    for (const perch::IoInfo& io : model.inputs()) {
      inputs.push_back({{"name", io.name}, {"datatype", v2_datatype(io.dtype)},
                        {"shape", shape_json(io.shape)}});
    }
    for (const perch::IoInfo& io : model.outputs()) {
      outputs.push_back({{"name", io.name}, {"datatype", v2_datatype(io.dtype)},
                         {"shape", shape_json(io.shape)}});
    }
  } else {
    inputs.push_back({{"name", "text"}, {"datatype", "BYTES"}, {"shape", {-1}}});
    for (const TaskOutput& o : task_outputs(model.task())) {
      outputs.push_back({{"name", o.name}, {"datatype", o.datatype}, {"shape", {-1, -1}}});
    }
    meta["parameters"] = {{"task", model.task()}};
  }
  meta["inputs"] = inputs;
  meta["outputs"] = outputs;
  return meta;
}

// Flattens (possibly nested) JSON arrays of numbers into `out` as doubles. False on a non-number
// or more than `limit` elements.
bool flatten_numbers(const json& data, size_t limit, std::vector<double>* out, int depth = 0) {
  if (depth > kMaxJsonDepth) return false;
  if (data.is_number()) {
    if (out->size() >= limit) return false;
    out->push_back(data.get<double>());
    return true;
  }
  if (!data.is_array()) return false;
  for (const json& v : data) {
    if (!flatten_numbers(v, limit, out, depth + 1)) return false;
  }
  return true;
}

// A request tensor converted to the model's dtype, owning its bytes.
struct InputBuffer {
  std::string name;
  perch::Tensor tensor;
  std::vector<uint8_t> bytes;
};

bool convert_input(const json& in, const perch::IoInfo& io, size_t max_elements,
                   InputBuffer* out, std::string* error) {
  const std::string where = "input '" + io.name + "': ";
  if (!in.contains("datatype") || !in["datatype"].is_string()) {
    *error = where + "needs a string \"datatype\"";
    return false;
  }
  perch::DType dtype;
  if (!parse_v2_datatype(in["datatype"].get<std::string>(), &dtype)) {
    *error = where + "unsupported datatype (FP32, FP16, INT32, INT8, UINT8)";
    return false;
  }
  if (dtype != io.dtype) {
    *error = where + "datatype must be " + v2_datatype(io.dtype);
    return false;
  }
  if (!in.contains("shape") || !in["shape"].is_array()) {
    *error = where + "needs a \"shape\" array";
    return false;
  }
  const json& shape = in["shape"];
  if (shape.size() > static_cast<size_t>(perch::kMaxRank)) {
    *error = where + "rank above " + std::to_string(perch::kMaxRank);
    return false;
  }
  perch::Shape s;
  for (const json& d : shape) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) {
      *error = where + "shape entries must be non-negative integers";
      return false;
    }
    s.push_back(d.get<int64_t>());
  }
  int64_t numel = 0;
  if (!s.checked_numel(static_cast<int64_t>(max_elements), &numel)) {
    *error = where + "shape has more than " + std::to_string(max_elements) + " elements";
    return false;
  }
  if (!in.contains("data")) {
    *error = where + "needs \"data\"";
    return false;
  }
  std::vector<double> values;
  if (!flatten_numbers(in["data"], static_cast<size_t>(numel), &values) ||
      values.size() != static_cast<size_t>(numel)) {
    *error = where + "\"data\" must hold exactly " + std::to_string(numel) + " numbers";
    return false;
  }
  out->name = io.name;
  out->bytes.resize(static_cast<size_t>(numel) * perch::dtype_size(dtype) + 1);
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    auto integer_in = [&](double lo, double hi) {
      return std::floor(v) == v && v >= lo && v <= hi;
    };
    switch (dtype) {
      case perch::DType::kF32: {
        if (!(std::fabs(v) <= std::numeric_limits<float>::max())) {
          *error = where + "value out of FP32 range";
          return false;
        }
        float f = static_cast<float>(v);
        std::memcpy(out->bytes.data() + 4 * i, &f, 4);
        break;
      }
      case perch::DType::kF16: {
        if (!(std::fabs(v) <= 65504.0)) {
          *error = where + "value out of FP16 range";
          return false;
        }
        uint16_t h = perch::f32_to_f16(static_cast<float>(v));
        std::memcpy(out->bytes.data() + 2 * i, &h, 2);
        break;
      }
      case perch::DType::kI32: {
        if (!integer_in(-2147483648.0, 2147483647.0)) {
          *error = where + "INT32 values must be integers in range";
          return false;
        }
        int32_t x = static_cast<int32_t>(v);
        std::memcpy(out->bytes.data() + 4 * i, &x, 4);
        break;
      }
      case perch::DType::kI8: {
        if (!integer_in(-128, 127)) {
          *error = where + "INT8 values must be integers in [-128, 127]";
          return false;
        }
        out->bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(v));
        break;
      }
      case perch::DType::kU8: {
        if (!integer_in(0, 255)) {
          *error = where + "UINT8 values must be integers in [0, 255]";
          return false;
        }
        out->bytes[i] = static_cast<uint8_t>(v);
        break;
      }
    }
  }
  out->tensor.dtype = dtype;
  out->tensor.shape = s;
  out->tensor.data = out->bytes.data();
  return true;
}

json output_json(const std::string& name, const perch::Tensor& t) {
  json data = json::array();
  const int64_t n = t.shape.numel();
  const char* datatype = v2_datatype(t.dtype);
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case perch::DType::kF32: data.push_back(t.as<float>()[i]); break;
      case perch::DType::kF16: data.push_back(perch::f16_to_f32(t.as<uint16_t>()[i])); break;
      case perch::DType::kI32: data.push_back(t.as<int32_t>()[i]); break;
      case perch::DType::kI8: data.push_back(static_cast<int>(t.as<int8_t>()[i])); break;
      case perch::DType::kU8: data.push_back(static_cast<int>(t.as<uint8_t>()[i])); break;
    }
  }
  if (t.dtype == perch::DType::kF16) datatype = "FP32";  // sent as numbers either way
  return {{"name", name}, {"datatype", datatype}, {"shape", shape_json(t.shape)},
          {"data", std::move(data)}};
}

// Which outputs the request asked for (all when it names none). False on an unknown name.
bool requested_outputs(const json& body, const std::vector<std::string>& available,
                       std::vector<std::string>* out, std::string* error) {
  if (!body.contains("outputs")) {
    *out = available;
    return true;
  }
  const json& outs = body["outputs"];
  if (!outs.is_array() || outs.size() > available.size()) {
    *error = "\"outputs\" must be an array of {\"name\": ...} naming model outputs";
    return false;
  }
  for (const json& o : outs) {
    if (!o.is_object() || !o.contains("name") || !o["name"].is_string()) {
      *error = "each \"outputs\" entry needs a string \"name\"";
      return false;
    }
    const std::string name = o["name"].get<std::string>();
    bool known = false;
    for (const std::string& a : available) known |= a == name;
    if (!known) {
      *error = "unknown output '" + name.substr(0, 64) + "'";
      return false;
    }
    out->push_back(name);
  }
  return true;
}

void infer_raw(ServerContext& ctx, LoadedModel& m, const json& body, const std::string& model_name,
               httplib::Response& res) {
  const json& inputs = body["inputs"];
  const perch::Model& model = *m.model;
  std::vector<InputBuffer> buffers;
  std::string error;
  for (const json& in : inputs) {
    if (!in.is_object() || !in.contains("name") || !in["name"].is_string()) {
      send_error(res, 400, "invalid_input", "each input needs a string \"name\"");
      return;
    }
    const std::string name = in["name"].get<std::string>();
    const perch::IoInfo* io = nullptr;
    for (const perch::IoInfo& candidate : model.inputs()) {
      if (candidate.name == name) io = &candidate;
    }
    if (io == nullptr) {
      send_error(res, 400, "invalid_input", "the model has no input '" + name.substr(0, 64) + "'");
      return;
    }
    for (const InputBuffer& b : buffers) {
      if (b.name == name) {
        send_error(res, 400, "invalid_input", "input '" + name + "' given twice");
        return;
      }
    }
    InputBuffer buffer;
    if (!convert_input(in, *io, ctx.options.max_tensor_elements, &buffer, &error)) {
      send_error(res, 400, "invalid_input", error);
      return;
    }
    buffers.push_back(std::move(buffer));
  }
  if (buffers.size() != model.inputs().size()) {
    send_error(res, 400, "invalid_input", "the model needs " +
               std::to_string(model.inputs().size()) + " inputs; see GET /v2/models/" +
               model_name);
    return;
  }
  std::vector<std::string> available, wanted;
  for (const perch::IoInfo& io : model.outputs()) available.push_back(io.name);
  if (!requested_outputs(body, available, &wanted, &error)) {
    send_error(res, 400, "invalid_output", error);
    return;
  }

  AdmissionQueue::Ticket ticket;
  if (!admit_or_refuse(ctx, res, &ticket)) return;
  ObjectPool<perch::Session>::Lease session;
  perch::Status st = m.sessions->acquire(&session);
  if (!st.is_ok()) return send_status_error(res, st);
  session->kv_cache().reset();  // the server is stateless: every request starts fresh
  for (const InputBuffer& b : buffers) {
    st = session->set_input(b.name, b.tensor);
    if (!st.is_ok()) return send_status_error(res, st);
  }
  st = session->run();
  if (!st.is_ok()) return send_status_error(res, st);
  json outputs = json::array();
  for (const std::string& name : wanted) {
    auto out = session->output(name);
    if (!out.is_ok()) return send_status_error(res, out.status());
    outputs.push_back(output_json(name, out.value()));
  }
  json reply = {{"model_name", model_name}, {"model_version", "1"}, {"outputs", outputs}};
  if (body.contains("id") && body["id"].is_string()) reply["id"] = body["id"];
  send_json(res, reply);
}

void infer_task(ServerContext& ctx, LoadedModel& m, const json& body, httplib::Response& res) {
  const json& inputs = body["inputs"];
  if (inputs.size() != 1 || !inputs[0].is_object() || !inputs[0].contains("name") ||
      inputs[0]["name"] != "text") {
    send_error(res, 400, "invalid_input", "a task model takes one BYTES input named \"text\"");
    return;
  }
  const json& in = inputs[0];
  if (!in.contains("datatype") || in["datatype"] != "BYTES") {
    send_error(res, 400, "invalid_input", "input 'text' must have datatype BYTES");
    return;
  }
  if (!in.contains("data") || !in["data"].is_array()) {
    send_error(res, 400, "invalid_input", "input 'text' needs a \"data\" array of strings");
    return;
  }
  std::vector<std::string> texts;
  std::string error;
  if (!collect_texts(ctx, in["data"], &texts, &error)) {
    send_error(res, 400, "invalid_input", error);
    return;
  }
  if (!in.contains("shape") || !in["shape"].is_array() || in["shape"].size() != 1 ||
      !in["shape"][0].is_number_integer() || in["shape"][0].get<int64_t>() !=
      static_cast<int64_t>(texts.size())) {
    send_error(res, 400, "invalid_input", "input 'text' needs shape [number of strings]");
    return;
  }
  static const json kEmpty = json::object();
  const json& params = body.contains("parameters") ? body["parameters"] : kEmpty;
  if (!params.is_object()) {
    send_error(res, 400, "invalid_parameters", "\"parameters\" must be an object");
    return;
  }
  std::vector<std::string> reply_outputs;
  if (!run_task_batch(ctx, m, texts, params, res, &reply_outputs)) return;
  json reply = {{"model_name", m.name}, {"model_version", "1"},
                {"outputs", task_results_to_v2(m.model->task(), reply_outputs)}};
  if (body.contains("id") && body["id"].is_string()) reply["id"] = body["id"];
  send_json(res, reply);
}

void handle_infer(ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
  request_context().route = "v2_infer";
  Target t;
  if (!find_target(ctx, req, res, &t)) return;
  json body;
  if (!parse_json_object_body(req, res, &body)) return;
  if (!body.contains("inputs") || !body["inputs"].is_array() || body["inputs"].empty()) {
    send_error(res, 400, "invalid_input", "the body needs a non-empty \"inputs\" array");
    return;
  }
  const std::string name = std::string(req.matches[1]);
  if (t.raw_graph) infer_raw(ctx, *t.model, body, name, res);
  else infer_task(ctx, *t.model, body, res);
}

}  // namespace

void register_v2_routes(httplib::Server& server, ServerContext& ctx) {
  server.Get("/v2", [&](const httplib::Request&, httplib::Response& res) {
    request_context().route = "v2_server_metadata";
    send_json(res, {{"name", "perch-server"}, {"version", "1"}, {"extensions", json::array()}});
  });
  server.Get("/v2/health/live", [&](const httplib::Request&, httplib::Response& res) {
    request_context().route = "v2_health_live";
    send_json(res, {{"live", true}});
  });
  server.Get("/v2/health/ready", [&](const httplib::Request&, httplib::Response& res) {
    request_context().route = "v2_health_ready";
    if (ctx.ready.load()) send_json(res, {{"ready", true}});
    else send_error(res, 503, "not_ready", "the server is starting or shutting down");
  });
  const std::string model = "/v2/models/([^/]+)(?:/versions/([^/]+))?";
  server.Get(model, [&](const httplib::Request& req, httplib::Response& res) {
    request_context().route = "v2_model_metadata";
    Target t;
    if (find_target(ctx, req, res, &t)) send_json(res, model_metadata(t));
  });
  server.Get(model + "/ready", [&](const httplib::Request& req, httplib::Response& res) {
    request_context().route = "v2_model_ready";
    Target t;
    if (find_target(ctx, req, res, &t)) send_json(res, {{"name", std::string(req.matches[1])},
                                                        {"ready", ctx.ready.load()}});
  });
  server.Post(model + "/infer", [&](const httplib::Request& req, httplib::Response& res) {
    handle_infer(ctx, req, res);
  });
}

}  // namespace perch_server
