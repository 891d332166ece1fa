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
    case perch::DType::kF32:
      return "FP32";
    case perch::DType::kF16:
      return "FP16";
    case perch::DType::kI32:
      return "INT32";
    case perch::DType::kI8:
      return "INT8";
    case perch::DType::kU8:
      return "UINT8";
  }
  return "FP32";
}

// Every tensor datatype of the protocol. A request may send any of them for a model input; each
// value is converted to the input's dtype when it fits there (range, and exactness for integers),
// otherwise the answer is a 400 naming the input.
enum class Wire { kBool, kU8, kU16, kU32, kU64, kI8, kI16, kI32, kI64, kF16, kF32, kF64, kBytes };

struct WireType {
  const char* name;
  Wire wire;
};

constexpr WireType kWireTypes[] = {
    {"BOOL", Wire::kBool},   {"UINT8", Wire::kU8}, {"UINT16", Wire::kU16}, {"UINT32", Wire::kU32},
    {"UINT64", Wire::kU64},  {"INT8", Wire::kI8},  {"INT16", Wire::kI16},  {"INT32", Wire::kI32},
    {"INT64", Wire::kI64},   {"FP16", Wire::kF16}, {"FP32", Wire::kF32},   {"FP64", Wire::kF64},
    {"BYTES", Wire::kBytes},
};

bool parse_wire_type(const std::string& name, Wire* out) {
  for (const WireType& t : kWireTypes) {
    if (name == t.name) {
      *out = t.wire;
      return true;
    }
  }
  return false;
}

bool is_integer_wire(Wire w) {
  return w == Wire::kU8 || w == Wire::kU16 || w == Wire::kU32 || w == Wire::kU64 || w == Wire::kI8 || w == Wire::kI16 ||
         w == Wire::kI32 || w == Wire::kI64;
}

// The value of one JSON element as a `w` datum, or false (with why) when it is not one.
bool wire_value(const json& v, Wire w, double* out, std::string* why) {
  if (w == Wire::kBool) {
    if (!v.is_boolean()) {
      *why = "BOOL data must be true or false";
      return false;
    }
    *out = v.get<bool>() ? 1.0 : 0.0;
    return true;
  }
  if (!v.is_number()) {
    *why = "data must be numbers";
    return false;
  }
  if (is_integer_wire(w)) {
    double lo = 0, hi = 0;
    switch (w) {
      case Wire::kU8:
        hi = 255;
        break;
      case Wire::kU16:
        hi = 65535;
        break;
      case Wire::kU32:
        hi = 4294967295.0;
        break;
      case Wire::kU64:
        hi = 18446744073709551615.0;
        break;
      case Wire::kI8:
        lo = -128;
        hi = 127;
        break;
      case Wire::kI16:
        lo = -32768;
        hi = 32767;
        break;
      case Wire::kI32:
        lo = -2147483648.0;
        hi = 2147483647.0;
        break;
      default:
        lo = -9223372036854775808.0;
        hi = 9223372036854775807.0;
        break;
    }
    const double d = v.is_number_unsigned()  ? static_cast<double>(v.get<uint64_t>())
                     : v.is_number_integer() ? static_cast<double>(v.get<int64_t>())
                                             : v.get<double>();
    if (std::floor(d) != d || d < lo || d > hi) {
      *why = "values must be integers in the datatype's range";
      return false;
    }
    *out = d;
    return true;
  }
  const double d = v.get<double>();
  const double max = w == Wire::kF16   ? 65504.0
                     : w == Wire::kF32 ? std::numeric_limits<float>::max()
                                       : std::numeric_limits<double>::max();
  if (!(std::fabs(d) <= max)) {
    *why = "values must be finite numbers in the datatype's range";
    return false;
  }
  *out = d;
  return true;
}

