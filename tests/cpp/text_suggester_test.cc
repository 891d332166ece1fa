// TextSuggester on the shipped model (models/suggest/suggest.perch): real suggestions, the same
// answer incrementally and from scratch, defined behaviour on every kind of bad input, and the
// C ABI around it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "perch/c_api/perch.h"
#include "perch/format/reader.h"
#include "perch/format/writer.h"
#include "perch/runtime/model.h"
#include "perch/tasks/text_suggester.h"

using namespace perch;

namespace {

std::string model_path() {
  const char* env = std::getenv("PERCH_SOURCE_DIR");
  return std::string(env ? env : PERCH_SOURCE_DIR) + "/models/suggest/suggest.perch";
}

std::shared_ptr<const Model> shipped_model() {
  static std::shared_ptr<const Model> model = [] {
    auto m = Model::load_file(model_path());
    REQUIRE(m.is_ok());
    return m.value();
  }();
  return model;
}

std::vector<uint8_t> model_bytes() {
  std::vector<uint8_t> bytes;
  FILE* f = std::fopen(model_path().c_str(), "rb");
  REQUIRE(f != nullptr);
  std::fseek(f, 0, SEEK_END);
  bytes.resize(static_cast<size_t>(std::ftell(f)));
  std::fseek(f, 0, SEEK_SET);
  REQUIRE(std::fread(bytes.data(), 1, bytes.size(), f) == bytes.size());
  std::fclose(f);
  return bytes;
}

// The shipped model with one metadata entry replaced (or added).
std::shared_ptr<const Model> model_with(const std::string& key, const std::string& value) {
  const std::vector<uint8_t> bytes = model_bytes();
  auto file = read_perch_file(bytes.data(), bytes.size());
  REQUIRE(file.is_ok());
  std::vector<NamedTensor> tensors;
  for (const TensorEntry& t : file.value().tensors)
    tensors.push_back({t.name, Tensor{t.dtype, t.shape, const_cast<void*>(file.value().bytes_of(t))}});
  std::map<std::string, std::string> metadata = file.value().metadata;
  metadata[key] = value;
  auto out = write_perch_bytes(tensors, metadata);
  REQUIRE(out.is_ok());
  auto m = Model::load(out.value().data(), out.value().size());
  REQUIRE(m.is_ok());
  return m.value();
}

// The shipped model with f32 tensor `name` rewritten by `edit` and perch.lexicon set to
// `lexicon`: hostile weights made in the test.
template <typename Edit>
std::shared_ptr<const Model> model_with_tensor(const std::string& name, Edit edit, const std::string& lexicon) {
  const std::vector<uint8_t> bytes = model_bytes();
  auto file = read_perch_file(bytes.data(), bytes.size());
  REQUIRE(file.is_ok());
  std::vector<std::vector<float>> edited;
  edited.reserve(file.value().tensors.size());
  std::vector<NamedTensor> tensors;
  for (const TensorEntry& t : file.value().tensors) {
    void* data = const_cast<void*>(file.value().bytes_of(t));
    if (t.name == name) {
      REQUIRE(t.dtype == DType::kF32);
      const float* f = static_cast<const float*>(data);
      edited.emplace_back(f, f + t.shape.numel());
      edit(&edited.back());
      data = edited.back().data();
    }
    tensors.push_back({t.name, Tensor{t.dtype, t.shape, data}});
  }
  std::map<std::string, std::string> metadata = file.value().metadata;
  metadata["perch.lexicon"] = lexicon;
  auto out = write_perch_bytes(tensors, metadata);
  REQUIRE(out.is_ok());
  auto m = Model::load(out.value().data(), out.value().size());
  INFO(m.status().to_string());
  REQUIRE(m.is_ok());
  return m.value();
}

std::unique_ptr<TextSuggester> make_suggester() {
  auto s = TextSuggester::create(shipped_model(), 1);
  REQUIRE(s.is_ok());
  return std::move(s.value());
}

void require_same(const std::vector<Suggestion>& a, const std::vector<Suggestion>& b, const std::string& text) {
  INFO("text: '" << text << "' incremental " << TextSuggester::to_json(a) << " scratch " << TextSuggester::to_json(b));
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].text == b[i].text);
    REQUIRE(std::fabs(a[i].confidence - b[i].confidence) <= 2e-3);
  }
}

}  // namespace

