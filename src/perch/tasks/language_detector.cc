#include "perch/tasks/language_detector.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "perch/tasks/top_k.h"

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
  const auto lj = nlohmann::json::parse(*labels_json, nullptr, false);
  if (lj.is_discarded() || !lj.is_array() || lj.empty()) {
    return invalid_model("LanguageDetector: perch.labels must be a non-empty JSON array of strings");
  }
  std::vector<std::string> labels;
  for (const auto& l : lj) {
    if (!l.is_string() || l.get<std::string>().empty()) {
      return invalid_model("LanguageDetector: perch.labels must be a non-empty JSON array of strings");
    }
    labels.push_back(l.get<std::string>());
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
  // One bag starting at id 0, bound once: the session keeps the binding between runs.
  Tensor offsets_t;
  offsets_t.dtype = DType::kI32;
  offsets_t.shape = Shape{1};
  offsets_t.data = &detector->zero_offset_;
  PERCH_RETURN_IF_ERROR(detector->session_->set_input("offsets", offsets_t));
  return detector;
}

Status LanguageDetector::detect_scores(std::string_view utf8, int top_k, std::vector<LanguageScore>* out) {
  out->clear();
  if (top_k < 1) return invalid_argument("detect: top_k must be >= 1, got " + std::to_string(top_k));
  if (utf8.size() > kMaxTextBytes) {
    return out_of_range("detect: text of " + std::to_string(utf8.size()) + " bytes is over the limit of " +
                        std::to_string(kMaxTextBytes));
  }
  size_t n_ids = 0;
  PERCH_RETURN_IF_ERROR(featurizer_.featurize(utf8, ids_.get(), featurizer_.params().max_ids, &n_ids));
  if (n_ids == 0) {  // no letters: nothing to tell languages apart
    out->push_back({LanguageScore::kUnd, 1.0f});
    return Status::ok();
  }

  Tensor ids_t;
  ids_t.dtype = DType::kI32;
  ids_t.shape = Shape{static_cast<int64_t>(n_ids)};
  ids_t.data = ids_.get();
  PERCH_RETURN_IF_ERROR(session_->set_input("ids", ids_t));
  PERCH_RETURN_IF_ERROR(session_->run());
  PERCH_ASSIGN_OR_RETURN(Tensor probs, session_->output(output_name_));
  const int n = static_cast<int>(labels_.size());
  if (probs.dtype != DType::kF32 || probs.shape.numel() != n) {
    return internal_error("detect: output has " + std::to_string(probs.shape.numel()) + " values for " +
                          std::to_string(n) + " labels");
  }
  const float* p = probs.as<float>();

  const int k = std::min(top_k, n);
  top_k_indices(p, n, k, &order_);
  // Each confidence is capped by the mass still unassigned, so the list stays sorted and sums
  // to at most 1 even when float rounding makes the probabilities add up to a little over 1.
  double remaining = 1.0;
  for (int i = 0; i < k; ++i) {
    const int label = order_[static_cast<size_t>(i)];
    double c = p[label];
    if (!(c >= 0.0)) c = 0.0;  // NaN or negative never leaves the task layer
    c = std::min(c, remaining);
    remaining -= c;
    out->push_back({label, static_cast<float>(c)});
  }
  const float rest = static_cast<float>(remaining);
  if (rest >= kMinUndMass) out->push_back({LanguageScore::kUnd, rest});
  return Status::ok();
}

Result<std::vector<LanguageResult>> LanguageDetector::detect(std::string_view utf8, int top_k) {
  PERCH_RETURN_IF_ERROR(detect_scores(utf8, top_k, &scores_));
  std::vector<LanguageResult> results;
  results.reserve(scores_.size());
  for (const LanguageScore& s : scores_) {
    results.push_back({s.label == LanguageScore::kUnd ? std::string("und") : labels_[static_cast<size_t>(s.label)],
                       s.confidence});
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
