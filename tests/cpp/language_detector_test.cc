// The language detector end to end on the shipped model (models/langid/langid.perch): the real
// featurizer, runtime, ops and task layer, natively and as wasm.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "perch/c_api/perch.h"
#include "perch/runtime/model.h"
#include "perch/tasks/language_detector.h"

using namespace perch;

namespace {
std::string model_path() {
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  return std::string(env ? env : PERCH_SOURCE_DIR) + "/models/langid/langid.perch";
}

LanguageDetector& detector() {
  static std::unique_ptr<LanguageDetector> d = [] {
    auto model = Model::load_file(model_path());
    REQUIRE(model.is_ok());
    auto created = LanguageDetector::create(model.value(), 1);
    REQUIRE(created.is_ok());
    return std::move(created.value());
  }();
  return *d;
}

// The W3C list: sorted languages, "und" last and always there, no language below it, and the
// printed confidences (ten-thousandths) sum to exactly 1.
void check_well_formed(const std::vector<LanguageResult>& r) {
  REQUIRE(!r.empty());
  REQUIRE(r.back().language == "und");
  int sum = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    REQUIRE(r[i].confidence >= 0.0f);
    REQUIRE(r[i].confidence <= 1.0f);
    sum += LanguageDetector::confidence_ten_thousandths(r[i].confidence);
    if (r[i].language == "und") REQUIRE(i + 1 == r.size());
    if (i > 0 && r[i].language != "und") REQUIRE(r[i - 1].confidence >= r[i].confidence);
    if (r[i].language != "und") REQUIRE(r[i].confidence >= r.back().confidence);
  }
  REQUIRE(sum == 10000);
}

std::string top1(std::string_view text) {
  auto r = detector().detect(text, 3);
  REQUIRE(r.is_ok());
  check_well_formed(r.value());
  return r.value()[0].language;
}
}  // namespace

TEST_CASE("the shipped model covers the required languages", "[langid]") {
  const auto& labels = detector().labels();
  REQUIRE(labels.size() >= 100);
  for (const char* l : {"en", "zh", "es", "ar", "hi", "bn", "pt", "ru", "ja", "de", "fr", "ko", "it", "tr", "vi",
                        "pl", "uk", "nl", "fa", "th", "id", "ms", "sv", "cs", "el", "hu", "ro", "da", "fi", "no",
                        "he", "bg", "sr", "hr", "sk", "sl", "lt", "lv", "et", "ca", "eu", "gl", "ga", "cy", "sq",
                        "mk", "be", "ka", "hy", "az", "kk", "uz", "ta", "te", "ml", "kn", "mr", "gu", "pa", "ur",
                        "ne", "si", "my", "km", "lo", "am", "sw", "yo", "ha", "ig", "zu", "af", "tl", "eo"}) {
    INFO(l);
    REQUIRE(std::find(labels.begin(), labels.end(), l) != labels.end());
  }
}

TEST_CASE("detects the language of everyday sentences", "[langid]") {
  auto r = detector().detect("Bonjour, je m'appelle Marie et j'habite à Paris.", 3);
  REQUIRE(r.is_ok());
  check_well_formed(r.value());
  REQUIRE(r.value()[0].language == "fr");
  REQUIRE(r.value()[0].confidence > 0.3f);

  REQUIRE(top1("Ich habe heute keine Zeit, weil ich arbeiten muss.") == "de");
  REQUIRE(top1("¿Dónde está la estación de tren más cercana?") == "es");
  REQUIRE(top1("Я не знаю, что ты хочешь сказать этим письмом.") == "ru");
  REQUIRE(top1("我们明天早上在学校门口见面吧。") == "zh");
  REQUIRE(top1("明日の朝、駅の前で待っています。") == "ja");
  REQUIRE(top1("أين يمكنني أن أجد مكتبة قريبة من هنا؟") == "ar");
  REQUIRE(top1("The weather is lovely today, let's go for a walk.") == "en");
  REQUIRE(top1("오늘 저녁에 같이 영화 보러 갈래요?") == "ko");
  REQUIRE(top1("Η γάτα κοιμάται πάνω στον καναπέ.") == "el");
}