TEST_CASE("suggester gives real suggestions on the shipped model", "[suggest]") {
  auto s = make_suggester();
  auto r = s->suggest("I would like to", 3, 2);
  REQUIRE(r.is_ok());
  REQUIRE(!r.value().empty());

  r = s->suggest("Thank you for your hel", 3, 0);
  REQUIRE(r.is_ok());
  REQUIRE(!r.value().empty());
  REQUIRE(r.value()[0].text.substr(0, 1) == "p");

  r = s->suggest("The President of the United Sta", 3, 0);
  REQUIRE(r.is_ok());
  REQUIRE(!r.value().empty());
  REQUIRE(r.value()[0].text.rfind("tes", 0) == 0);

  // Best first, every confidence within (threshold, 1], at most `count`, no duplicates.
  for (const char* text : {"I would like to ", "We must", "The", "It is a good idea to use the "}) {
    r = s->suggest(text, 4, 2);
    REQUIRE(r.is_ok());
    const auto& v = r.value();
    REQUIRE(v.size() <= 4);
    for (size_t i = 0; i < v.size(); ++i) {
      REQUIRE(!v[i].text.empty());
      REQUIRE(v[i].confidence >= s->decoding().threshold);
      REQUIRE(v[i].confidence <= 1.0);
      if (i > 0) REQUIRE(v[i - 1].confidence >= v[i].confidence);
      for (size_t j = 0; j < i; ++j) REQUIRE(v[i].text != v[j].text);
    }
  }
  // A word being typed is completed, not replaced: every completion of "Pres" continues it.
  r = s->suggest("The Pres", 5, 0);
  REQUIRE(r.is_ok());
  for (const auto& sug : r.value()) REQUIRE(sug.text.find(' ') == std::string::npos);
}

TEST_CASE("suggester: incremental typing and deletions give the from-scratch answer", "[suggest]") {
  auto incremental = make_suggester();
  auto scratch = make_suggester();
  const std::string sentence = "Thank you for your help with the report. We will send it to them";
  std::vector<std::string> texts;
  for (size_t i = 1; i <= sentence.size(); i += 3) texts.push_back(sentence.substr(0, i));
  // Deletions back into earlier words, then typing something else.
  texts.push_back("Thank you for your help with the rep");
  texts.push_back("Thank you for your he");
  texts.push_back("Thank you for");
  texts.push_back("Thank you for your time and");
  texts.push_back("Thank you for your time and ");
  int incremental_tokens = 0, scratch_tokens = 0;
  for (const std::string& text : texts) {
    auto a = incremental->suggest(text, 3, 1);
    incremental_tokens += incremental->stats().tokens_run;
    scratch->reset();
    auto b = scratch->suggest(text, 3, 1);
    scratch_tokens += scratch->stats().tokens_run;
    REQUIRE(a.is_ok());
    REQUIRE(b.is_ok());
    require_same(a.value(), b.value(), text);
  }
  REQUIRE(incremental_tokens < scratch_tokens);
}

TEST_CASE("suggester: remembered distributions give the answer of a fresh run, and spare model steps", "[suggest]") {
  auto s = make_suggester();
  auto fresh = make_suggester();
  // Typing a word asks again about sequences of the previous keystrokes; other text in between
  // pushes them out of the 16 remembered (and the KV cache elsewhere).
  const std::vector<std::string> texts = {"We will send it to them tomor",   "We will send it to them tomorr",
                                          "We will send it to them tomorro", "The committee has",
                                          "Thank you for your hel",          "We will send it to them tomorr",
                                          "We will send it to them tomorr"};
  int steps_again = -1;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto a = s->suggest(texts[i], 3, 2);
    REQUIRE(a.is_ok());
    if (i + 1 == texts.size()) steps_again = s->stats().forward_calls;
    fresh->reset();
    auto b = fresh->suggest(texts[i], 3, 2);
    REQUIRE(b.is_ok());
    REQUIRE(!b.value().empty());
    require_same(a.value(), b.value(), texts[i]);
  }
  REQUIRE(fresh->stats().forward_calls > 0);
  REQUIRE(steps_again == 0);  // the same text again: every distribution is remembered
}

