#include "server/language_detection_runner.h"

#include "perch/tasks/language_detector.h"
#include "server/object_pool.h"

namespace perch_server {
namespace {

class LanguageDetectionRunner : public TaskRunner {
 public:
  LanguageDetectionRunner(std::shared_ptr<const perch::Model> model, int pool_size)
      : pool_([model]() { return perch::LanguageDetector::create(model, 1); }, pool_size) {}

  perch::Status check() {  // one detector now, so a model that cannot run is skipped at start
    ObjectPool<perch::LanguageDetector>::Lease lease;
    return pool_.acquire(&lease);
  }

  perch::Status run(const std::vector<std::string>& texts, const nlohmann::json& params,
                    std::vector<std::string>* results) override {
    int top = 10;  // the JS API's default; the detector clamps to its number of labels
    PERCH_RETURN_IF_ERROR(integer_param(params, "top", 1, 1000, 10, &top));
    ObjectPool<perch::LanguageDetector>::Lease detector;
    PERCH_RETURN_IF_ERROR(pool_.acquire(&detector));
    for (const std::string& text : texts) {
      auto found = detector->detect(text, top);
      if (!found.is_ok()) return found.status();
      // The task layer's list as it is: it always ends with "und" and sums to 1.
      results->push_back(perch::LanguageDetector::to_json(found.value()));
    }
    return perch::Status::ok();
  }

 private:
  ObjectPool<perch::LanguageDetector> pool_;
};

}  // namespace

perch::Result<std::unique_ptr<TaskRunner>> make_language_detection_runner(std::shared_ptr<const perch::Model> model,
                                                                          int pool_size) {
  auto runner = std::make_unique<LanguageDetectionRunner>(std::move(model), pool_size);
  PERCH_RETURN_IF_ERROR(runner->check());
  return std::unique_ptr<TaskRunner>(std::move(runner));
}

}  // namespace perch_server
