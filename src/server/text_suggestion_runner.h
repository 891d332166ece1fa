// The text-suggestion runner: a pool of perch::TextSuggester ("count" in [1, 10], default 3;
// "maxWords" in [1, 16], default 3, as the JS API; the suggester clamps them further). A
// suggester's KV cache is only a speed-up: its answer depends on the text alone, so a pooled
// suggester may serve any request.
#pragma once
#include "server/task_runner.h"

namespace perch_server {

perch::Result<std::unique_ptr<TaskRunner>> make_text_suggestion_runner(std::shared_ptr<const perch::Model> model,
                                                                       int pool_size);

}  // namespace perch_server
