#include "server/task_handlers.h"

#include "server/http_errors.h"
#include "server/json_body.h"
#include "server/request_context.h"
#include "server/task_runner.h"

namespace perch_server {
namespace {

using nlohmann::json;

constexpr const char* kLanguageDetection = "language-detection";
constexpr const char* kTextSuggestion = "text-suggestion";

// The keys each task endpoint accepts; anything else is refused, so a typo is not ignored.
bool only_known_keys(const json& body, const std::vector<std::string>& known, std::string* error) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool ok = false;
    for (const std::string& k : known) ok |= it.key() == k;
    if (!ok) {
      *error = "unknown field '" + it.key().substr(0, 64) + "'";
      return false;
    }
  }
  return true;
}

void handle_task(ServerContext& ctx, const std::string& task, const char* route,
                 const std::vector<std::string>& param_keys, const httplib::Request& req, httplib::Response& res) {
  request_context().route = route;
  json body;
  if (!parse_json_object_body(req, res, &body)) return;
  std::vector<std::string> known = {"text", "texts", "model"};
  known.insert(known.end(), param_keys.begin(), param_keys.end());
  std::string error;
  if (!only_known_keys(body, known, &error)) return send_error(res, 400, "invalid_field", error);

  LoadedModel* model = nullptr;
  if (body.contains("model")) {
    if (!body["model"].is_string()) {
      return send_error(res, 400, "invalid_field", "\"model\" must be a string");
    }
    model = ctx.registry.find(body["model"].get<std::string>());
    if (model == nullptr || model->model->task() != task) {
      return send_error(res, 404, "model_not_found", "no " + task + " model by that name");
    }
  } else {
    model = ctx.registry.first_with_task(task);
    if (model == nullptr) {
      return send_error(res, 404, "model_not_found", "no " + task + " model is loaded");
    }
  }
  request_context().model = model->name;

  const bool single = body.contains("text");
  if (single == body.contains("texts")) {
    return send_error(res, 400, "invalid_field", "give exactly one of \"text\" or \"texts\"");
  }
  std::vector<std::string> texts;
  if (single) {
    if (!collect_texts(ctx, json::array({body["text"]}), &texts, &error)) {
      return send_error(res, 400, "invalid_text", error);
    }
  } else if (!collect_texts(ctx, body["texts"], &texts, &error)) {
    return send_error(res, 400, "invalid_text", error);
  }
  std::vector<std::string> results;
  if (!run_task_batch(ctx, *model, texts, body, res, &results)) return;
  // The body is exactly what the JS API returns (one result, or an array of them for "texts"),
  // spliced as text so each result is byte for byte the task's to_json.
  std::string reply;
  if (single) {
    reply = results[0];
  } else {
    reply = "[";
    for (size_t i = 0; i < results.size(); ++i) reply += (i ? "," : "") + results[i];
    reply += "]";
  }
  res.status = 200;
  res.set_header("X-Perch-Model", model->name);
  res.set_content(reply, "application/json");
}

}  // namespace

std::vector<TaskOutput> task_outputs(const std::string& task) {
  if (task == kLanguageDetection) return {{"language", "BYTES"}, {"confidence", "FP32"}};
  if (task == kTextSuggestion) return {{"suggestion", "BYTES"}, {"confidence", "FP32"}};
  return {};
}

bool collect_texts(const ServerContext& ctx, const json& data, std::vector<std::string>* texts, std::string* error) {
  if (!data.is_array()) {
    *error = "\"texts\" must be an array of strings";
    return false;
  }
  if (data.empty() || data.size() > static_cast<size_t>(ctx.options.max_batch)) {
    *error = "a batch holds 1 to " + std::to_string(ctx.options.max_batch) + " texts";
    return false;
  }
  for (const json& t : data) {
    if (!t.is_string()) {
      *error = "every text must be a string";
      return false;
    }
    const std::string& s = t.get_ref<const std::string&>();
    if (s.size() > ctx.options.max_text_bytes) {
      *error = "a text is longer than " + std::to_string(ctx.options.max_text_bytes) + " UTF-8 bytes";
      return false;
    }
    texts->push_back(s);
  }
  return true;
}

bool run_task_batch(ServerContext& ctx, LoadedModel& model, const std::vector<std::string>& texts, const json& params,
                    httplib::Response& res, std::vector<std::string>* results) {
  if (!model.task) {
    send_error(res, 400, "not_a_task_model", "model '" + model.name + "' has no task");
    return false;
  }
  AdmissionQueue::Ticket ticket;
  if (!admit_or_refuse(ctx, res, &ticket)) return false;
  perch::Status st = model.task->run(texts, params, results);
  if (!st.is_ok()) {
    send_status_error(res, st);
    return false;
  }
  return true;
}

json task_results_to_v2(const std::string& task, const std::vector<std::string>& result_texts) {
  // Each result is an array of {label key, "confidence"}; see the runners.
  const char* label_key = task == kLanguageDetection ? "detectedLanguage" : "text";
  const std::vector<TaskOutput> outs = task_outputs(task);
  std::vector<json> results;
  size_t k = 0;
  for (const std::string& text : result_texts) {
    results.push_back(json::parse(text, nullptr, false));
    if (!results.back().is_array()) results.back() = json::array();
    k = std::max(k, results.back().size());
  }
  json labels = json::array(), confidences = json::array();
  for (const json& r : results) {
    for (size_t i = 0; i < k; ++i) {
      const bool have = i < r.size();
      const bool well_formed = have && r[i].is_object() && r[i].contains(label_key) && r[i].contains("confidence");
      labels.push_back(well_formed ? r[i][label_key] : json(""));
      confidences.push_back(well_formed ? r[i]["confidence"] : json(0.0));
    }
  }
  const json shape = {results.size(), k};
  return json::array({{{"name", outs[0].name}, {"datatype", "BYTES"}, {"shape", shape}, {"data", labels}},
                      {{"name", outs[1].name}, {"datatype", "FP32"}, {"shape", shape}, {"data", confidences}}});
}

void register_task_routes(httplib::Server& server, ServerContext& ctx) {
  server.Post("/v1/language:detect", [&](const httplib::Request& req, httplib::Response& res) {
    handle_task(ctx, kLanguageDetection, "v1_language_detect", {"top"}, req, res);
  });
  server.Post("/v1/text:suggest", [&](const httplib::Request& req, httplib::Response& res) {
    handle_task(ctx, kTextSuggestion, "v1_text_suggest", {"count", "maxWords"}, req, res);
  });
}

}  // namespace perch_server