TEST_CASE("suggester: long text keeps a window, and the window does not change the answer", "[suggest]") {
  auto incremental = make_suggester();
  auto scratch = make_suggester();
  std::string text;
  for (int i = 0; i < 40; ++i) text += "We will work with our friends and allies to build a better future. ";
  std::string typed = text;
  int incremental_tokens = 0, scratch_tokens = 0;
  for (char c : std::string("Our nation is strong")) {
    typed.push_back(c);
    auto a = incremental->suggest(typed, 3, 1);
    REQUIRE(a.is_ok());
    incremental_tokens += incremental->stats().tokens_run;
    REQUIRE(incremental->stats().context_tokens <= incremental->decoding().window);
    scratch->reset();
    auto b = scratch->suggest(typed, 3, 1);
    REQUIRE(b.is_ok());
    scratch_tokens += scratch->stats().tokens_run;
    require_same(a.value(), b.value(), typed.substr(typed.size() - 40));
  }
  // With a long context the KV cache saves most of the work: a keystroke runs only its new tokens.
  REQUIRE(incremental_tokens * 2 < scratch_tokens);
  // 100 KB of text: the tail only, still a defined answer.
  std::string huge;
  while (huge.size() < 100 * 1024) huge += "and the people of this country have spoken ";
  auto r = incremental->suggest(huge, 3, 2);
  REQUIRE(r.is_ok());
  REQUIRE(incremental->stats().context_tokens <= incremental->decoding().window);
  REQUIRE(incremental->stats().context_tokens > 0);
  // One giant "word": nothing to complete, no crash.
  r = incremental->suggest(std::string(100 * 1024, 'x'), 3, 2);
  REQUIRE(r.is_ok());
  REQUIRE(r.value().empty());
}

TEST_CASE("suggester: empty, whitespace, non-English and invalid input are defined", "[suggest]") {
  auto s = make_suggester();
  for (const char* text : {"", " ", "   \t\n  ", "\n"}) {
    auto r = s->suggest(text, 3, 2);
    REQUIRE(r.is_ok());
    REQUIRE(r.value().empty());
  }
  for (const char* text : {"Привет, как дела? Я хоч", "日本語のテキスト", "😀😀😀 ", "C'est déjà l'é", "1234 56"}) {
    auto r = s->suggest(text, 3, 2);
    REQUIRE(r.is_ok());
    REQUIRE(r.value().size() <= 3);
  }
  for (const std::string& bad :
       {std::string("abc\xff"), std::string("Thank you \xc3"), std::string("\xed\xa0\x80 x")}) {
    auto r = s->suggest(bad, 3, 2);
    REQUIRE(r.status().code() == StatusCode::kInvalidUtf8);
  }
  // Limits from perch.h: outside them an error that names them, never a silent clamp.
  for (auto [count, max_words] : {std::pair{0, 2}, {17, 2}, {1000, 2}, {-1, 2}, {3, -1}, {3, 9}, {3, 100}}) {
    auto r = s->suggest("Thank you for your hel", count, max_words);
    REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
    REQUIRE(r.status().message().find(count < 1 || count > 16
                                          ? "count must be an integer in [1, 16]"
                                          : "maxWords must be an integer in [0, 8]") != std::string::npos);
  }
  auto r = s->suggest("Thank you for your hel", PERCH_SUGGEST_COUNT_MAX, PERCH_SUGGEST_MAX_WORDS_MAX);
  REQUIRE(r.is_ok());
  REQUIRE(r.value().size() <= 16);
  // After an error the suggester still works.
  r = s->suggest("Thank you for your hel", 3, 0);
  REQUIRE(r.is_ok());
  REQUIRE(!r.value().empty());
}

TEST_CASE("suggester JSON is exactly [{\"text\":...,\"confidence\":...}]", "[suggest]") {
  REQUIRE(TextSuggester::to_json({}) == "[]");
  REQUIRE(TextSuggester::to_json({{"ing the", 0.41}}) == "[{\"text\":\"ing the\",\"confidence\":0.41}]");
  REQUIRE(TextSuggester::to_json({{"a\"b\\c", 0.5}, {"é", 0.25}}) ==
          "[{\"text\":\"a\\\"b\\\\c\",\"confidence\":0.5},{\"text\":\"é\",\"confidence\":0.25}]");
}

