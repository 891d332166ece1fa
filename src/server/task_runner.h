// TaskRunner: runs a task model (language detection, text suggestion) on texts, with a pool of
// task objects so concurrent requests never share one object's state (the suggester's KV cache).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "perch/core/status.h"
#include "perch/runtime/model.h"

namespace perch_server {

class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  // Checks `params` (the request object: "top", or "count" and "maxWords") and answers every
  // text: `results` gets one JSON text per text, exactly as the task's to_json writes it (the
  // JS API's result). Thread-safe.
  virtual perch::Status run(const std::vector<std::string>& texts, const nlohmann::json& params,
                            std::vector<std::string>* results) = 0;
};

// An optional integer parameter: `fallback` when absent, an InvalidArgument error unless it is
// an integer in [min, max].
perch::Status integer_param(const nlohmann::json& params, const char* key, int min, int max, int fallback, int* out);

// A runner for the model's perch.task, with up to `pool_size` task objects; a model without a
// task gets nullptr. Fails when the task objects cannot be created from the model.
perch::Result<std::unique_ptr<TaskRunner>> make_task_runner(std::shared_ptr<const perch::Model> model, int pool_size);

}  // namespace perch_server
