// The task endpoints (same JSON as the JS API) and the task side of v2 infer:
//   POST /v1/language:detect {"text", "top"}              or {"texts": [...], "top"}
//   POST /v1/text:suggest    {"text", "count", "maxWords"} or {"texts": [...], ...}
// answer the JS API's result for "text" ([{"detectedLanguage","confidence"}...] or
// [{"text","confidence"}...]) and an array of those for "texts"; "model" picks a model by name
// (default: the first of the task), and the X-Perch-Model header names the model that answered.
// Each request is stateless: it borrows a task object from the model's pool for its duration.
#pragma once
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/server_context.h"

namespace perch_server {

struct TaskOutput {
  const char* name;
  const char* datatype;
};
// The v2 outputs of a task model ("language-detection": language BYTES, confidence FP32).
std::vector<TaskOutput> task_outputs(const std::string& task);

// Checks a JSON array of texts (strings, at most max_batch, each at most max_text_bytes).
bool collect_texts(const ServerContext& ctx, const nlohmann::json& data, std::vector<std::string>* texts,
                   std::string* error);

// Runs the model's task on every text with `params` (top | count, maxWords). On failure it has
// answered the request with an error and returns false; on success `results` holds one JS-API
// result (JSON text) per text.
bool run_task_batch(ServerContext& ctx, LoadedModel& model, const std::vector<std::string>& texts,
                    const nlohmann::json& params, httplib::Response& res, std::vector<std::string>* results);

// Task results (as from run_task_batch) as v2 output tensors [batch, k], rows padded with ""
// and 0 where a text has fewer than k answers.
nlohmann::json task_results_to_v2(const std::string& task, const std::vector<std::string>& results);

void register_task_routes(httplib::Server& server, ServerContext& ctx);

}  // namespace perch_server