TEST_CASE("suggester: completions end in a word of the model's lexicon", "[suggest]") {
  auto s = TextSuggester::create(model_with("perch.lexicon", "hello\nhelp\nhelpful\nhelps\nthe\nthem"), 1);
  REQUIRE(s.is_ok());
  s.value()->set_threshold(0);
  auto r = s.value()->suggest("Thank you for your hel", 4, 0);
  REQUIRE(r.is_ok());
  REQUIRE(!r.value().empty());
  for (const auto& sug : r.value()) {
    INFO(sug.text);
    const std::string word = "hel" + sug.text;
    REQUIRE((word == "hello" || word == "help" || word == "helpful" || word == "helps"));
  }
  // Capitals match the lower-case lexicon; punctuation before the word is not part of it.
  r = s.value()->suggest("I asked for (He", 3, 0);
  REQUIRE(r.is_ok());
  for (const auto& sug : r.value()) REQUIRE(sug.text.rfind("l", 0) == 0);
  // A word the lexicon does not know is still completed by the model alone.
  r = s.value()->suggest("Thank you for your cooperat", 3, 0);
  REQUIRE(r.is_ok());
  REQUIRE(!r.value().empty());
  // Without a lexicon the model's own words come back, some of them outside that list.
  auto plain = TextSuggester::create(model_with("perch.lexicon", ""), 1);
  REQUIRE(plain.is_ok());
  plain.value()->set_threshold(0);
  r = plain.value()->suggest("Thank you for your hel", 4, 0);
  REQUIRE(r.is_ok());
  REQUIRE(r.value().size() == 4);
  REQUIRE(std::any_of(r.value().begin(), r.value().end(), [](const Suggestion& sug) {
    return sug.text != "lo" && sug.text != "p" && sug.text != "pful" && sug.text != "ps";
  }));
}

TEST_CASE("suggester: lists fill the count where words abound; a threshold may not", "[suggest]") {
  auto s = make_suggester();
  REQUIRE(s->decoding().threshold < 0);  // the default: lists filled with the words found
  REQUIRE(s->decoding().show_threshold > 0);
  const double model_threshold = 0.03;
  int below = 0;
  for (const char* text : {"The Pres", "We must", "It was pitch-da", "Deceiving her pre", "I would like to "}) {
    s->set_threshold(model_threshold);
    auto a = s->suggest(text, 3, 0);
    s->set_threshold(0);
    auto b = s->suggest(text, 3, 0);
    REQUIRE(a.is_ok());
    REQUIRE(b.is_ok());
    INFO(text << " " << TextSuggester::to_json(a.value()) << " " << TextSuggester::to_json(b.value()));
    REQUIRE(b.value().size() == 3);
    REQUIRE(a.value().size() <= 3);
    for (size_t i = 0; i < a.value().size(); ++i) REQUIRE(a.value()[i].confidence >= model_threshold);
    for (const auto& sug : b.value()) below += sug.confidence < model_threshold;
  }
  REQUIRE(below > 0);
}

TEST_CASE("suggester: softmax of NaN and infinite logits is a distribution or all zeros", "[suggest]") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<double> p;
  const float mixed[] = {1.0f, nan, 1.0f, -inf};
  finite_softmax(mixed, 4, &p);
  REQUIRE(p == std::vector<double>{0.5, 0.0, 0.5, 0.0});
  const float infinite[] = {inf, 3.0f, nan, inf};
  finite_softmax(infinite, 4, &p);
  REQUIRE(p == std::vector<double>{0.5, 0.0, 0.0, 0.5});
  const float none[] = {nan, -inf, nan};
  finite_softmax(none, 3, &p);
  REQUIRE(p == std::vector<double>{0.0, 0.0, 0.0});
}

TEST_CASE("suggester: a model with NaN or infinite logits gives defined answers (hostile case)", "[suggest]") {
  // Issue 15, case 3: NaN logits and a lexicon that rejects the candidates read past the search's
  // page of candidates. Logits = LayerNorm(x) . tok * tok.scale (scales must be finite): NaN in
  // ln_f.g makes every logit NaN, Inf in ln_f.b or huge scales some infinite and some NaN.
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  struct Hostile {
    const char* tensor;
    std::function<void(std::vector<float>*)> edit;
  };
  const std::vector<Hostile> cases = {
      {"ln_f.g", [&](std::vector<float>* v) { std::fill(v->begin(), v->end(), nan); }},
      {"ln_f.g", [&](std::vector<float>* v) { (*v)[7] = nan; }},
      {"tok.scale",
       [&](std::vector<float>* v) {
         for (size_t i = 0; i < v->size(); i += 3) (*v)[i] = 3e38f;
       }},
      {"ln_f.b", [&](std::vector<float>* v) { std::fill(v->begin(), v->end(), inf); }},
  };
  for (const Hostile& h : cases) {
    for (const char* lexicon : {"zzzz\nzzzzz", "the\nthey\nthem\nhelp", ""}) {
      auto s = TextSuggester::create(model_with_tensor(h.tensor, h.edit, lexicon), 1);
      REQUIRE(s.is_ok());
      for (double threshold : {0.0, 0.03}) {
        s.value()->set_threshold(threshold);
        for (const char* text : {"Thank you for your hel", "The ", "We", "zz", "I would like to "}) {
          auto r = s.value()->suggest(text, 16, 8);
          INFO(h.tensor << " lexicon '" << lexicon << "' text '" << text << "'");
          REQUIRE(r.is_ok());
          for (const Suggestion& sug : r.value()) {
            REQUIRE(std::isfinite(sug.confidence));
            REQUIRE(sug.confidence > 0);
            REQUIRE(sug.confidence <= 1);
          }
        }
      }
    }
  }
}

