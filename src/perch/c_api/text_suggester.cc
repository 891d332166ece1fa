// C ABI of the text suggester (perch.h, task section).
#include <memory>
#include <string>

#include "perch/c_api/c_api_internal.h"
#include "perch/c_api/perch.h"
#include "perch/tasks/text_suggester.h"

struct perch_text_suggester {
  std::unique_ptr<perch::TextSuggester> suggester;
  std::string json;  // the last answer, owned here
};

using perch::c_api::fail;

extern "C" perch_status perch_text_suggester_create(const perch_model* model, int num_threads,
                                                    perch_text_suggester** out) {
  if (out == nullptr) return fail(perch::StatusCode::kInvalidArgument, "perch_text_suggester_create: out is NULL");
  *out = nullptr;
  if (model == nullptr || !model->model)
    return fail(perch::StatusCode::kInvalidArgument, "perch_text_suggester_create: model is NULL");
  auto created = perch::TextSuggester::create(model->model, num_threads);
  if (!created.is_ok()) return fail(created.status());
  *out = new perch_text_suggester{std::move(created.value()), "[]"};
  return PERCH_OK;
}

extern "C" perch_status perch_text_suggester_suggest(perch_text_suggester* suggester, const char* utf8, size_t len,
                                                     int count, int max_words, const char** json_out) {
  if (json_out != nullptr) *json_out = nullptr;
  if (suggester == nullptr || json_out == nullptr)
    return fail(perch::StatusCode::kInvalidArgument, "perch_text_suggester_suggest: suggester or json_out is NULL");
  if (utf8 == nullptr && len != 0)
    return fail(perch::StatusCode::kInvalidArgument, "perch_text_suggester_suggest: text is NULL");
  auto result = suggester->suggester->suggest(std::string_view(utf8 ? utf8 : "", len), count, max_words);
  if (!result.is_ok()) return fail(result.status());
  suggester->json = perch::TextSuggester::to_json(result.value());
  *json_out = suggester->json.c_str();
  return PERCH_OK;
}

extern "C" double perch_text_suggester_show_threshold(const perch_text_suggester* suggester) {
  return suggester == nullptr ? 0.0 : suggester->suggester->decoding().show_threshold;
}

extern "C" perch_status perch_text_suggester_learn(perch_text_suggester* suggester, const char* utf8, size_t len) {
  if (suggester == nullptr || (utf8 == nullptr && len != 0))
    return fail(perch::StatusCode::kInvalidArgument, "perch_text_suggester_learn: suggester or text is NULL");
  const perch::Status s = suggester->suggester->learn(std::string_view(utf8 ? utf8 : "", len));
  return s.is_ok() ? PERCH_OK : fail(s);
}

extern "C" void perch_text_suggester_forget(perch_text_suggester* suggester) {
  if (suggester != nullptr) suggester->suggester->forget();
}

extern "C" perch_status perch_text_suggester_export_learned(perch_text_suggester* suggester, const char** json_out) {
  if (json_out != nullptr) *json_out = nullptr;
  if (suggester == nullptr || json_out == nullptr)
    return fail(perch::StatusCode::kInvalidArgument,
                "perch_text_suggester_export_learned: suggester or json_out is NULL");
  suggester->json = suggester->suggester->export_learned();
  *json_out = suggester->json.c_str();
  return PERCH_OK;
}

extern "C" perch_status perch_text_suggester_import_learned(perch_text_suggester* suggester, const char* utf8,
                                                            size_t len) {
  if (suggester == nullptr || (utf8 == nullptr && len != 0))
    return fail(perch::StatusCode::kInvalidArgument, "perch_text_suggester_import_learned: suggester or text is NULL");
  const perch::Status s = suggester->suggester->import_learned(std::string_view(utf8 ? utf8 : "", len));
  return s.is_ok() ? PERCH_OK : fail(s);
}

extern "C" void perch_text_suggester_free(perch_text_suggester* suggester) { delete suggester; }