// Whether `v` (a datum of wire type `from`) fits the model dtype `to`: in range, and integral for
// integer dtypes; an integer sent to a float input must be represented exactly.
bool fits(double v, Wire from, perch::DType to) {
  const bool exact = from != Wire::kF16 && from != Wire::kF32 && from != Wire::kF64;
  switch (to) {
    case perch::DType::kF32:
      if (!(std::fabs(v) <= std::numeric_limits<float>::max())) return false;
      return !exact || static_cast<double>(static_cast<float>(v)) == v;
    case perch::DType::kF16:
      if (!(std::fabs(v) <= 65504.0)) return false;
      return !exact || static_cast<double>(perch::f16_to_f32(perch::f32_to_f16(static_cast<float>(v)))) == v;
    case perch::DType::kI32:
      return std::floor(v) == v && v >= -2147483648.0 && v <= 2147483647.0;
    case perch::DType::kI8:
      return std::floor(v) == v && v >= -128 && v <= 127;
    case perch::DType::kU8:
      return std::floor(v) == v && v >= 0 && v <= 255;
  }
  return false;
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
  if (name.size() > kSuffix.size() && name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    if (LoadedModel* m = ctx.registry.find(name.substr(0, name.size() - kSuffix.size()))) {
      t.model = m;
      t.raw_graph = true;
    }
  }
  return t;
}

bool find_target(ServerContext& ctx, const httplib::Request& req, httplib::Response& res, Target* out) {
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
      inputs.push_back({{"name", io.name}, {"datatype", v2_datatype(io.dtype)}, {"shape", shape_json(io.shape)}});
    }
    for (const perch::IoInfo& io : model.outputs()) {
      outputs.push_back({{"name", io.name}, {"datatype", v2_datatype(io.dtype)}, {"shape", shape_json(io.shape)}});
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

// A request tensor converted to the model's dtype, owning its bytes.
struct InputBuffer {
  std::string name;
  perch::Tensor tensor;
  std::vector<uint8_t> bytes;
};

// Flattens (possibly nested) JSON arrays into `out`, row-major. False past `limit` elements or
// too deep.
bool flatten_data(const json& data, size_t limit, std::vector<const json*>* out, int depth = 0) {
  if (depth > kMaxJsonDepth) return false;
  if (!data.is_array()) {
    if (out->size() >= limit) return false;
    out->push_back(&data);
    return true;
  }
  for (const json& v : data) {
    if (!flatten_data(v, limit, out, depth + 1)) return false;
  }
  return true;
}

// A request tensor's "data": present and, flattened, exactly `numel` values (`what`: "elements",
// or "strings, as the shape says" for BYTES).
bool read_data_values(const json& in, const std::string& where, int64_t numel, const char* what,
                      std::vector<const json*>* values, std::string* error) {
  if (!in.contains("data")) {
    *error = where + "needs \"data\"";
    return false;
  }
  if (!flatten_data(in["data"], static_cast<size_t>(numel), values) || values->size() != static_cast<size_t>(numel)) {
    *error = where + "\"data\" must hold exactly " + std::to_string(numel) + " " + what;
    return false;
  }
  return true;
}

// A request tensor's shape, checked: non-negative integers, rank and element count bounded.
bool parse_shape(const json& in, const std::string& where, size_t max_elements, perch::Shape* s, int64_t* numel,
                 std::string* error) {
  if (!in.contains("shape") || !in["shape"].is_array()) {
    *error = where + "needs a \"shape\" array";
    return false;
  }
  const json& shape = in["shape"];
  if (shape.size() > static_cast<size_t>(perch::kMaxRank)) {
    *error = where + "rank above " + std::to_string(perch::kMaxRank);
    return false;
  }
  for (const json& d : shape) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) {
      *error = where + "shape entries must be non-negative integers";
      return false;
    }
    s->push_back(d.get<int64_t>());
  }
  if (!s->checked_numel(static_cast<int64_t>(max_elements), numel)) {
    *error = where + "shape has more than " + std::to_string(max_elements) + " elements";
    return false;
  }
  return true;
}

