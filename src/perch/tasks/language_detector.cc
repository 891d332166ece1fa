#include "perch/tasks/language_detector.h"

#include <algorithm>
#include <cmath>

#include "perch/format/json.h"
#include "perch/tasks/top_k.h"
#include "perch/text/utf8.h"

namespace perch {

namespace {
const IoInfo* find_io(const std::vector<IoInfo>& ios, std::string_view name) {
  for (const auto& io : ios) {
    if (io.name == name) return &io;
  }
  return nullptr;
}
}  // namespace

LanguageDetector::LanguageDetector(std::unique_ptr<Session> session, std::vector<std::string> labels,
                                   text::NgramParams params, std::string output_name)
    : session_(std::move(session)),
      labels_(std::move(labels)),
      featurizer_(params),
      output_name_(std::move(output_name)) {
  ids_.reset(new int32_t[params.max_ids]);
  order_.resize(labels_.size());
  scores_.reserve(labels_.size() + 1);
  log_prior_.assign(labels_.size(), 0.0);
  expected_.assign(labels_.size(), false);
  label_scripts_.assign(labels_.size(), 0);
  weights_.resize(labels_.size());
  prior_factor_.assign(labels_.size(), 1.0);
}

// perch.priors: {"version":1, "speakers_millions":{label: number}, "scripts":{label: [script]},
// "script_ranges":[[first, last, script]], "prior_exponent", "unknown_letters", "unknown_scale"}
// (tools/langid/priors.py writes it). Every label needs a speaker figure and scripts.
Status LanguageDetector::parse_priors(const std::string& text) {
  auto bad = [](const std::string& why) { return invalid_model("LanguageDetector: perch.priors: " + why); };
  JsonValue j;
  JsonParseError error;
  if (!parse_json(text, &j, &error)) return bad("not valid JSON (" + error.describe() + ")");
  if (!j.is_object()) return bad("not a JSON object");
  // A number in [0, 1000] (NaN never parses), or nullptr.
  auto small_number = [&](const char* key) -> const JsonValue* {
    const JsonValue& v = j.member(key);
    return v.is_number() && v.as_double() >= 0 && v.as_double() <= 1e3 ? &v : nullptr;
  };
  for (const char* key : {"prior_exponent", "unknown_letters", "unknown_scale"}) {
    if (!small_number(key)) return bad(std::string(key) + " must be a number in [0, 1000]");
  }
  const double exponent = j.member("prior_exponent").as_double();
  unknown_letters_ = j.member("unknown_letters").as_double();
  unknown_scale_ = j.member("unknown_scale").as_double();
  if (j.contains("min_letters")) {
    if (!small_number("min_letters")) return bad("min_letters must be a number in [0, 1000]");
    min_letters_ = j.member("min_letters").as_double();
  }
  if (!j.member("script_ranges").is_array()) return bad("script_ranges must be an array");
  std::vector<std::string> names;
  // A code point: a non-negative integer up to 0x10FFFF.
  auto code_point = [](const JsonValue& v) { return v.is_int64() && v.as_int64() >= 0 && v.as_int64() <= 0x10FFFF; };
  for (const JsonValue& r : j.member("script_ranges").items()) {
    if (!r.is_array() || r.size() != 3 || !code_point(r[0]) || !code_point(r[1]) || !r[2].is_string() ||
        r[0].as_int64() > r[1].as_int64())
      return bad("each script range must be [first, last, script] with first <= last <= 0x10FFFF");
    const std::string& name = r[2].as_string();
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      if (names.size() == 64) return bad("more than 64 scripts");
      names.push_back(name);
      it = names.end() - 1;
    }
    script_ranges_.push_back({static_cast<uint32_t>(r[0].as_int64()), static_cast<uint32_t>(r[1].as_int64()),
                              static_cast<int>(it - names.begin())});
  }
  std::sort(script_ranges_.begin(), script_ranges_.end(),
            [](const ScriptRange& a, const ScriptRange& b) { return a.first < b.first; });
  for (size_t i = 1; i < script_ranges_.size(); ++i) {
    if (script_ranges_[i].first <= script_ranges_[i - 1].last) return bad("script ranges overlap");
  }
  const JsonValue& speakers = j.member("speakers_millions");
  const JsonValue& scripts = j.member("scripts");
  if (!speakers.is_object() || !scripts.is_object()) return bad("speakers_millions and scripts must be objects");
  for (size_t i = 0; i < labels_.size(); ++i) {
    const std::string& l = labels_[i];
    const JsonValue& speaker = speakers.member(l);
    if (!speaker.is_number() || !(speaker.as_double() > 0)) return bad("no positive speaker figure for '" + l + "'");
    log_prior_[i] = exponent * std::log(speaker.as_double());
    const JsonValue& label_scripts = scripts.member(l);
    if (!label_scripts.is_array()) return bad("no scripts for '" + l + "'");
    for (const JsonValue& sc : label_scripts.items()) {
      const auto it = sc.is_string() ? std::find(names.begin(), names.end(), sc.as_string()) : names.end();
      if (it == names.end()) return bad("label '" + l + "' names a script without ranges");
      label_scripts_[i] |= uint64_t{1} << (it - names.begin());
    }
  }
  max_log_prior_ = *std::max_element(log_prior_.begin(), log_prior_.end());
  ascii_script_ = script_of('a');
  update_prior_factors();
  return Status::ok();
}