TEST_CASE("the six everyday phrases of issue 12 and the everyday set's und rows", "[langid]") {
  REQUIRE(top1("I would like to") == "en");
  REQUIRE(top1("Muchas gracias por tu ayuda") == "es");
  REQUIRE(top1("Buenos días") == "es");
  REQUIRE(top1("Ciao, come stai?") == "it");
  REQUIRE(top1("thanks!") == "en");
  REQUIRE(top1("Как дела?") == "ru");
  // Too little signal to name a language: under four letters (a run of one repeated letter counts
  // once: "Zzzzzz" is one), or a name the model is unsure of.
  for (const char* t : {"ok", "OK!", "xD", "lol", "Zzz", "Zzzzzz", "Hmmmm", "Maria"}) {
    INFO(t);
    REQUIRE(top1(t) == "und");
  }
}

TEST_CASE("scripts rule languages out: short text in a one-language script", "[langid]") {
  REQUIRE(top1("사랑해") == "ko");
  REQUIRE(top1("ごめんなさい") == "ja");
  REQUIRE(top1("我爱你") == "zh");
  REQUIRE(top1("Τι κάνεις;") == "el");
}

TEST_CASE("expected languages raise their prior; unknown tags are ignored", "[langid]") {
  auto model = Model::load_file(model_path());
  REQUIRE(model.is_ok());
  auto created = LanguageDetector::create(model.value(), 1);
  REQUIRE(created.is_ok());
  LanguageDetector& d = *created.value();
  const std::string text = "Mange tak";  // the same in Danish and Norwegian
  auto lang_of = [&](std::string_view expected) {
    d.set_expected_languages(expected);
    auto r = d.detect(text, 5);
    REQUIRE(r.is_ok());
    check_well_formed(r.value());
    return r.value()[0].language;
  };
  REQUIRE(lang_of("da") == "da");
  REQUIRE(lang_of("nb-NO") == "no");
  REQUIRE(lang_of(" no , xx-YY,,") == "no");
  REQUIRE(d.set_expected_languages("en-US, fr_CA ,klingon,") == 2);
  REQUIRE(d.expected_languages()[static_cast<size_t>(std::find(d.labels().begin(), d.labels().end(), "fr") -
                                                     d.labels().begin())]);
  REQUIRE(d.set_expected_languages("") == 0);
  REQUIRE(std::none_of(d.expected_languages().begin(), d.expected_languages().end(), [](bool b) { return b; }));
}

TEST_CASE("the task layer gives its Python twin's lists", "[langid]") {
  // tests/data/langid_task_vectors.jsonl: tools/langid/make_model_vectors.py, through
  // tools/langid/task_layer.py (script gate, priors, expected languages, unknown score, list rule).
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  std::ifstream in(std::string(env ? env : PERCH_SOURCE_DIR) + "/tests/data/langid_task_vectors.jsonl");
  REQUIRE(in.good());
  auto model = Model::load_file(model_path());
  REQUIRE(model.is_ok());
  auto created = LanguageDetector::create(model.value(), 1);
  REQUIRE(created.is_ok());
  LanguageDetector& d = *created.value();
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const auto rec = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(!rec.is_discarded());
    const std::string text = rec["text"].get<std::string>();
    d.set_expected_languages(rec["expected"].get<std::string>());
    auto r = d.detect(text, 1000);
    REQUIRE(r.is_ok());
    check_well_formed(r.value());
    INFO(text << " expected " << rec["expected"]);
    const auto& want = rec["results"];
    REQUIRE(r.value().size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      REQUIRE(r.value()[i].language == want[i][0].get<std::string>());
      REQUIRE(r.value()[i].confidence == Approx(want[i][1].get<double>()).margin(1e-3));
    }
    ++n;
  }
  REQUIRE(n >= 10);
}

TEST_CASE("text without letters is und with confidence 1", "[langid]") {
  for (const char* t : {"", "12345", "  3.14 + 2,71 = ?! ", "😀🎉👍", "2024-01-01 12:00"}) {
    INFO(t);
    auto r = detector().detect(t, 3);
    REQUIRE(r.is_ok());
    REQUIRE(r.value().size() == 1);
    REQUIRE(r.value()[0].language == "und");
    REQUIRE(r.value()[0].confidence == 1.0f);
  }
}