bool convert_input(const json& in, const perch::IoInfo& io, size_t max_elements, InputBuffer* out, std::string* error) {
  const std::string where = "input '" + io.name + "': ";
  if (!in.contains("datatype") || !in["datatype"].is_string()) {
    *error = where + "needs a string \"datatype\"";
    return false;
  }
  Wire wire;
  if (!parse_wire_type(in["datatype"].get<std::string>(), &wire)) {
    *error = where + "unknown datatype '" + in["datatype"].get<std::string>().substr(0, 16) +
             "' (BOOL, UINT8/16/32/64, INT8/16/32/64, FP16, FP32, FP64, BYTES)";
    return false;
  }
  if (wire == Wire::kBytes) {
    *error = where + "BYTES cannot feed a " + v2_datatype(io.dtype) + " input";
    return false;
  }
  perch::Shape s;
  int64_t numel = 0;
  if (!parse_shape(in, where, max_elements, &s, &numel, error)) return false;
  std::vector<const json*> values;
  if (!read_data_values(in, where, numel, "elements", &values, error)) return false;
  const perch::DType dtype = io.dtype;
  out->name = io.name;
  out->bytes.resize(static_cast<size_t>(numel) * perch::dtype_size(dtype) + 1);
  for (size_t i = 0; i < values.size(); ++i) {
    double v = 0;
    std::string why;
    if (!wire_value(*values[i], wire, &v, &why)) {
      *error = where + in["datatype"].get<std::string>() + " " + why;
      return false;
    }
    if (!fits(v, wire, dtype)) {
      *error = where + "a value does not fit the input's datatype " + v2_datatype(dtype);
      return false;
    }
    switch (dtype) {
      case perch::DType::kF32: {
        float f = static_cast<float>(v);
        std::memcpy(out->bytes.data() + 4 * i, &f, 4);
        break;
      }
      case perch::DType::kF16: {
        uint16_t h = perch::f32_to_f16(static_cast<float>(v));
        std::memcpy(out->bytes.data() + 2 * i, &h, 2);
        break;
      }
      case perch::DType::kI32: {
        int32_t x = static_cast<int32_t>(v);
        std::memcpy(out->bytes.data() + 4 * i, &x, 4);
        break;
      }
      case perch::DType::kI8:
        out->bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(v));
        break;
      case perch::DType::kU8:
        out->bytes[i] = static_cast<uint8_t>(v);
        break;
    }
  }
  out->tensor.dtype = dtype;
  out->tensor.shape = s;
  out->tensor.data = out->bytes.data();
  return true;
}

// JSON has no NaN or infinities: they are written as the bare tokens NaN, Infinity and
// -Infinity, as Triton does and Python's json module (KServe's and Triton's clients) reads.
// Here they are placeholder strings, replaced in the serialised answer by dump_v2().
const char kNonFinite[] = "\x01perch-nonfinite:";

json number_json(double v) {
  if (std::isfinite(v)) return v;
  return std::string(kNonFinite) + (std::isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
}

std::string dump_v2(const json& reply) {
  std::string text = dump_json(reply);
  static const std::string kQuoted = std::string("\"\\u0001perch-nonfinite:");
  for (size_t at = text.find(kQuoted); at != std::string::npos; at = text.find(kQuoted, at)) {
    const size_t end = text.find('"', at + kQuoted.size());
    if (end == std::string::npos) break;
    text.replace(at, end + 1 - at, text.substr(at + kQuoted.size(), end - at - kQuoted.size()));
  }
  return text;
}

void send_v2(httplib::Response& res, const json& reply) {
  res.status = 200;
  res.set_content(dump_v2(reply), "application/json");
}

json output_json(const std::string& name, const perch::Tensor& t) {
  json data = json::array();
  const int64_t n = t.shape.numel();
  const char* datatype = v2_datatype(t.dtype);
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case perch::DType::kF32:
        data.push_back(number_json(t.as<float>()[i]));
        break;
      case perch::DType::kF16:
        data.push_back(number_json(perch::f16_to_f32(t.as<uint16_t>()[i])));
        break;
      case perch::DType::kI32:
        data.push_back(t.as<int32_t>()[i]);
        break;
      case perch::DType::kI8:
        data.push_back(static_cast<int>(t.as<int8_t>()[i]));
        break;
      case perch::DType::kU8:
        data.push_back(static_cast<int>(t.as<uint8_t>()[i]));
        break;
    }
  }
  return {{"name", name}, {"datatype", datatype}, {"shape", shape_json(t.shape)}, {"data", std::move(data)}};
}

