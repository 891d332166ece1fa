#include "perch/tasks/text_suggester.h"

#include <algorithm>
#include <cmath>

#include "perch/format/json.h"
#include "perch/text/utf8.h"

namespace perch {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Splits the text's tail into *context (complete words, single spaces, no leading/trailing
// space) and *partial (the word being typed, "" after whitespace). Returns whether the text
// was cut to its last `tail_bytes`.
bool prepare(std::string_view text, size_t tail_bytes, std::string* context, std::string* partial) {
  context->clear();
  partial->clear();
  bool truncated = false;
  size_t start = 0;
  if (text.size() > tail_bytes) {
    // Block-aligned so that the cut moves only every `block` bytes of typing, then forward to a
    // word start (whitespace is ASCII, so this is a UTF-8 boundary too).
    const size_t block = std::max<size_t>(1, tail_bytes / 2);
    start = ((text.size() - tail_bytes) / block + 1) * block;
    while (start < text.size() && !is_space(text[start])) ++start;
    truncated = true;
  }
  const std::string_view tail = text.substr(start);
  size_t last_space = std::string_view::npos;
  for (size_t i = tail.size(); i > 0; --i) {
    if (is_space(tail[i - 1])) {
      last_space = i - 1;
      break;
    }
  }
  partial->append(last_space == std::string_view::npos ? tail : tail.substr(last_space + 1));
  const std::string_view ctx = last_space == std::string_view::npos ? std::string_view() : tail.substr(0, last_space);
  for (size_t i = 0; i < ctx.size();) {
    while (i < ctx.size() && is_space(ctx[i])) ++i;
    const size_t b = i;
    while (i < ctx.size() && !is_space(ctx[i])) ++i;
    if (i > b) {
      if (!context->empty()) context->push_back(' ');
      context->append(ctx.substr(b, i - b));
    }
  }
  return truncated;
}

double round4(double v) { return std::round(v * 1e4) / 1e4; }

Status parse_decoding(const std::string* text, TextSuggester::Decoding* d) {
  if (text == nullptr) return Status::ok();
  JsonValue j;
  JsonParseError error;
  if (!parse_json(*text, &j, &error)) return invalid_model("perch.decoding: not valid JSON (" + error.describe() + ")");
  if (!j.is_object()) return invalid_model("perch.decoding: not a JSON object");
  auto get_int = [&](const char* key, int lo, int hi, int* out) -> Status {
    const JsonValue* value = j.find(key);
    if (value == nullptr) return Status::ok();
    if (!value->is_integer()) return invalid_model(std::string("perch.decoding: ") + key + " must be an integer");
    const int64_t v = value->as_int64();
    if (v < lo || v > hi) return invalid_model(std::string("perch.decoding: ") + key + " out of range");
    *out = static_cast<int>(v);
    return Status::ok();
  };
  auto get_prob = [&](const char* key, double* out) -> Status {
    const JsonValue* value = j.find(key);
    if (value == nullptr) return Status::ok();
    if (!value->is_number()) return invalid_model(std::string("perch.decoding: ") + key + " must be a number");
    const double v = value->as_double();
    if (!(v >= 0.0 && v < 1.0)) return invalid_model(std::string("perch.decoding: ") + key + " must be in [0, 1)");
    *out = v;
    return Status::ok();
  };
  PERCH_RETURN_IF_ERROR(get_int("max_context", 8, 1 << 16, &d->max_context));
  PERCH_RETURN_IF_ERROR(get_int("window", 1, 1 << 16, &d->window));
  PERCH_RETURN_IF_ERROR(get_int("window_stride", 1, 1 << 16, &d->window_stride));
  PERCH_RETURN_IF_ERROR(get_int("tail_bytes", 16, 1 << 24, &d->tail_bytes));
  PERCH_RETURN_IF_ERROR(get_int("max_tokens_per_word", 1, 64, &d->max_tokens_per_word));
  PERCH_RETURN_IF_ERROR(get_int("heal_tokens", 0, 64, &d->heal_tokens));
  PERCH_RETURN_IF_ERROR(get_int("search_steps", 1, 64, &d->search_steps));
  PERCH_RETURN_IF_ERROR(get_int("search_extra_children", 0, 64, &d->search_extra_children));
  PERCH_RETURN_IF_ERROR(get_prob("threshold", &d->next_word_floor));
  PERCH_RETURN_IF_ERROR(get_prob("show_threshold", &d->show_threshold));
  PERCH_RETURN_IF_ERROR(get_prob("word_threshold", &d->word_threshold));
  if (d->window + 8 > d->max_context) return invalid_model("perch.decoding: window must leave 8 tokens of max_context");
  if (d->window_stride > d->window) return invalid_model("perch.decoding: window_stride exceeds window");
  return Status::ok();
}

}  // namespace