void LanguageDetector::update_prior_factors() {
  for (size_t i = 0; i < labels_.size(); ++i) {
    prior_factor_[i] = expected_[i] ? kExpectedLanguageBoost : std::exp(log_prior_[i] - max_log_prior_);
  }
}

int LanguageDetector::range_of(uint32_t cp) const {
  // The last range starting at or before cp, if cp is inside it.
  auto it = std::upper_bound(script_ranges_.begin(), script_ranges_.end(), cp,
                             [](uint32_t c, const ScriptRange& r) { return c < r.first; });
  if (it == script_ranges_.begin()) return -1;
  --it;
  return cp <= it->last ? static_cast<int>(it - script_ranges_.begin()) : -1;
}

int LanguageDetector::script_of(uint32_t cp) const {
  const int r = range_of(cp);
  return r < 0 ? -1 : script_ranges_[static_cast<size_t>(r)].script;
}

namespace {
// The language part of a BCP 47 tag, as a label: "en-US" -> "en", "nb" -> "no".
std::string base_language(std::string_view tag) {
  std::string base;
  for (char c : tag) {
    if (c == '-' || c == '_') break;
    base.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  static const std::pair<const char*, const char*> kAliases[] = {
      {"nb", "no"},  {"nn", "no"},  {"nob", "no"}, {"nno", "no"}, {"fil", "tl"}, {"iw", "he"},
      {"in", "id"},  {"ji", "yi"},  {"mo", "ro"},  {"cmn", "zh"}, {"yue", "zh"}, {"zsm", "ms"},
      {"arb", "ar"}, {"pes", "fa"}, {"prs", "fa"}, {"swh", "sw"}, {"bs", "hr"},  {"sh", "hr"}};
  for (const auto& [from, to] : kAliases) {
    if (base == from) return to;
  }
  return base;
}
}  // namespace

int LanguageDetector::set_expected_languages(std::string_view tags) {
  std::fill(expected_.begin(), expected_.end(), false);
  int matched = 0;
  size_t start = 0;
  while (start <= tags.size()) {
    size_t end = tags.find(',', start);
    if (end == std::string_view::npos) end = tags.size();
    std::string_view tag = tags.substr(start, end - start);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (!tag.empty()) {
      const std::string base = base_language(tag);
      for (size_t i = 0; i < labels_.size(); ++i) {
        if (labels_[i] == base && !expected_[i]) {
          expected_[i] = true;
          ++matched;
        }
      }
    }
    start = end + 1;
  }
  update_prior_factors();
  return matched;
}

LanguageDetector::~LanguageDetector() = default;

Result<std::unique_ptr<LanguageDetector>> LanguageDetector::create(std::shared_ptr<const Model> model,
                                                                   int num_threads) {
  if (!model) return invalid_argument("LanguageDetector: model is null");
  if (model->task() != "language-detection") {
    return invalid_model("LanguageDetector: perch.task is '" + model->task() + "', not 'language-detection'");
  }
  const std::string* labels_json = model->metadata("perch.labels");
  if (!labels_json) return invalid_model("LanguageDetector: metadata perch.labels is missing");
  JsonValue lj;
  if (!parse_json(*labels_json, &lj, nullptr) || !lj.is_array() || lj.size() == 0) {
    return invalid_model("LanguageDetector: perch.labels must be a non-empty JSON array of strings");
  }
  std::vector<std::string> labels;
  for (const JsonValue& l : lj.items()) {
    if (!l.is_string() || l.as_string().empty()) {
      return invalid_model("LanguageDetector: perch.labels must be a non-empty JSON array of strings");
    }
    labels.push_back(l.as_string());
  }
  const std::string* ngram_json = model->metadata("perch.ngram");
  if (!ngram_json) return invalid_model("LanguageDetector: metadata perch.ngram is missing");
  PERCH_ASSIGN_OR_RETURN(text::NgramParams params, text::NgramParams::from_json(*ngram_json));

  const IoInfo* ids = find_io(model->inputs(), "ids");
  const IoInfo* offsets = find_io(model->inputs(), "offsets");
  if (!ids || ids->dtype != DType::kI32 || ids->shape.rank() != 1) {
    return invalid_model("LanguageDetector: the model needs an input 'ids' i32 [-1]");
  }
  if (!offsets || offsets->dtype != DType::kI32 || offsets->shape.rank() != 1 || offsets->shape[0] != 1) {
    return invalid_model("LanguageDetector: the model needs an input 'offsets' i32 [1]");
  }
  if (model->inputs().size() != 2 || model->outputs().size() != 1) {
    return invalid_model("LanguageDetector: the model must have exactly the inputs ids, offsets and one output");
  }
  // Never feed more ids than the graph was planned for.
  const int64_t max_ids = ids->shape[0] >= 0 ? ids->shape[0] : ids->max_shape[0];
  if (max_ids < 1) return invalid_model("LanguageDetector: input 'ids' has no room for any id");
  params.max_ids = std::min<size_t>(params.max_ids, static_cast<size_t>(max_ids));

  const IoInfo& out = model->outputs()[0];
  int64_t classes = 1;
  for (int d = 0; d < out.max_shape.rank(); ++d) classes *= out.max_shape[d];
  if (out.dtype != DType::kF32 || classes != static_cast<int64_t>(labels.size())) {
    return invalid_model("LanguageDetector: output '" + out.name + "' must be f32 with one value per label (" +
                         std::to_string(labels.size()) + ")");
  }

  SessionOptions options;
  options.num_threads = std::max(1, num_threads);
  PERCH_ASSIGN_OR_RETURN(auto session, Session::create(model, options));
  std::unique_ptr<LanguageDetector> detector(
      new LanguageDetector(std::move(session), std::move(labels), params, out.name));
  if (const std::string* priors = model->metadata("perch.priors")) {
    PERCH_RETURN_IF_ERROR(detector->parse_priors(*priors));
  }
  // One bag starting at id 0, bound once: the session keeps the binding between runs.
  Tensor offsets_t;
  offsets_t.dtype = DType::kI32;
  offsets_t.shape = Shape{1};
  offsets_t.data = &detector->zero_offset_;
  PERCH_RETURN_IF_ERROR(detector->session_->set_input("offsets", offsets_t));
  return detector;
}

Status LanguageDetector::run_model(std::string_view utf8, const float** probs, bool* has_letters) {
  if (utf8.size() > kMaxTextBytes) {
    return out_of_range("detect: text of " + std::to_string(utf8.size()) + " bytes is over the limit of " +
                        std::to_string(kMaxTextBytes));
  }
  size_t n_ids = 0;
  PERCH_RETURN_IF_ERROR(featurizer_.featurize(utf8, ids_.get(), featurizer_.params().max_ids, &n_ids));
  *has_letters = n_ids > 0;
  if (n_ids == 0) return Status::ok();  // no letters: nothing to tell languages apart
  Tensor ids_t;
  ids_t.dtype = DType::kI32;
  ids_t.shape = Shape{static_cast<int64_t>(n_ids)};
  ids_t.data = ids_.get();
  PERCH_RETURN_IF_ERROR(session_->set_input("ids", ids_t));
  PERCH_RETURN_IF_ERROR(session_->run());
  PERCH_ASSIGN_OR_RETURN(Tensor probs_t, session_->output(output_name_));
  const int n = static_cast<int>(labels_.size());
  if (probs_t.dtype != DType::kF32 || probs_t.shape.numel() != n) {
    return internal_error("detect: output has " + std::to_string(probs_t.shape.numel()) + " values for " +
                          std::to_string(n) + " labels");
  }
  *probs = probs_t.as<float>();
  return Status::ok();
}

Result<bool> LanguageDetector::model_probabilities(std::string_view utf8, std::vector<float>* out) {
  out->clear();
  const float* p = nullptr;
  bool has_letters = false;
  PERCH_RETURN_IF_ERROR(run_model(utf8, &p, &has_letters));
  if (has_letters) out->assign(p, p + labels_.size());
  return has_letters;
}

// Letters in a text (for the unknown score; a run of one repeated letter counts once), letters in a
// known script, and per script (every letter).
struct LanguageDetector::ScriptCounts {
  uint32_t per_script[64];
  int letters = 0, scripted = 0;
  uint64_t seen = 0;  // bit s: some letter is in script s
};

// 1. Letters per script (the featurizer has validated the UTF-8).
void LanguageDetector::count_letters(std::string_view utf8, ScriptCounts* c) const {
  if (!script_ranges_.empty()) std::fill(c->per_script, c->per_script + 64, 0u);
  const ScriptRange* last = nullptr;  // text runs in one script: try the last range first
  uint32_t previous = 0;              // the last letter, lowercased; 0 after a non-letter
  for (text::Utf8Iterator it(utf8); !it.done(); it.next()) {
    const uint32_t cp = it.code_point();
    int s;
    if (cp < 0x80) {  // ASCII fast path: most text is Latin
      if (!((cp | 0x20u) - 'a' < 26u)) {
        previous = 0;
        continue;
      }
      c->letters += (cp | 0x20u) != previous;  // "Zzz", "hmmm": a repeated letter is no evidence
      previous = cp | 0x20u;
      s = ascii_script_;
    } else {
      if (!text::ngram_is_letter(cp)) {
        previous = 0;
        continue;
      }
      const uint32_t lower = text::ngram_lowercase(cp);
      c->letters += lower != previous;
      previous = lower;
      if (script_ranges_.empty()) continue;
      if (last && cp >= last->first && cp <= last->last) {
        s = last->script;
      } else {
        const int r = range_of(cp);
        if (r < 0) continue;
        last = &script_ranges_[static_cast<size_t>(r)];
        s = last->script;
      }
    }
    if (s < 0) continue;
    ++c->per_script[s];
    ++c->scripted;
    c->seen |= uint64_t{1} << s;
  }
}

// Letters of the text in the scripts label `k` is written in.
uint32_t LanguageDetector::letters_in_scripts_of(size_t k, const ScriptCounts& c) const {
  uint32_t in = 0;
  for (uint64_t m = label_scripts_[k] & c.seen; m; m &= m - 1) in += c.per_script[__builtin_ctzll(m)];
  return in;
}

// 2. Script gate and priors: w_i = p_i * prior_i (0 off-script), normalised to q in weights_.
// False when every weight is 0 (no evidence); else *q_max is the largest q.
bool LanguageDetector::weigh_labels(const float* p, const ScriptCounts& c, double* q_max) {
  const int n = static_cast<int>(labels_.size());
  bool gate = false;
  if (c.scripted > 0) {
    for (int i = 0; i < n && !gate; ++i)
      gate = letters_in_scripts_of(static_cast<size_t>(i), c) >= kScriptShareMin * c.scripted;
  }
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const size_t k = static_cast<size_t>(i);
    double w = p[i];
    if (!(w >= 0.0)) w = 0.0;  // NaN or negative never leaves the task layer
    if (gate && letters_in_scripts_of(k, c) < kScriptShareMin * c.scripted) w = 0.0;
    w *= prior_factor_[k];
    weights_[k] = static_cast<float>(w);
    sum += w;
  }
  if (!(sum > 0.0)) return false;
  *q_max = 0;
  for (int i = 0; i < n; ++i) {
    const double q = weights_[static_cast<size_t>(i)] / sum;
    weights_[static_cast<size_t>(i)] = static_cast<float>(q);
    *q_max = std::max(*q_max, q);
  }
  return true;
}