TEST_CASE("top_k bounds the list and und takes the rest", "[langid]") {
  auto one = detector().detect("Dit is een korte zin in het Nederlands.", 1);
  REQUIRE(one.is_ok());
  check_well_formed(one.value());
  REQUIRE(one.value()[0].language == "nl");
  REQUIRE(one.value().size() <= 2);
  auto all = detector().detect("Dit is een korte zin in het Nederlands.", 10000);
  REQUIRE(all.is_ok());
  check_well_formed(all.value());
  REQUIRE(all.value().size() <= detector().labels().size() + 1);
  REQUIRE(all.value()[0].language == "nl");
  REQUIRE(detector().detect("hello", 0).status().code() == StatusCode::kInvalidArgument);
  REQUIRE(detector().detect("hello", -5).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("invalid UTF-8 is an error, not a crash", "[langid]") {
  for (std::string t : {std::string("caf\xC3"), std::string("\xFF\xFE"), std::string("ok \xED\xA0\x80 surrogate"),
                        std::string("abc\x80")}) {
    auto r = detector().detect(t, 3);
    REQUIRE(r.status().code() == StatusCode::kInvalidUtf8);
  }
  // The detector still works afterwards.
  REQUIRE(top1("Bonjour tout le monde, comment allez-vous ?") == "fr");
}

TEST_CASE("a 1 MB text works and an over-long one is refused", "[langid]") {
  std::string big;
  while (big.size() + 64 < (size_t{1} << 20)) big += "Questa è una frase italiana abbastanza lunga. ";
  REQUIRE(big.size() <= LanguageDetector::kMaxTextBytes);
  auto r = detector().detect(big, 3);
  REQUIRE(r.is_ok());
  check_well_formed(r.value());
  REQUIRE(r.value()[0].language == "it");
  std::string over(LanguageDetector::kMaxTextBytes + 1, 'a');
  REQUIRE(detector().detect(over, 3).status().code() == StatusCode::kOutOfRange);
}

TEST_CASE("to_json has the JS API's shape", "[langid]") {
  REQUIRE(LanguageDetector::to_json({}) == "[]");
  REQUIRE(LanguageDetector::to_json({{"fr", 0.5f}, {"und", 0.25f}}) ==
          R"([{"detectedLanguage":"fr","confidence":0.5},{"detectedLanguage":"und","confidence":0.25}])");
  auto r = detector().detect("Dzień dobry, jak się masz?", 3);
  REQUIRE(r.is_ok());
  const auto j = nlohmann::json::parse(LanguageDetector::to_json(r.value()), nullptr, false);
  REQUIRE(j.is_array());
  REQUIRE(j[0]["detectedLanguage"] == "pl");
  REQUIRE(j[0]["confidence"].get<double>() == Approx(r.value()[0].confidence).margin(1e-4));
}

TEST_CASE("a model that is not a language detector is refused with a clear error", "[langid]") {
  REQUIRE(LanguageDetector::create(nullptr, 1).status().code() == StatusCode::kInvalidArgument);
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  const std::string suggest = std::string(env ? env : PERCH_SOURCE_DIR) + "/models/suggest/suggest.perch";
  auto other = Model::load_file(suggest);
  if (other.is_ok()) {
    auto d = LanguageDetector::create(other.value(), 1);
    REQUIRE(d.status().code() == StatusCode::kInvalidModel);
    REQUIRE(d.status().message().find("language-detection") != std::string::npos);
  }
}

TEST_CASE("C ABI: create, detect, errors, free", "[langid][c_api]") {
  std::vector<uint8_t> bytes;
  {
    FILE* f = std::fopen(model_path().c_str(), "rb");
    REQUIRE(f != nullptr);
    int c;
    while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<uint8_t>(c));
    std::fclose(f);
  }
  perch_model* model = nullptr;
  REQUIRE(perch_model_load(bytes.data(), bytes.size(), &model) == PERCH_OK);
  perch_language_detector* det = nullptr;
  REQUIRE(perch_language_detector_create(nullptr, 1, &det) == PERCH_INVALID_ARGUMENT);
  REQUIRE(det == nullptr);
  REQUIRE(perch_language_detector_create(model, 1, &det) == PERCH_OK);
  perch_model_free(model);  // the detector keeps its own reference

  const char* json = nullptr;
  const std::string text = "Buenos días, ¿cómo estás?";
  REQUIRE(perch_language_detector_detect(det, text.data(), text.size(), 2, &json) == PERCH_OK);
  const auto j = nlohmann::json::parse(json, nullptr, false);
  REQUIRE(j.is_array());
  REQUIRE(j[0]["detectedLanguage"] == "es");

  REQUIRE(perch_language_detector_detect(det, "", 0, 3, &json) == PERCH_OK);
  REQUIRE(std::string(json) == R"([{"detectedLanguage":"und","confidence":1.0}])");
  REQUIRE(perch_language_detector_detect(det, "\xC3", 1, 3, &json) == PERCH_INVALID_UTF8);
  REQUIRE(json == nullptr);
  REQUIRE(std::string(perch_last_error()).find("UTF-8") != std::string::npos);
  REQUIRE(perch_language_detector_detect(det, nullptr, 5, 3, &json) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_language_detector_detect(nullptr, "a", 1, 3, &json) == PERCH_INVALID_ARGUMENT);
  perch_language_detector_free(det);
  perch_language_detector_free(nullptr);
}

TEST_CASE("C ABI lean entry: the JSON's answer as label indices and printed confidences", "[langid][c_api]") {
  std::vector<uint8_t> bytes;
  {
    std::ifstream f(model_path(), std::ios::binary);
    REQUIRE(f.good());
    bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  perch_model* model = nullptr;
  REQUIRE(perch_model_load(bytes.data(), bytes.size(), &model) == PERCH_OK);
  perch_language_detector* det = nullptr;
  REQUIRE(perch_language_detector_create(model, 1, &det) == PERCH_OK);
  perch_model_free(model);

  const int n = perch_language_detector_num_labels(det);
  REQUIRE(n == static_cast<int>(detector().labels().size()));
  for (int i = 0; i < n; ++i) REQUIRE(std::string(perch_language_detector_label(det, i)) == detector().labels()[i]);
  REQUIRE(perch_language_detector_label(det, -1) == nullptr);
  REQUIRE(perch_language_detector_label(det, n) == nullptr);
  REQUIRE(perch_language_detector_label(nullptr, 0) == nullptr);
  REQUIRE(perch_language_detector_num_labels(nullptr) == 0);

  std::vector<int32_t> labels(n + 1, 77);
  std::vector<double> conf(n + 1, -1.0);
  int count = -1;
  for (const std::string text : {"Buenos días, ¿cómo estás?", "I would like to", "", "12:30 😀", "Guten Tag",
                                 "Dzień dobry, jak się masz?", "こんにちは", "ok"}) {
    for (const int top_k : {1, 2, 3, 10, n, n + 5}) {
      INFO(text << " top_k " << top_k);
      const char* json = nullptr;
      REQUIRE(perch_language_detector_detect(det, text.data(), text.size(), top_k, &json) == PERCH_OK);
      const auto want = nlohmann::json::parse(json, nullptr, false);
      REQUIRE(want.is_array());
      REQUIRE(perch_language_detector_detect_scores(det, text.data(), text.size(), top_k, labels.data(), conf.data(),
                                                    n + 1, &count) == PERCH_OK);
      REQUIRE(count == static_cast<int>(want.size()));
      for (int i = 0; i < count; ++i) {
        const std::string lang = labels[i] < 0 ? "und" : perch_language_detector_label(det, labels[i]);
        REQUIRE(lang == want[i]["detectedLanguage"].get<std::string>());
        REQUIRE(conf[i] == want[i]["confidence"].get<double>());  // the same double JSON.parse gives
      }
    }
  }
  // Capacity: top_k languages + und, else a clear error and nothing written.
  const std::string text = "Guten Tag, wie geht es Ihnen?";
  REQUIRE(perch_language_detector_detect_scores(det, text.data(), text.size(), 3, labels.data(), conf.data(), 3,
                                                &count) == PERCH_INVALID_ARGUMENT);
  REQUIRE(count == 0);
  REQUIRE(std::string(perch_last_error()).find("capacity") != std::string::npos);
  REQUIRE(perch_language_detector_detect_scores(det, text.data(), text.size(), 3, labels.data(), conf.data(), 4,
                                                &count) == PERCH_OK);
  REQUIRE(count >= 2);
  REQUIRE(perch_language_detector_label(det, labels[0]) == std::string("de"));
  REQUIRE(perch_language_detector_set_expected_languages(nullptr, "en") == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_language_detector_set_expected_languages(det, nullptr) == PERCH_OK);
  REQUIRE(perch_language_detector_set_expected_languages(det, "de-AT,xx") == PERCH_OK);
  REQUIRE(perch_language_detector_detect_scores(det, "\xC3", 1, 3, labels.data(), conf.data(), 4, &count) ==
          PERCH_INVALID_UTF8);
  REQUIRE(count == 0);
  REQUIRE(perch_language_detector_detect_scores(det, text.data(), text.size(), 0, labels.data(), conf.data(), 4,
                                                &count) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_language_detector_detect_scores(det, nullptr, 3, 1, labels.data(), conf.data(), 4, &count) ==
          PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_language_detector_detect_scores(det, text.data(), text.size(), 1, nullptr, conf.data(), 4, &count) ==
          PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_language_detector_detect_scores(nullptr, text.data(), text.size(), 1, labels.data(), conf.data(), 4,
                                                &count) == PERCH_INVALID_ARGUMENT);
  perch_language_detector_free(det);
}

TEST_CASE("detect_scores gives detect()'s answer with label indices, top-k scan or sort alike", "[langid]") {
  LanguageDetector& d = detector();
  std::vector<LanguageScore> scores;
  for (const char* text : {"Il fait beau aujourd'hui", "Dobrý den", "xyz qqq", "I would like to"}) {
    for (int k : {1, 4, 8, 9, 30, 1000}) {
      INFO(text << " k " << k);
      auto full = d.detect(text, k);
      REQUIRE(full.is_ok());
      REQUIRE(d.detect_scores(text, k, &scores).is_ok());
      REQUIRE(scores.size() == full.value().size());
      for (size_t i = 0; i < scores.size(); ++i) {
        REQUIRE((scores[i].label < 0 ? std::string("und") : d.labels()[scores[i].label]) == full.value()[i].language);
        REQUIRE(scores[i].confidence == full.value()[i].confidence);
      }
      // The order does not depend on how top-k was found: the first 8 of a long list are the top 8.
      auto all = d.detect(text, 1000);
      REQUIRE(all.is_ok());
      for (size_t i = 0; i + 1 < full.value().size(); ++i) REQUIRE(full.value()[i].language == all.value()[i].language);
    }
  }
  REQUIRE(d.detect_scores("a", 0, &scores).code() == StatusCode::kInvalidArgument);
  REQUIRE(scores.empty());
}

TEST_CASE("C++ probabilities match the numpy re-implementation of the model", "[langid]") {
  // tests/data/langid_model_vectors.jsonl: tools/langid/make_model_vectors.py (Python featurizer +
  // numpy over the same int8 weights). Agreement checks featurizer, ops and task layer together.
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  std::ifstream in(std::string(env ? env : PERCH_SOURCE_DIR) + "/tests/data/langid_model_vectors.jsonl");
  REQUIRE(in.good());
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const auto rec = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(!rec.is_discarded());
    const std::string text = rec["text"].get<std::string>();
    std::vector<float> probs;
    auto r = detector().model_probabilities(text, &probs);
    REQUIRE(r.is_ok());
    REQUIRE(r.value());
    INFO(text.substr(0, 60));
    const auto& labels = detector().labels();
    for (const auto& pair : rec["top"]) {
      const std::string label = pair[0].get<std::string>();
      const double want = pair[1].get<double>();
      const auto it = std::find(labels.begin(), labels.end(), label);
      REQUIRE(it != labels.end());
      INFO(label);
      REQUIRE(probs[static_cast<size_t>(it - labels.begin())] == Approx(want).margin(2e-4));
    }
    ++n;
  }
  REQUIRE(n >= 5);
}