TextSuggester::~TextSuggester() = default;

Result<std::unique_ptr<TextSuggester>> TextSuggester::create(std::shared_ptr<const Model> model, int num_threads) {
  if (!model) return invalid_argument("TextSuggester: model is null");
  if (model->task() != "text-suggestion")
    return invalid_argument("TextSuggester: model task is '" + model->task() + "', not 'text-suggestion'");
  const std::string* tok_json = model->metadata("perch.tokenizer");
  if (tok_json == nullptr) return invalid_model("TextSuggester: model has no perch.tokenizer metadata");
  std::unique_ptr<TextSuggester> s(new TextSuggester());
  PERCH_ASSIGN_OR_RETURN(s->tokenizer_, text::Tokenizer::from_json(*tok_json));
  PERCH_RETURN_IF_ERROR(parse_decoding(model->metadata("perch.decoding"), &s->decoding_));

  bool has_tokens = false, has_positions = false;
  for (const IoInfo& in : model->inputs()) {
    const bool ok = in.dtype == DType::kI32 && in.shape.rank() == 1 && in.max_shape[0] >= s->decoding_.max_context;
    if (in.name == "tokens")
      has_tokens = ok;
    else if (in.name == "positions")
      has_positions = ok;
    else
      return invalid_model("TextSuggester: unexpected model input '" + in.name + "'");
  }
  if (!has_tokens || !has_positions)
    return invalid_model(
        "TextSuggester: model needs i32 [-1] inputs 'tokens' and 'positions' of max_shape >= max_context");
  const int vocab = s->tokenizer_->vocab_size();
  bool has_logits = false;
  for (const IoInfo& out : model->outputs())
    has_logits |=
        out.name == "logits" && out.dtype == DType::kF32 && out.shape.rank() >= 1 && out.shape.dim(-1) == vocab;
  if (!has_logits) return invalid_model("TextSuggester: model needs an f32 output 'logits' [..., vocab]");

  if (const std::string* lex = model->metadata("perch.lexicon")) s->lexicon_ = Lexicon(*lex);
  PERCH_ASSIGN_OR_RETURN(s->steps_, StepCache::create(model, num_threads, s->decoding_.max_context, vocab));
  s->model_ = std::move(model);
  s->vocab_ = std::make_unique<SuggestVocabulary>(*s->tokenizer_);
  s->search_ = std::make_unique<WordSearch>(s->steps_.get(), s->vocab_.get(), &s->lexicon_, s->tokenizer_.get());
  return s;
}

Status TextSuggester::check_limits(int count, int max_words) {
  if (count < PERCH_SUGGEST_COUNT_MIN || count > PERCH_SUGGEST_COUNT_MAX)
    return invalid_argument("count must be an integer in [" + std::to_string(PERCH_SUGGEST_COUNT_MIN) + ", " +
                            std::to_string(PERCH_SUGGEST_COUNT_MAX) + "] (got " + std::to_string(count) + ")");
  if (max_words < PERCH_SUGGEST_MAX_WORDS_MIN || max_words > PERCH_SUGGEST_MAX_WORDS_MAX)
    return invalid_argument("maxWords must be an integer in [" + std::to_string(PERCH_SUGGEST_MAX_WORDS_MIN) + ", " +
                            std::to_string(PERCH_SUGGEST_MAX_WORDS_MAX) + "] (got " + std::to_string(max_words) + ")");
  return Status::ok();
}