TEST_CASE("suggester: 'i' alone also completes to 'I', a replace suggestion; sentence starts are capitalised",
          "[suggest]") {
  auto s = make_suggester();
  for (const char* text : {"i", "Thank you. i", "Yes, and i"}) {
    auto r = s->suggest(text, 3, 0);
    REQUIRE(r.is_ok());
    INFO(text << " " << TextSuggester::to_json(r.value()));
    const auto it = std::find_if(r.value().begin(), r.value().end(), [](const Suggestion& x) { return x.replace; });
    REQUIRE(it != r.value().end());
    REQUIRE(it->text == "I");
    double total = 0;
    for (const Suggestion& x : r.value()) total += x.confidence;
    REQUIRE(total <= 1.0001);
  }
  auto r = s->suggest("i", 3, 0);
  REQUIRE(r.value()[0].text == "I");  // at the text's start "I" is by far the likeliest
  REQUIRE(TextSuggester::to_json({{"I", 0.5, true}}) == "[{\"text\":\"I\",\"confidence\":0.5,\"replace\":true}]");
  // No replace suggestion for other words.
  for (const char* text : {"Thank you for your hel", "in", "It"}) {
    r = s->suggest(text, 3, 0);
    for (const Suggestion& x : r.value()) REQUIRE(!x.replace);
  }
  // After a sentence end the next words start with a capital letter.
  for (const char* text : {"Thank you. ", "It works! ", "Is it done? ", "He said \"no.\" "}) {
    r = s->suggest(text, 5, 1);
    REQUIRE(r.is_ok());
    INFO(text << " " << TextSuggester::to_json(r.value()));
    REQUIRE(!r.value().empty());
    for (const Suggestion& x : r.value()) REQUIRE(!(x.text[0] >= 'a' && x.text[0] <= 'z'));
    for (size_t i = 1; i < r.value().size(); ++i) REQUIRE(r.value()[i - 1].text != r.value()[i].text);
  }
  // Contractions are words.
  r = s->suggest("I don", 3, 0);
  REQUIRE(r.value()[0].text == "'t");
  r = s->suggest("I'l", 3, 0);
  REQUIRE(r.value()[0].text == "l");
}

TEST_CASE("suggester learns from its user: learn, forget, export, import", "[suggest]") {
  auto s = make_suggester();
  const std::string text = "We use the Zorblax engine here. The Zorblax engine is fast.";
  auto before = s->suggest("I like the Zor", 3, 0);
  REQUIRE(before.is_ok());
  REQUIRE(
      std::none_of(before.value().begin(), before.value().end(), [](const Suggestion& x) { return x.text == "blax"; }));
  REQUIRE(s->learn(text).is_ok());
  auto after = s->suggest("I like the Zor", 3, 0);
  REQUIRE(after.is_ok());
  INFO(TextSuggester::to_json(after.value()));
  REQUIRE(after.value()[0].text == "blax");
  // A word pair the user wrote comes up after a space too.
  after = s->suggest("We all like Zorblax ", 3, 0);
  REQUIRE(
      std::any_of(after.value().begin(), after.value().end(), [](const Suggestion& x) { return x.text == "engine"; }));
  // Export and import carry it to another suggester; forget drops it.
  const std::string exported = s->export_learned();
  REQUIRE(exported.find("\"Zorblax\"") != std::string::npos);
  auto other = make_suggester();
  REQUIRE(other->import_learned(exported).is_ok());
  auto imported = other->suggest("I like the Zor", 3, 0);
  require_same(imported.value(), s->suggest("I like the Zor", 3, 0).value(), "imported");
  s->forget();
  require_same(s->suggest("I like the Zor", 3, 0).value(), before.value(), "forgotten");
  REQUIRE(s->export_learned() == "{\"pairs\":[],\"version\":1,\"words\":[]}");
  for (const char* bad :
       {"", "[]", "{\"version\":2,\"words\":[],\"pairs\":[]}", "{\"version\":1,\"words\":[[\"a\",-1]],\"pairs\":[]}",
        "{\"version\":1,\"words\":[[\"a\\tb\",1]],\"pairs\":[]}", "{\"version\":1,\"words\":[]}"}) {
    INFO(bad);
    REQUIRE(other->import_learned(bad).code() == StatusCode::kInvalidArgument);
  }
  REQUIRE(s->learn("bad \xff").code() == StatusCode::kInvalidUtf8);
  // Bounded: a long text keeps at most kMaxWords words.
  std::string many;
  for (int i = 0; i < 6000; ++i) many += "w" + std::to_string(i * 7919) + "x ";
  REQUIRE(s->learn(many).is_ok());
  REQUIRE(s->learn("hello").is_ok());
}

