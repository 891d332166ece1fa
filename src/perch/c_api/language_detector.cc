// C ABI of the language detector (perch.h, task section).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "perch/c_api/c_api_internal.h"
#include "perch/c_api/perch.h"
#include "perch/tasks/language_detector.h"

struct perch_language_detector {
  std::unique_ptr<perch::LanguageDetector> detector;
  std::string json;                          // the last JSON answer, owned here
  std::vector<perch::LanguageScore> scores;  // the lean entry's buffer, reused
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
  *out = new perch_language_detector{std::move(created.value()), "[]", {}};
  (*out)->scores.reserve((*out)->detector->labels().size() + 1);
  return PERCH_OK;
}

extern "C" perch_status perch_language_detector_detect(perch_language_detector* detector, const char* utf8, size_t len,
                                                       int top_k, const char** json_out) {
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

extern "C" perch_status perch_language_detector_detect_scores(perch_language_detector* detector, const char* utf8,
                                                              size_t len, int top_k, int32_t* labels_out,
                                                              double* confidences_out, int capacity, int* count_out) {
  if (count_out != nullptr) *count_out = 0;
  if (detector == nullptr || labels_out == nullptr || confidences_out == nullptr || count_out == nullptr)
    return fail(perch::StatusCode::kInvalidArgument,
                "perch_language_detector_detect_scores: detector, labels_out, confidences_out or count_out is NULL");
  if (utf8 == nullptr && len != 0)
    return fail(perch::StatusCode::kInvalidArgument, "perch_language_detector_detect_scores: text is NULL");
  const int labels = static_cast<int>(detector->detector->labels().size());
  if (top_k >= 1 && capacity < std::min(top_k, labels) + 1)
    return fail(perch::StatusCode::kInvalidArgument,
                "perch_language_detector_detect_scores: capacity " + std::to_string(capacity) +
                    " has no room for top_k " + std::to_string(std::min(top_k, labels)) + " languages and und");
  const perch::Status st =
      detector->detector->detect_scores(std::string_view(utf8 ? utf8 : "", len), top_k, &detector->scores);
  if (!st.is_ok()) return fail(st);
  int n = 0;
  for (const perch::LanguageScore& s : detector->scores) {
    labels_out[n] = s.label;
    confidences_out[n] = perch::LanguageDetector::confidence_ten_thousandths(s.confidence) / 1e4;
    ++n;
  }
  *count_out = n;
  return PERCH_OK;
}

extern "C" perch_status perch_language_detector_set_expected_languages(perch_language_detector* detector,
                                                                       const char* tags) {
  if (detector == nullptr)
    return fail(perch::StatusCode::kInvalidArgument,
                "perch_language_detector_set_expected_languages: detector is NULL");
  detector->detector->set_expected_languages(tags ? std::string_view(tags) : std::string_view());
  return PERCH_OK;
}

extern "C" int perch_language_detector_num_labels(const perch_language_detector* detector) {
  return detector ? static_cast<int>(detector->detector->labels().size()) : 0;
}

extern "C" const char* perch_language_detector_label(const perch_language_detector* detector, int index) {
  if (detector == nullptr || index < 0 || static_cast<size_t>(index) >= detector->detector->labels().size())
    return nullptr;
  return detector->detector->labels()[static_cast<size_t>(index)].c_str();
}

extern "C" void perch_language_detector_free(perch_language_detector* detector) { delete detector; }
