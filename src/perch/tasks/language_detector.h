// LanguageDetector: text -> the languages it is written in, with confidences, in the shape of
// the browser's Language Detector API. Used by the C ABI (wasm, JS), the CLI and the server,
// so every place answers with the same code.
//
//   text --(text/ngram: hashed char n-grams)--> ids --(Session: EmbeddingBag, FC, FC, Softmax)
//        --> probabilities over perch.labels --> top_k, then "und" with the remaining mass.
//
// `und` (undetermined): a text with no letters at all (empty, digits, punctuation, emoji) is
// [{"und", 1}]; otherwise the top_k languages sorted by confidence are followed by "und"
// carrying the probability left over (1 - their sum) when that is at least kMinUndMass. So the
// confidences sum to at most 1 and a flat, unsure distribution shows up as a large `und`.
#pragma once
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
  static constexpr float kMinUndMass = 0.001f;
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

  std::unique_ptr<Session> session_;
  std::vector<std::string> labels_;
  text::NgramFeaturizer featurizer_;
  std::string output_name_;
  std::unique_ptr<int32_t[]> ids_;        // room for the featurizer's max_ids, reused
  std::vector<int> order_;                // label indices, reused for a large top_k
  std::vector<LanguageScore> scores_;     // detect()'s buffer, reused
  int32_t zero_offset_ = 0;               // the "offsets" input, bound once at create
};

}  // namespace perch
