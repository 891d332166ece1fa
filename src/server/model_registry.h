// ModelRegistry: every .perch file of the models directory and its subfolders, loaded once at
// start (a bad file is reported and skipped), each with pools of sessions and task objects
// sized to the number of inference slots. Model names are the file names without ".perch".
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "perch/runtime/model.h"
#include "perch/runtime/session.h"
#include "server/object_pool.h"
#include "server/task_runner.h"

namespace perch_server {

struct LoadedModel {
  std::string name;
  std::string path;
  std::shared_ptr<const perch::Model> model;
  std::unique_ptr<ObjectPool<perch::Session>> sessions;  // raw graph inference (v2)
  std::unique_ptr<TaskRunner> task;                      // nullptr for a model without a task
};

class ModelRegistry {
 public:
  // Loads every DIR/*.perch and DIR/*/*.perch (sorted by path; a repeated name is skipped).
  // `report` receives one line per skipped file. Fails only when DIR cannot be read.
  perch::Status load_directory(const std::string& dir, int pool_size,
                               const std::function<void(const std::string&)>& report,
                               const perch::ModelOptions& options = {});

  // nullptr when absent.
  LoadedModel* find(const std::string& name);
  // The first model (by name) whose perch.task is `task`; nullptr when none.
  LoadedModel* first_with_task(const std::string& task);
  const std::vector<std::unique_ptr<LoadedModel>>& models() const { return models_; }

 private:
  std::vector<std::unique_ptr<LoadedModel>> models_;  // sorted by name
};

// Valid model names: 1-64 of [A-Za-z0-9_.-], not starting with '.'.
bool is_valid_model_name(const std::string& name);

}  // namespace perch_server