Result<bool> TextSuggester::read_text(std::string_view text) {
  const bool truncated = prepare(text, static_cast<size_t>(decoding_.tail_bytes), &context_, &partial_);
  if (context_.empty() && partial_.empty()) return false;  // nothing typed
  if (partial_.size() > 64) return false;                  // not a word we can complete

  // Context tokens: <s> when the text starts inside the tail, then the complete words; the last
  // `window` of them, the window start moving in whole strides.
  ctx_.clear();
  if (!truncated && tokenizer_->bos_id() >= 0) ctx_.push_back(tokenizer_->bos_id());
  PERCH_RETURN_IF_ERROR(tokenizer_->encode(context_, &ctx_, &tokenizer_scratch_));
  if (ctx_.empty()) return false;
  const size_t window = static_cast<size_t>(decoding_.window);
  if (ctx_.size() > window) {
    const size_t stride = static_cast<size_t>(decoding_.window_stride);
    const size_t drop = (ctx_.size() - window + stride - 1) / stride * stride;
    ctx_.erase(ctx_.begin(), ctx_.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  steps_->stats().context_tokens = static_cast<int>(ctx_.size());

  // What the generated text must start with: the space before the word, then the typed part;
  // healing keeps the typed part's tokens but its last heal_tokens in the context.
  required_.assign(1, ' ');
  required_ += partial_;
  word_start_.clear();
  word_start_text_.clear();
  if (partial_.empty() || decoding_.heal_tokens <= 0) return true;
  typed_.clear();
  PERCH_RETURN_IF_ERROR(tokenizer_->encode(partial_, &typed_, &tokenizer_scratch_));  // "▁" + partial
  // Leave the search room for the rest of the word (max_context - window >= 8 tokens).
  const int room =
      std::max(0, decoding_.max_context - static_cast<int>(ctx_.size()) - 2 * decoding_.max_tokens_per_word);
  const int keep = std::min(static_cast<int>(typed_.size()) - decoding_.heal_tokens, room);
  spelled_.clear();
  for (int i = 0; i < keep; ++i) spelled_ += vocab_->surface(typed_[static_cast<size_t>(i)]);
  if (keep > 0 && required_.compare(0, spelled_.size(), spelled_) == 0) {
    word_start_.assign(typed_.begin(), typed_.begin() + keep);
    word_start_text_ = spelled_;
    ctx_.insert(ctx_.end(), word_start_.begin(), word_start_.end());
    required_.erase(0, word_start_text_.size());
  }
  return true;
}

Result<std::vector<Suggestion>> TextSuggester::suggest(std::string_view text, int count, int max_words) {
  steps_->stats() = SuggesterStats{};
  PERCH_RETURN_IF_ERROR(text::validate_utf8(text));
  PERCH_RETURN_IF_ERROR(check_limits(count, max_words));
  std::vector<Suggestion> results;
  PERCH_ASSIGN_OR_RETURN(const bool readable, read_text(text));
  if (!readable) return results;

  WordQuery q;
  q.context = &ctx_;
  q.word_start = &word_start_;
  q.word_start_text = word_start_text_;
  q.required = required_;
  q.count = count;
  q.threshold = decoding_.threshold >= 0 ? decoding_.threshold : decoding_.next_word_floor;
  q.fill = decoding_.threshold < 0;
  q.keep_next_probs = max_words > 0;
  q.allow_typed_word = max_words > 0;
  word_.assign(word_start_text_);
  word_ += required_;
  q.use_lexicon = !lexicon_.empty() && lexicon_.has_prefix(Lexicon::form(word_, &form_));
  const SearchLimits limits{decoding_.search_steps, decoding_.search_extra_children, decoding_.max_tokens_per_word,
                            decoding_.max_context};
  PERCH_RETURN_IF_ERROR(search_->run(q, limits));

  // Words come best first; a word's next words must not drop it below the next word, so the
  // order stays that of the words themselves.
  const size_t n = search_->num_words();
  for (size_t i = 0; i < n; ++i) {
    const double floor = std::max({decoding_.next_word_floor, i + 1 < n ? search_->probability(i + 1) : 0.0});
    PERCH_ASSIGN_OR_RETURN(Suggestion sug, with_next_words(i, max_words, floor));
    if (sug.text.empty() || !text::validate_utf8(sug.text).is_ok()) continue;
    if (std::any_of(results.begin(), results.end(), [&](const Suggestion& r) { return r.text == sug.text; })) continue;
    sug.confidence = round4(sug.confidence);
    if (sug.confidence < decoding_.threshold || sug.confidence <= 0) continue;  // threshold < 0: none
    results.push_back(std::move(sug));
  }
  if (!learned_.empty()) mix_learned(count, &results);
  if (partial_ == "i") PERCH_RETURN_IF_ERROR(add_capital_i(&results));
  if (partial_.empty() && at_sentence_start()) capitalise_sentence_start(&results);
  std::stable_sort(results.begin(), results.end(),
                   [](const Suggestion& a, const Suggestion& b) { return a.confidence > b.confidence; });
  if (results.size() > static_cast<size_t>(count)) results.resize(static_cast<size_t>(count));
  return results;
}

Result<Suggestion> TextSuggester::with_next_words(size_t i, int max_words, double floor) {
  Suggestion sug{std::string(search_->text(i).substr(required_.size())), search_->probability(i)};
  search_->path(i, &path_);
  // Next words never take a suggestion below a line its word passes alone: the threshold that
  // drops suggestions, or the one from which a UI shows it as ghost text ("Sta" -> "tes" at 0.97
  // is shown; "tes is" at 0.15 would not be). A word typed in full has nothing of its own to keep.
  double keep = 0;
  for (const double line : {decoding_.threshold, decoding_.show_threshold}) {
    if (line > 0 && sug.confidence >= line) keep = std::max(keep, line);
  }
  for (int n = 0; n < max_words && !path_.empty(); ++n) {
    // A word typed in full has nothing to complete: its first next word only needs the
    // overall threshold; later words must also be likely on their own.
    const bool first_of_nothing = n == 0 && sug.text.empty();
    if (!(sug.confidence > 0)) break;
    const double least = first_of_nothing
                             ? floor / sug.confidence
                             : std::max({decoding_.word_threshold, floor / sug.confidence, keep / sug.confidence});
    double word_p = 1;
    PERCH_ASSIGN_OR_RETURN(const bool ended, next_word(n == 0 ? search_->next_probs(i) : nullptr, least, &word_p));
    if (!ended || word_p < least) break;
    sug.confidence *= word_p;
    for (int32_t id : next_word_) sug.text += vocab_->surface(id);
    path_.insert(path_.end(), next_word_.begin(), next_word_.end());
  }
  return sug;
}

Result<bool> TextSuggester::next_word(const double* first_probs, double least, double* word_p) {
  // Greedy: a next word only when the model's single most likely next token starts one; then
  // the word ends or goes on with its likeliest piece, whichever is likelier (the likeliest
  // single token may continue the word while most of the mass ends it).
  const uint8_t* kind = vocab_->kinds();
  const int vocab = vocab_->size();
  const size_t max_gen = static_cast<size_t>(decoding_.max_context) - ctx_.size();
  next_word_.clear();
  while (path_.size() + next_word_.size() < max_gen &&
         next_word_.size() < static_cast<size_t>(decoding_.max_tokens_per_word)) {
    const double* pr = first_probs;
    if (!next_word_.empty() || pr == nullptr) {
      seq_.assign(ctx_.begin(), ctx_.end());
      seq_.insert(seq_.end(), path_.begin(), path_.end());
      seq_.insert(seq_.end(), next_word_.begin(), next_word_.end());
      PERCH_ASSIGN_OR_RETURN(pr, steps_->probs_after(seq_));
    }
    int best = -1;
    if (next_word_.empty()) {
      best = 0;
      for (int id = 1; id < vocab; ++id)
        if (pr[id] > pr[best]) best = id;
      if (kind[best] != kNewWord) return false;
    } else {
      double p_end = 0;
      for (int id = 0; id < vocab; ++id) {
        if (kind[id] == kContinues) {
          if (best < 0 || pr[id] > pr[best]) best = id;
        } else if (kind[id] != kOtherToken) {
          p_end += pr[id];
        }
      }
      if (best < 0 || p_end >= pr[best]) {
        word_.clear();
        for (int32_t id : next_word_) word_ += vocab_->surface(id);
        return lexicon_.empty() || lexicon_.has(Lexicon::form(word_, &form_));
      }
    }
    *word_p *= pr[best];
    if (*word_p < least) return false;  // can only get less likely: spare the model steps
    next_word_.push_back(best);
  }
  return false;
}

void TextSuggester::mix_learned(int count, std::vector<Suggestion>* results) {
  // The previous word: the context's last word when nothing but a space separates them.
  size_t b = context_.size();
  while (b > 0 && is_word_byte(static_cast<unsigned char>(context_[b - 1]))) --b;
  const std::string_view previous = std::string_view(context_).substr(b);
  double lambda = 0;
  learned_.propose(previous, partial_, static_cast<size_t>(count), &proposals_, &lambda);
  if (!(lambda > 0)) return;
  std::vector<bool> used(proposals_.size(), false);
  for (Suggestion& s : *results) {
    double p_cache = 0;
    word_.assign(partial_);
    word_.append(s.text, 0, s.text.find(' '));  // the suggestion's first word, typed part included
    for (size_t i = 0; i < proposals_.size(); ++i) {
      if (proposals_[i].word != word_) continue;
      p_cache = proposals_[i].p;
      used[i] = true;
    }
    s.confidence = round4((1 - lambda) * s.confidence + lambda * p_cache);
  }
  for (size_t i = 0; i < proposals_.size(); ++i) {
    const double confidence = round4(lambda * proposals_[i].p);
    if (!used[i] && confidence > 0 && confidence >= decoding_.threshold)
      results->push_back({proposals_[i].word.substr(partial_.size()), confidence});
  }
}

bool TextSuggester::at_sentence_start() const {
  // The context is the text's complete words (single spaces); an empty one is the text's start
  // unless the tail was cut (then ctx_ starts without <s>).
  if (context_.empty()) return !ctx_.empty() && ctx_[0] == tokenizer_->bos_id();
  size_t e = context_.size();
  while (e > 0 && (context_[e - 1] == '"' || context_[e - 1] == '\'' || context_[e - 1] == ')')) --e;
  return e > 0 && (context_[e - 1] == '.' || context_[e - 1] == '!' || context_[e - 1] == '?');
}

void TextSuggester::capitalise_sentence_start(std::vector<Suggestion>* results) const {
  std::vector<Suggestion> merged;
  for (Suggestion& s : *results) {
    if (!s.text.empty() && s.text[0] >= 'a' && s.text[0] <= 'z') s.text[0] = static_cast<char>(s.text[0] - 'a' + 'A');
    auto same = std::find_if(merged.begin(), merged.end(), [&](const Suggestion& m) { return m.text == s.text; });
    if (same == merged.end())
      merged.push_back(std::move(s));
    else
      same->confidence = std::min(1.0, round4(same->confidence + s.confidence));
  }
  *results = std::move(merged);
}

Status TextSuggester::add_capital_i(std::vector<Suggestion>* results) {
  // P(" I" and the word ends) against the mass of texts spelling " i": the search's z.
  typed_.clear();
  PERCH_RETURN_IF_ERROR(tokenizer_->encode("I", &typed_, &tokenizer_scratch_));
  const double z = search_->z();
  if (typed_.size() != 1 || !word_start_.empty() || !(z > 0)) return Status::ok();
  PERCH_ASSIGN_OR_RETURN(const double* probs, steps_->probs_after(ctx_));
  const double p_i = probs[typed_[0]];
  if (!(p_i > 0)) return Status::ok();
  seq_.assign(ctx_.begin(), ctx_.end());
  seq_.push_back(typed_[0]);
  PERCH_ASSIGN_OR_RETURN(const double* after, steps_->probs_after(seq_));
  double p_end = 0;
  for (int id = 0; id < vocab_->size(); ++id)
    p_end += vocab_->kinds()[id] == kContinues || vocab_->kinds()[id] == kOtherToken ? 0 : after[id];
  for (Suggestion& s : *results) s.confidence = round4(s.confidence * z / (z + p_i));
  const double confidence = round4(p_i * p_end / (z + p_i));
  if (confidence > 0 && confidence >= decoding_.threshold) results->push_back({"I", confidence, true});
  return Status::ok();
}

std::string TextSuggester::to_json(const std::vector<Suggestion>& suggestions) {
  // Written by hand for the key order; numbers as the shortest decimal that reads back (0.41,
  // not 0.41000000000000003).
  std::string out = "[";
  for (const Suggestion& s : suggestions) {
    if (out.size() > 1) out += ",";
    out += "{\"text\":";
    json_append_string(s.text, &out);
    out += ",\"confidence\":";
    json_append_number(s.confidence, &out);
    out += s.replace ? ",\"replace\":true}" : "}";
  }
  return out + "]";
}

}  // namespace perch
