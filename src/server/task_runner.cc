#include "server/task_runner.h"

namespace perch_server {

perch::Result<std::unique_ptr<TaskRunner>> make_task_runner(
    std::shared_ptr<const perch::Model> model, int pool_size) {
  const std::string& task = model->task();
  if (task.empty()) return std::unique_ptr<TaskRunner>();
  return perch::unsupported("perch-server has no runner for task '" + task + "'");
}

}  // namespace perch_server
