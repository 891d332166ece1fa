// Debian's presage (n-gram word prediction) as a pipe, for tools/bench/suggest.bench.mjs:
// reads JSON lines {"text": ...} (the text typed so far) and writes one JSON line per input with
// presage's predictions of the current word: ["word", ...] (at most --count, default 3).
// Online learning is off and suggestions may repeat, so every answer depends on the text only.
//   g++ -O2 -std=c++17 tools/bench/presage_predict.cc -lpresage -o build/bench/presage_predict
#include <presage.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

namespace {
std::string g_past;
const char* past_stream(void*) { return g_past.c_str(); }
const char* future_stream(void*) { return ""; }
}  // namespace

int main(int argc, char** argv) {
  std::string count = "3";
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--count") count = argv[++i];
  presage_t p = nullptr;
  if (presage_new(past_stream, nullptr, future_stream, nullptr, &p) != PRESAGE_OK) {
    std::fprintf(stderr, "presage_predict: presage_new failed\n");
    return 1;
  }
  presage_config_set(p, "Presage.Selector.SUGGESTIONS", count.c_str());
  presage_config_set(p, "Presage.Selector.REPEAT_SUGGESTIONS", "yes");
  presage_config_set(p, "Presage.ContextTracker.ONLINE_LEARNING", "no");
  // The packaged n-gram database only: the user model would learn from the evaluation text.
  presage_config_set(p, "Presage.PredictorRegistry.PREDICTORS", "DefaultSmoothedNgramPredictor");
  std::string line;
  while (std::getline(std::cin, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    nlohmann::json out = nlohmann::json::array();
    if (!j.is_discarded() && j.is_object() && j.contains("text") && j["text"].is_string()) {
      g_past = j["text"].get<std::string>();
      char** words = nullptr;
      if (presage_predict(p, &words) == PRESAGE_OK && words != nullptr) {
        for (char** w = words; *w != nullptr; ++w) out.push_back(std::string(*w));
        presage_free_string_array(words);
      }
    }
    const std::string s = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  presage_free(p);
  return 0;
}
