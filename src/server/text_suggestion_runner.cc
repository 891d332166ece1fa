#include "server/text_suggestion_runner.h"

#include "perch/tasks/text_suggester.h"
#include "server/object_pool.h"

namespace perch_server {
namespace {

class TextSuggestionRunner : public TaskRunner {
 public:
  TextSuggestionRunner(std::shared_ptr<const perch::Model> model, int pool_size)
      : pool_([model]() { return perch::TextSuggester::create(model, 1); }, pool_size) {}

  perch::Status check() {  // one suggester now, so a model that cannot run is skipped at start
    ObjectPool<perch::TextSuggester>::Lease lease;
    return pool_.acquire(&lease);
  }

  perch::Status run(const std::vector<std::string>& texts, const nlohmann::json& params,
                    std::vector<std::string>* results) override {
    int count = 0, max_words = 0;  // the limits of perch.h, as the JS API and the CLI take them
    PERCH_RETURN_IF_ERROR(integer_param(params, "count", PERCH_SUGGEST_COUNT_MIN, PERCH_SUGGEST_COUNT_MAX,
                                        PERCH_SUGGEST_COUNT_DEFAULT, &count));
    PERCH_RETURN_IF_ERROR(integer_param(params, "maxWords", PERCH_SUGGEST_MAX_WORDS_MIN, PERCH_SUGGEST_MAX_WORDS_MAX,
                                        PERCH_SUGGEST_MAX_WORDS_DEFAULT, &max_words));
    ObjectPool<perch::TextSuggester>::Lease suggester;
    PERCH_RETURN_IF_ERROR(pool_.acquire(&suggester));
    for (const std::string& text : texts) {
      auto found = suggester->suggest(text, count, max_words);
      if (!found.is_ok()) return found.status();
      results->push_back(perch::TextSuggester::to_json(found.value()));
    }
    return perch::Status::ok();
  }

 private:
  ObjectPool<perch::TextSuggester> pool_;
};

}  // namespace

perch::Result<std::unique_ptr<TaskRunner>> make_text_suggestion_runner(std::shared_ptr<const perch::Model> model,
                                                                       int pool_size) {
  auto runner = std::make_unique<TextSuggestionRunner>(std::move(model), pool_size);
  PERCH_RETURN_IF_ERROR(runner->check());
  return std::unique_ptr<TaskRunner>(std::move(runner));
}

}  // namespace perch_server
