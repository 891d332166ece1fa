#include "server/task_runner.h"

#include "server/language_detection_runner.h"
#include "server/text_suggestion_runner.h"

namespace perch_server {

perch::Status integer_param(const nlohmann::json& params, const char* key, int min, int max, int fallback, int* out) {
  if (!params.is_object() || !params.contains(key)) {
    *out = fallback;
    return perch::Status::ok();
  }
  const nlohmann::json& v = params[key];
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
    return perch::invalid_argument(std::string("\"") + key + "\" must be an integer in [" + std::to_string(min) + ", " +
                                   std::to_string(max) + "]");
  }
  *out = static_cast<int>(v.get<int64_t>());
  return perch::Status::ok();
}

perch::Result<std::unique_ptr<TaskRunner>> make_task_runner(std::shared_ptr<const perch::Model> model, int pool_size) {
  const std::string& task = model->task();
  if (task.empty()) return std::unique_ptr<TaskRunner>();
  if (task == "language-detection") return make_language_detection_runner(model, pool_size);
  if (task == "text-suggestion") return make_text_suggestion_runner(model, pool_size);
  return perch::unsupported("perch-server has no runner for task '" + task + "'");
}

}  // namespace perch_server
