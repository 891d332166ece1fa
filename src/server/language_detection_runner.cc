#include "server/language_detection_runner.h"

#include "perch/tasks/language_detector.h"
#include "server/object_pool.h"

namespace perch_server {
namespace {

// The JS API's answer always ends with "und" carrying the probability the listed languages leave
// (js-bindings normalizeLanguageResults: 1 - their sum, from the rounded confidences), while the
// detector omits an "und" below LanguageDetector::kMinUndMass. Append it the same way, so the
// server answers exactly what the JS API returns.
std::string ending_with_und(const std::string& json_text) {
  nlohmann::json results = nlohmann::json::parse(json_text, nullptr, false);
  if (!results.is_array() || results.empty()) return json_text;
  const nlohmann::json& last = results.back();
  if (last.is_object() && last.contains("detectedLanguage") && last["detectedLanguage"] == "und") {
    return json_text;
  }
  double sum = 0;
  for (const nlohmann::json& r : results) {
    if (r.is_object() && r.contains("confidence") && r["confidence"].is_number()) {
      sum += r["confidence"].get<double>();
    }
  }
  const double rest = sum < 1 ? 1 - sum : 0;
  std::string out = json_text.substr(0, json_text.size() - 1);  // drop the closing ']'
  out += ",{\"detectedLanguage\":\"und\",\"confidence\":" + nlohmann::json(rest).dump() + "}]";
  return out;
}

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
      results->push_back(ending_with_und(perch::LanguageDetector::to_json(found.value())));
    }
    return perch::Status::ok();
  }

 private:
  ObjectPool<perch::LanguageDetector> pool_;
};

}  // namespace

perch::Result<std::unique_ptr<TaskRunner>> make_language_detection_runner(
    std::shared_ptr<const perch::Model> model, int pool_size) {
  auto runner = std::make_unique<LanguageDetectionRunner>(std::move(model), pool_size);
  PERCH_RETURN_IF_ERROR(runner->check());
  return std::unique_ptr<TaskRunner>(std::move(runner));
}

}  // namespace perch_server
