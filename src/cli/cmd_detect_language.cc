// perch detect-language [--model F] [--top K] [--threads T] [--expected en,fr]: reads JSON lines {"text": ...}
// from stdin and writes one JSON line per input, flushed at once, so it works as an
// interactive pipe; each line is the JS API's answer:
//   [{"detectedLanguage":"fr","confidence":0.97},...,{"detectedLanguage":"und","confidence":0.01}]
// A line that is not a JSON object with a string "text" (or is not valid UTF-8) gives
// {"error": "..."} on its line; the command goes on with the next line. --expected names the
// languages the input is likely in (BCP 47 tags, comma-separated): they get the largest prior.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/task_lines.h"
#include "perch/runtime/model.h"
#include "perch/tasks/language_detector.h"
#include "perch/text/utf8.h"

namespace perch::cli {
namespace {

int run_detect_language(const std::vector<std::string>& args) {
  const char* usage = "usage: perch detect-language [--model F] [--top K] [--threads T] [--expected en,fr]";
  std::string model_path, expected;
  int top = 3, threads = 1;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next_int = [&](int lo, int hi, int* out) { return next_int_arg(args, &i, lo, hi, out); };
    if (a == "--model" && i + 1 < args.size())
      model_path = args[++i];
    else if (a == "--expected" && i + 1 < args.size())
      expected = args[++i];
    else if (a == "--top") {
      if (!next_int(1, 1000, &top)) return fail("detect-language", "--top takes 1..1000");
    } else if (a == "--threads") {
      if (!next_int(1, 64, &threads)) return fail("detect-language", "--threads takes 1..64");
    } else
      return fail("detect-language", "unknown argument '" + a + "'; " + usage);
  }
  if (model_path.empty()) model_path = default_model_path("PERCH_LANGID_MODEL", "models/langid/langid.perch");
  auto model = Model::load_file(model_path);
  if (!model.is_ok()) return fail("detect-language", model_path + ": " + model.status().to_string());
  auto detector = LanguageDetector::create(model.value(), threads);
  if (!detector.is_ok()) return fail("detect-language", model_path + ": " + detector.status().to_string());
  if (!expected.empty() && detector.value()->set_expected_languages(expected) == 0) {
    return fail("detect-language", "--expected '" + expected + "' names no language this model knows");
  }

  answer_text_lines([&](const std::string& text) {
    auto result = detector.value()->detect(text, top);
    return result.is_ok() ? LanguageDetector::to_json(result.value()) : error_line(result.status().to_string());
  });
  return 0;
}

}  // namespace

PERCH_CLI_COMMAND(detect_language, "detect-language",
                  "detect-language [--model F] [--top K] [--threads T] [--expected en,fr]",
                  "JSON lines {\"text\": ...} on stdin -> languages, one JSON line each", run_detect_language);

}  // namespace perch::cli
