// perch suggest [--model F] [--count K] [--max-words W] [--threshold P]: reads JSON lines
// {"text": ...} from stdin and writes one JSON line per input, flushed at once, so it works as
// an interactive pipe:
//   [{"text":"ing the","confidence":0.41}, ...]   (text: what would be appended)
// --stats wraps each answer as {"suggestions":[...],"us":..,"tokens_run":..,"forward_calls":..}
// (time inside the suggester, for benchmarks). --learn FILE: the suggester first learns from the
// text of FILE (user_phrase_cache.h), as a user's earlier writing; without it each answer is a
// function of its line alone. --threshold overrides the model's confidence
// threshold (0: always the top K, as the keystroke benchmark asks of every engine). A line that
// is not a JSON object with a string "text" (or whose text is not valid UTF-8) gives
// {"error": "..."} on its line; the command goes on with the next line.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/task_lines.h"
#include "perch/runtime/model.h"
#include "perch/tasks/text_suggester.h"

namespace perch::cli {
namespace {

bool read_file_text(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  const bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

int run_suggest(const std::vector<std::string>& args) {
  std::string model_path;
  int count = PERCH_SUGGEST_COUNT_DEFAULT, max_words = PERCH_SUGGEST_MAX_WORDS_DEFAULT, threads = 1;
  bool with_stats = false;
  std::string learn_path;  // text the suggester learns from first (else a pure function of each line)
  double threshold = -1;   // the model's
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next_int = [&](int lo, int hi, int* out) { return next_int_arg(args, &i, lo, hi, out); };
    if (a == "--model" && i + 1 < args.size())
      model_path = args[++i];
    else if (a == "--stats")
      with_stats = true;
    else if (a == "--learn" && i + 1 < args.size())
      learn_path = args[++i];
    else if (a == "--count") {
      if (!next_int(PERCH_SUGGEST_COUNT_MIN, PERCH_SUGGEST_COUNT_MAX, &count))
        return fail("suggest", "--count takes " + std::to_string(PERCH_SUGGEST_COUNT_MIN) + ".." +
                                   std::to_string(PERCH_SUGGEST_COUNT_MAX));
    } else if (a == "--max-words") {
      if (!next_int(PERCH_SUGGEST_MAX_WORDS_MIN, PERCH_SUGGEST_MAX_WORDS_MAX, &max_words))
        return fail("suggest", "--max-words takes " + std::to_string(PERCH_SUGGEST_MAX_WORDS_MIN) + ".." +
                                   std::to_string(PERCH_SUGGEST_MAX_WORDS_MAX));
    } else if (a == "--threshold" && i + 1 < args.size()) {
      char* end = nullptr;
      threshold = std::strtod(args[++i].c_str(), &end);
      if (end == args[i].c_str() || *end != '\0' || !(threshold >= 0 && threshold < 1))
        return fail("suggest", "--threshold takes a number in [0, 1)");
    } else if (a == "--threads") {
      if (!next_int(1, 64, &threads)) return fail("suggest", "--threads takes 1..64");
    } else
      return fail("suggest", "unknown argument '" + a +
                                 "'; usage: perch suggest [--model F] [--count K] [--max-words W] [--threshold P] "
                                 "[--threads T] [--learn FILE]");
  }
  if (model_path.empty()) model_path = default_model_path("PERCH_SUGGEST_MODEL", "models/suggest/suggest.perch");
  auto model = Model::load_file(model_path);
  if (!model.is_ok()) return fail("suggest", model_path + ": " + model.status().to_string());
  auto suggester = TextSuggester::create(model.value(), threads);
  if (!suggester.is_ok()) return fail("suggest", suggester.status().to_string());
  if (threshold >= 0) suggester.value()->set_threshold(threshold);
  if (!learn_path.empty()) {
    std::string text;
    if (!read_file_text(learn_path, &text)) return fail("suggest", "--learn: cannot read " + learn_path);
    const Status learned = suggester.value()->learn(text);
    if (!learned.is_ok()) return fail("suggest", "--learn " + learn_path + ": " + learned.to_string());
  }

  answer_text_lines([&](const std::string& text) {
    const auto t0 = std::chrono::steady_clock::now();
    auto result = suggester.value()->suggest(text, count, max_words);
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    if (!result.is_ok()) return error_line(result.status().to_string());
    std::string out = TextSuggester::to_json(result.value());
    if (with_stats) {
      const SuggesterStats& st = suggester.value()->stats();
      out = "{\"suggestions\":" + out + ",\"us\":" + std::to_string(static_cast<int64_t>(us)) +
            ",\"tokens_run\":" + std::to_string(st.tokens_run) +
            ",\"forward_calls\":" + std::to_string(st.forward_calls) + "}";
    }
    return out;
  });
  return 0;
}

}  // namespace

PERCH_CLI_COMMAND(
    suggest, "suggest",
    "suggest [--model F] [--count K] [--max-words W] [--threshold P] [--threads T] [--learn FILE] [--stats]",
    "JSON lines {\"text\": ...} on stdin -> suggestions, one JSON line each", run_suggest);

}  // namespace perch::cli