// 4. The result list, at most top_k languages; confidences in ten-thousandths, rounded down.
// The listed languages share 1 - u in proportion; und keeps u.
void LanguageDetector::list_scores(int top_k, double u, std::vector<LanguageScore>* out) {
  const int n = static_cast<int>(labels_.size());
  const int k = std::min(top_k, n);
  top_k_indices(weights_.data(), n, k, &order_);
  double cum = 0;
  int listed = 0;
  for (; listed < k; ++listed) {
    const double c = (1.0 - u) * weights_[static_cast<size_t>(order_[static_cast<size_t>(listed)])];
    if (cum >= kCumulativeStop || c < u || c <= 0.0) break;
    cum += c;
  }
  long listed_units = 0;
  for (int i = 0; i < listed; ++i) {
    const int label = order_[static_cast<size_t>(i)];
    const double c = (1.0 - u) * weights_[static_cast<size_t>(label)] * (1.0 - u) / cum;
    const long units = static_cast<long>(std::floor(c * 1e4 + 1e-9));
    listed_units += units;
    out->push_back({label, static_cast<float>(units / 1e4)});
  }
  long und_units = 10000 - listed_units;
  while (!out->empty() && static_cast<long>(std::lround(out->back().confidence * 1e4)) < und_units) {
    und_units += std::lround(out->back().confidence * 1e4);
    out->pop_back();
  }
  out->push_back({LanguageScore::kUnd, static_cast<float>(und_units / 1e4)});
}