TEST_CASE("suggester rejects models of another task", "[suggest]") {
  REQUIRE(!TextSuggester::create(nullptr, 1).is_ok());
}

TEST_CASE("text suggester C ABI", "[suggest][c_api]") {
  const std::vector<uint8_t> bytes = model_bytes();
  perch_model* model = nullptr;
  REQUIRE(perch_model_load(bytes.data(), bytes.size(), &model) == PERCH_OK);
  perch_text_suggester* s = nullptr;
  REQUIRE(perch_text_suggester_create(nullptr, 1, &s) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_text_suggester_create(model, 1, nullptr) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_text_suggester_create(model, 1, &s) == PERCH_OK);
  perch_model_free(model);  // the suggester keeps its own reference

  const char* json = nullptr;
  const std::string text = "Thank you for your hel";
  REQUIRE(perch_text_suggester_suggest(s, text.data(), text.size(), 3, 0, &json) == PERCH_OK);
  REQUIRE(json != nullptr);
  REQUIRE(std::string(json).rfind("[{\"text\":\"p", 0) == 0);

  REQUIRE(perch_text_suggester_suggest(s, "", 0, 3, 0, &json) == PERCH_OK);
  REQUIRE(std::string(json) == "[]");
  REQUIRE(perch_text_suggester_suggest(s, nullptr, 0, 3, 0, &json) == PERCH_OK);
  REQUIRE(perch_text_suggester_suggest(s, "ab\xff", 3, 3, 0, &json) == PERCH_INVALID_UTF8);
  REQUIRE(json == nullptr);
  REQUIRE(std::string(perch_last_error()).find("UTF-8") != std::string::npos);
  REQUIRE(perch_text_suggester_suggest(s, nullptr, 5, 3, 0, &json) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_text_suggester_suggest(s, "a", 1, PERCH_SUGGEST_COUNT_MAX + 1, 0, &json) == PERCH_INVALID_ARGUMENT);
  REQUIRE(std::string(perch_last_error()).find("count must be an integer in [1, 16]") != std::string::npos);
  REQUIRE(perch_text_suggester_suggest(s, "a", 1, 3, PERCH_SUGGEST_MAX_WORDS_MAX + 1, &json) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_text_suggester_suggest(nullptr, "a", 1, 3, 0, &json) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_text_suggester_suggest(s, "a", 1, 3, 0, nullptr) == PERCH_INVALID_ARGUMENT);
  // Learning through the C ABI.
  REQUIRE(perch_text_suggester_show_threshold(s) > 0);
  REQUIRE(perch_text_suggester_learn(s, "Zorblax engine", 14) == PERCH_OK);
  REQUIRE(perch_text_suggester_export_learned(s, &json) == PERCH_OK);
  const std::string exported = json;
  REQUIRE(exported.find("Zorblax") != std::string::npos);
  perch_text_suggester_forget(s);
  REQUIRE(perch_text_suggester_export_learned(s, &json) == PERCH_OK);
  REQUIRE(std::string(json).find("Zorblax") == std::string::npos);
  REQUIRE(perch_text_suggester_import_learned(s, exported.data(), exported.size()) == PERCH_OK);
  REQUIRE(perch_text_suggester_import_learned(s, "{", 1) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_text_suggester_learn(s, "\xff", 1) == PERCH_INVALID_UTF8);
  REQUIRE(perch_text_suggester_learn(nullptr, "a", 1) == PERCH_INVALID_ARGUMENT);
  REQUIRE(perch_text_suggester_export_learned(nullptr, &json) == PERCH_INVALID_ARGUMENT);
  perch_text_suggester_forget(nullptr);
  perch_text_suggester_free(s);
  perch_text_suggester_free(nullptr);
}
