// LanguageDetector: text -> the languages it is written in, with confidences, in the shape of
// the browser's Language Detector API. Used by the C ABI (wasm, JS), the CLI and the server,
// so every place answers with the same code.
//
//   text --(text/ngram: hashed char n-grams)--> ids --(Session: EmbeddingBag, FC, FC, Softmax)
//        --> p: probabilities over perch.labels (trained with every language equally likely)
//        --> task layer (the model's `perch.priors` metadata; tools/langid/task_layer.py is its
//            Python twin, tests/data/langid_task_vectors.jsonl checks that both agree):
//   1. script gate: a language whose scripts (ISO 15924) hold under half of the text's letters
//      is ruled out (Korean text never reads as Lao);
//   2. priors: q_i ~ p_i * speakers_i ^ prior_exponent, so a small neighbour (wa, sc, gl, ast,
//      fur, crh) wins only on real evidence; expected languages (set_expected_languages) get
//      kExpectedLanguageBoost times the largest prior, so between close neighbours (da/no,
//      id/ms, bg/mk) the one the user writes wins whenever the model gives it real weight;
//   3. unknown score u = min(1, unknown_scale * (1 - max q) * unknown_letters / letters), and at
//      least 1 - letters / min_letters: little signal (few letters, a flat q) makes u large; the
//      languages get c_i = (1 - u) * q_i;
//   4. the result list (the W3C Language Detector API's): languages in descending confidence
//      until their cumulative confidence reaches 0.99 or the next one is below u, at most top_k;
//      the listed languages share 1 - u in proportion (they take the unlisted ones' share), and
//      `und` ends the list with u, so no listed language is below it. Confidences (four
//      decimals, rounded down; und takes the rounding) sum to exactly 1.
// A text with no letters at all (empty, digits, punctuation, emoji) is [{"und", 1}]. A model
// without `perch.priors` gets uniform priors, no script gate and u = 0.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "perch/core/status.h"
#include "perch/runtime/model.h"
#include "perch/runtime/session.h"
#include "perch/text/ngram.h"

namespace perch {

struct LanguageResult {
  std::string language;  // ISO 639-1 where one exists, else 639-3; "und" for undetermined
  float confidence = 0;  // in [0, 1]
};

// detect_scores()' answer: a label index instead of a string, so a per-keystroke caller (the C
// ABI's lean entry, the JS binding) gets the result without building strings or JSON.
struct LanguageScore {
  static constexpr int kUnd = -1;
  int label = kUnd;      // index into LanguageDetector::labels(), or kUnd
  float confidence = 0;  // in [0, 1]
};

class LanguageDetector {
 public:
  static constexpr double kCumulativeStop = 0.99;
  static constexpr double kScriptShareMin = 0.5;
  static constexpr size_t kMaxTextBytes = size_t{1} << 20;  // 1 MiB; longer text is an error

  // The model must be a language-detection .perch: perch.task, perch.labels, perch.ngram, inputs
  // ids i32 [-1] and offsets i32 [1], one output [1, labels] (or [labels]).
  static Result<std::unique_ptr<LanguageDetector>> create(std::shared_ptr<const Model> model, int num_threads = 1);
  ~LanguageDetector();

  // UTF-8 text (any length up to kMaxTextBytes; invalid UTF-8 is an InvalidUtf8 error). top_k >= 1
  // (clamped to the number of labels). Not thread-safe: one caller at a time per detector.
  Result<std::vector<LanguageResult>> detect(std::string_view utf8, int top_k = 3);

  // The same answer as detect() with label indices. *out is replaced (its capacity is reused, so
  // steady-state calls allocate nothing); on error it is left empty.
  Status detect_scores(std::string_view utf8, int top_k, std::vector<LanguageScore>* out);

  // The languages the caller expects (the JS API's expectedInputLanguages, the browser's
  // navigator.languages, the CLI's --expected): comma-separated BCP 47 tags ("en-US,fr"); the base
  // subtag is matched to a label (nb/nn -> no, fil -> tl, iw -> he, in -> id; unknown tags are
  // ignored), and those languages get kExpectedLanguageBoost times the largest prior. Empty: none.
  // Returns how many matched.
  int set_expected_languages(std::string_view tags);
  // 3: "Mange tak" (model: no 0.81, da 0.12) reads as da with da expected; a foreign text the
  // model is sure of (fr 0.7 against an expected en at 0.05) still reads as itself.
  static constexpr double kExpectedLanguageBoost = 3.0;
  const std::vector<bool>& expected_languages() const { return expected_; }

  // The model's own probabilities per label (before the task layer), into *out (resized to the
  // labels); false when the text has no letters. For tests that check the model against Python.
  Result<bool> model_probabilities(std::string_view utf8, std::vector<float>* out);

  // [{"detectedLanguage":"fr","confidence":0.97},...]: the JSON the JS API, CLI and server share.
  // Confidences are printed with four decimals, rounded down.
  static std::string to_json(const std::vector<LanguageResult>& results);

  // A confidence as to_json prints it: rounded down to four decimals (with a float-noise
  // tolerance, so the printed sum stays <= 1), in ten-thousandths: 0.97000003f -> 9700.
  static int confidence_ten_thousandths(float confidence);

  const std::vector<std::string>& labels() const { return labels_; }
  const text::NgramParams& ngram_params() const { return featurizer_.params(); }

 private:
  LanguageDetector(std::unique_ptr<Session> session, std::vector<std::string> labels, text::NgramParams params,
                   std::string output_name);

  Status parse_priors(const std::string& text);
  Status run_model(std::string_view utf8, const float** probs, bool* has_letters);
  int script_of(uint32_t cp) const;
  int range_of(uint32_t cp) const;
  // detect_scores' steps.
  struct ScriptCounts;
  void count_letters(std::string_view utf8, ScriptCounts* c) const;
  uint32_t letters_in_scripts_of(size_t label, const ScriptCounts& c) const;
  bool weigh_labels(const float* p, const ScriptCounts& c, double* q_max);
  void list_scores(int top_k, double u, std::vector<LanguageScore>* out);
  void update_prior_factors();

  std::unique_ptr<Session> session_;
  std::vector<std::string> labels_;
  text::NgramFeaturizer featurizer_;
  std::string output_name_;
  std::unique_ptr<int32_t[]> ids_;     // room for the featurizer's max_ids, reused
  std::vector<int> order_;             // label indices, reused for a large top_k
  std::vector<LanguageScore> scores_;  // detect()'s buffer, reused
  int32_t zero_offset_ = 0;            // the "offsets" input, bound once at create

  // Task layer (perch.priors).
  struct ScriptRange {
    uint32_t first, last;
    int script;
  };
  std::vector<double> log_prior_;  // prior_exponent * log(speakers), per label
  double max_log_prior_ = 0;
  std::vector<bool> expected_;              // per label
  std::vector<double> prior_factor_;        // exp(log prior - max), expected ones the boost: per call, no exp
  std::vector<ScriptRange> script_ranges_;  // sorted by first
  int ascii_script_ = -1;                   // the script of ASCII letters (Latn), or -1
  std::vector<uint64_t> label_scripts_;     // bit s: the label is written in script s
  double unknown_letters_ = 0, unknown_scale_ = 0, min_letters_ = 0;
  std::vector<float> weights_;  // per label: q, reused
};

}  // namespace perch