Status LanguageDetector::detect_scores(std::string_view utf8, int top_k, std::vector<LanguageScore>* out) {
  out->clear();
  if (top_k < 1) return invalid_argument("detect: top_k must be >= 1, got " + std::to_string(top_k));
  const float* p = nullptr;
  bool has_letters = false;
  PERCH_RETURN_IF_ERROR(run_model(utf8, &p, &has_letters));
  ScriptCounts counts;
  double q_max = 0;
  if (has_letters) count_letters(utf8, &counts);
  if (!has_letters || !weigh_labels(p, counts, &q_max)) {  // no letters, or every probability 0
    out->push_back({LanguageScore::kUnd, 1.0f});
    return Status::ok();
  }
  // 3. Unknown score.
  double u = std::min(1.0, unknown_scale_ * (1.0 - q_max) * unknown_letters_ / std::max(counts.letters, 1));
  if (min_letters_ > 0) u = std::max(u, 1.0 - counts.letters / min_letters_);  // so short: mostly unknown
  list_scores(top_k, u, out);
  return Status::ok();
}

Result<std::vector<LanguageResult>> LanguageDetector::detect(std::string_view utf8, int top_k) {
  PERCH_RETURN_IF_ERROR(detect_scores(utf8, top_k, &scores_));
  std::vector<LanguageResult> results;
  results.reserve(scores_.size());
  for (const LanguageScore& s : scores_) {
    results.push_back(
        {s.label == LanguageScore::kUnd ? std::string("und") : labels_[static_cast<size_t>(s.label)], s.confidence});
  }
  return results;
}

