// perch suggest [--model F] [--count K] [--max-words W]: reads JSON lines {"text": ...} from stdin
// and writes one JSON line per input, flushed at once, so it works as an interactive pipe:
//   [{"text":"ing the","confidence":0.41}, ...]   (text: what would be appended)
// --stats wraps each answer as {"suggestions":[...],"us":..,"tokens_run":..,"forward_calls":..}
// (time inside the suggester, for benchmarks). A line that is not a JSON object with a string "text" (or whose text is not valid UTF-8)
// gives {"error": "..."} on its line; the command goes on with the next line.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "perch/runtime/model.h"
#include "perch/tasks/text_suggester.h"

#include <unistd.h>

namespace perch::cli {
namespace {

// The shipped model: $PERCH_SUGGEST_MODEL, else models/suggest/suggest.perch under the current
// directory or above the executable (build/<preset>/perch -> ../../models/...).
std::string default_model_path() {
  if (const char* env = std::getenv("PERCH_SUGGEST_MODEL")) return env;
  const std::string rel = "models/suggest/suggest.perch";
  if (FILE* f = std::fopen(rel.c_str(), "rb")) {
    std::fclose(f);
    return rel;
  }
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    for (int up = 0; up < 4; ++up) {
      dir = dir.substr(0, dir.find_last_of('/'));
      const std::string candidate = dir + "/" + rel;
      if (FILE* f = std::fopen(candidate.c_str(), "rb")) {
        std::fclose(f);
        return candidate;
      }
    }
  }
  return rel;
}

std::string error_line(const std::string& message) {
  return "{\"error\":" + nlohmann::json(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}";
}

int run_suggest(const std::vector<std::string>& args) {
  std::string model_path;
  int count = 3, max_words = 2, threads = 1;
  bool with_stats = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next_int = [&](int lo, int hi, int* out) {
      if (i + 1 >= args.size()) return false;
      char* end = nullptr;
      const long v = std::strtol(args[++i].c_str(), &end, 10);
      if (end == nullptr || *end != '\0' || v < lo || v > hi) return false;
      *out = static_cast<int>(v);
      return true;
    };
    if (a == "--model" && i + 1 < args.size()) model_path = args[++i];
    else if (a == "--stats") with_stats = true;
    else if (a == "--count") { if (!next_int(1, 16, &count)) return fail("suggest", "--count takes 1..16"); }
    else if (a == "--max-words") { if (!next_int(0, 8, &max_words)) return fail("suggest", "--max-words takes 0..8"); }
    else if (a == "--threads") { if (!next_int(1, 64, &threads)) return fail("suggest", "--threads takes 1..64"); }
    else return fail("suggest", "unknown argument '" + a + "'; usage: perch suggest [--model F] [--count K] [--max-words W] [--threads T]");
  }
  if (model_path.empty()) model_path = default_model_path();
  auto model = Model::load_file(model_path);
  if (!model.is_ok()) return fail("suggest", model_path + ": " + model.status().to_string());
  auto suggester = TextSuggester::create(model.value(), threads);
  if (!suggester.is_ok()) return fail("suggest", suggester.status().to_string());

  std::string line;
  while (std::getline(std::cin, line)) {
    std::string out;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      out = error_line("expected a JSON object with a string \"text\"");
    } else {
      const auto t0 = std::chrono::steady_clock::now();
      auto result = suggester.value()->suggest(j["text"].get_ref<const std::string&>(), count, max_words);
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      out = result.is_ok() ? TextSuggester::to_json(result.value()) : error_line(result.status().to_string());
      if (with_stats && result.is_ok()) {
        const SuggesterStats& st = suggester.value()->stats();
        out = "{\"suggestions\":" + out + ",\"us\":" + std::to_string(static_cast<int64_t>(us)) +
              ",\"tokens_run\":" + std::to_string(st.tokens_run) + ",\"forward_calls\":" +
              std::to_string(st.forward_calls) + "}";
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

PERCH_CLI_COMMAND(suggest, "suggest", "suggest [--model F] [--count K] [--max-words W] [--threads T] [--stats]",
                  "JSON lines {\"text\": ...} on stdin -> suggestions, one JSON line each", run_suggest);

}  // namespace perch::cli
