// C ABI of the language detector (perch.h, task section).
#include <memory>
#include <string>

#include "perch/c_api/c_api_internal.h"
#include "perch/c_api/perch.h"
#include "perch/tasks/language_detector.h"

struct perch_language_detector {
  std::unique_ptr<perch::LanguageDetector> detector;
  std::string json;  // the last answer, owned here
};

using perch::c_api::fail;

extern "C" perch_status perch_language_detector_create(const perch_model* model, int num_threads,
                                                       perch_language_detector** out) {
  if (out == nullptr) return fail(perch::StatusCode::kInvalidArgument, "perch_language_detector_create: out is NULL");
  *out = nullptr;
  if (model == nullptr || !model->model)
    return fail(perch::StatusCode::kInvalidArgument, "perch_language_detector_create: model is NULL");
  auto created = perch::LanguageDetector::create(model->model, num_threads);
  if (!created.is_ok()) return fail(created.status());
  *out = new perch_language_detector{std::move(created.value()), "[]"};
  return PERCH_OK;
}

extern "C" perch_status perch_language_detector_detect(perch_language_detector* detector, const char* utf8,
                                                       size_t len, int top_k, const char** json_out) {
  if (json_out != nullptr) *json_out = nullptr;
  if (detector == nullptr || json_out == nullptr)
    return fail(perch::StatusCode::kInvalidArgument, "perch_language_detector_detect: detector or json_out is NULL");
  if (utf8 == nullptr && len != 0)
    return fail(perch::StatusCode::kInvalidArgument, "perch_language_detector_detect: text is NULL");
  auto result = detector->detector->detect(std::string_view(utf8 ? utf8 : "", len), top_k);
  if (!result.is_ok()) return fail(result.status());
  detector->json = perch::LanguageDetector::to_json(result.value());
  *json_out = detector->json.c_str();
  return PERCH_OK;
}

extern "C" void perch_language_detector_free(perch_language_detector* detector) { delete detector; }
