// The language-detection runner: a pool of perch::LanguageDetector; "top" in [1, 1000],
// default 10 (as the JS API; the detector clamps it to its number of labels).
#pragma once
#include "server/task_runner.h"

namespace perch_server {

perch::Result<std::unique_ptr<TaskRunner>> make_language_detection_runner(std::shared_ptr<const perch::Model> model,
                                                                          int pool_size);

}  // namespace perch_server