int LanguageDetector::confidence_ten_thousandths(float confidence) {
  double c = static_cast<double>(confidence);
  if (!(c >= 0.0)) c = 0.0;
  const long n = static_cast<long>(std::floor(std::min(c, 1.0) * 1e4 + 1e-3));
  return static_cast<int>(std::min(n, 10000L));
}

namespace {
// JSON string body: labels come from the model file (valid UTF-8), so only escapes are needed.
void append_json_string(std::string_view v, std::string* out) {
  out->push_back('"');
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

// Four decimals, rounded down (confidence_ten_thousandths): 1 -> "1.0", 0.5 -> "0.5",
// 0.97000003 -> "0.97".
void append_confidence(float confidence, std::string* out) {
  int n = LanguageDetector::confidence_ten_thousandths(confidence);
  if (n >= 10000) {
    out->append("1.0");
    return;
  }
  char digits[4];
  for (int i = 3; i >= 0; --i, n /= 10) digits[i] = static_cast<char>('0' + n % 10);
  int len = 4;
  while (len > 1 && digits[len - 1] == '0') --len;
  out->append("0.");
  out->append(digits, static_cast<size_t>(len));
}
}  // namespace

std::string LanguageDetector::to_json(const std::vector<LanguageResult>& results) {
  // Written by hand: the JS API's key order ({"detectedLanguage", "confidence"}), and cheap.
  std::string out;
  out.reserve(16 + results.size() * 48);
  out.push_back('[');
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) out.push_back(',');
    out.append("{\"detectedLanguage\":");
    append_json_string(results[i].language, &out);
    out.append(",\"confidence\":");
    append_confidence(results[i].confidence, &out);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

}  // namespace perch