// Which outputs the request asked for (all when it names none). False on an unknown name.
bool requested_outputs(const json& body, const std::vector<std::string>& available, std::vector<std::string>* out,
                       std::string* error) {
  if (!body.contains("outputs")) {
    *out = available;
    return true;
  }
  const json& outs = body["outputs"];
  if (!outs.is_array()) {
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
    for (const std::string& seen : *out) {
      if (seen == name) {
        *error = "output '" + name + "' requested twice";
        return false;
      }
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
    send_error(
        res, 400, "invalid_input",
        "the model needs " + std::to_string(model.inputs().size()) + " inputs; see GET /v2/models/" + model_name);
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
  send_v2(res, reply);
}

// A task model's one input, "text": BYTES, any shape holding N strings ([N], [1, 1], [N, 1],
// [1, N]), data flat or nested ([["text"]]).
bool task_texts(const ServerContext& ctx, const json& inputs, std::vector<std::string>* texts, std::string* error) {
  if (inputs.size() != 1 || !inputs[0].is_object() || !inputs[0].contains("name") || inputs[0]["name"] != "text") {
    *error = "a task model takes one BYTES input named \"text\"";
    return false;
  }
  const json& in = inputs[0];
  const std::string where = "input 'text': ";
  if (!in.contains("datatype") || in["datatype"] != "BYTES") {
    *error = where + "datatype must be BYTES";
    return false;
  }
  perch::Shape s;
  int64_t numel = 0;
  if (!parse_shape(in, where, static_cast<size_t>(ctx.options.max_batch), &s, &numel, error)) {
    *error = where + "shape must hold 1 to " + std::to_string(ctx.options.max_batch) + " strings";
    return false;
  }
  int non_unit = 0;
  for (int i = 0; i < s.rank(); ++i) non_unit += s[i] != 1;
  if (s.rank() < 1 || s.rank() > 2 || non_unit > 1) {
    *error = where + "shape must be [N], [N, 1] or [1, N]";
    return false;
  }
  std::vector<const json*> values;
  if (!read_data_values(in, where, numel, "strings, as the shape says", &values, error)) return false;
  json flat = json::array();
  for (const json* v : values) flat.push_back(*v);
  if (!collect_texts(ctx, flat, texts, error)) {
    *error = where + *error;
    return false;
  }
  return true;
}

void infer_task(ServerContext& ctx, LoadedModel& m, const json& body, httplib::Response& res) {
  std::vector<std::string> texts;
  std::string error;
  if (!task_texts(ctx, body["inputs"], &texts, &error)) {
    send_error(res, 400, "invalid_input", error);
    return;
  }
  std::vector<std::string> available, wanted;
  for (const TaskOutput& o : task_outputs(m.model->task())) available.push_back(o.name);
  if (!requested_outputs(body, available, &wanted, &error)) {
    send_error(res, 400, "invalid_output", error);
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
  json all = task_results_to_v2(m.model->task(), reply_outputs);
  json outputs = json::array();
  for (const std::string& name : wanted) {
    for (const json& o : all) {
      if (o["name"] == name) outputs.push_back(o);
    }
  }
  json reply = {{"model_name", m.name}, {"model_version", "1"}, {"outputs", outputs}};
  if (body.contains("id") && body["id"].is_string()) reply["id"] = body["id"];
  send_v2(res, reply);
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
  if (t.raw_graph)
    infer_raw(ctx, *t.model, body, name, res);
  else
    infer_task(ctx, *t.model, body, res);
}

}  // namespace

void register_v2_routes(httplib::Server& server, ServerContext& ctx) {
  auto server_metadata = [&](const httplib::Request&, httplib::Response& res) {
    request_context().route = "v2_server_metadata";
    send_json(res, {{"name", "perch-server"}, {"version", "1"}, {"extensions", json::array()}});
  };
  server.Get("/v2", server_metadata);
  server.Get("/v2/", server_metadata);
  server.Get("/v2/health/live", [&](const httplib::Request&, httplib::Response& res) {
    request_context().route = "v2_health_live";
    send_json(res, {{"live", true}});
  });
  server.Get("/v2/health/ready", [&](const httplib::Request&, httplib::Response& res) {
    request_context().route = "v2_health_ready";
    if (ctx.ready.load())
      send_json(res, {{"ready", true}});
    else
      send_error(res, 503, "not_ready", "the server is starting or shutting down");
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
    if (find_target(ctx, req, res, &t))
      send_json(res, {{"name", std::string(req.matches[1])}, {"ready", ctx.ready.load()}});
  });
  server.Post(model + "/infer",
              [&](const httplib::Request& req, httplib::Response& res) { handle_infer(ctx, req, res); });
}

}  // namespace perch_server
