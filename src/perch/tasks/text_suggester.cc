#include "perch/tasks/text_suggester.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include <nlohmann/json.hpp>

#include "perch/text/utf8.h"

namespace perch {
namespace {

enum TokenKind : uint8_t { kOther = 0, kNewWord = 1, kContinues = 2, kEndsWord = 3 };

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Letters, digits, apostrophes and any non-ASCII byte continue a word; other ASCII ends it.
bool continues_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'' || c >= 0x80;
}

struct Prepared {
  std::string context;  // complete words, single spaces, no leading/trailing space
  std::string partial;  // the word being typed ("" after whitespace)
  bool truncated = false;
};

Prepared prepare(std::string_view text, size_t tail_bytes) {
  Prepared out;
  size_t start = 0;
  if (text.size() > tail_bytes) {
    // Block-aligned so that the cut moves only every `block` bytes of typing, then forward to a
    // word start (whitespace is ASCII, so this is a UTF-8 boundary too).
    const size_t block = std::max<size_t>(1, tail_bytes / 2);
    start = ((text.size() - tail_bytes) / block + 1) * block;
    while (start < text.size() && !is_space(text[start])) ++start;
    out.truncated = true;
  }
  const std::string_view tail = text.substr(start);
  size_t last_space = std::string_view::npos;
  for (size_t i = tail.size(); i > 0; --i) {
    if (is_space(tail[i - 1])) {
      last_space = i - 1;
      break;
    }
  }
  out.partial = std::string(last_space == std::string_view::npos ? tail : tail.substr(last_space + 1));
  const std::string_view ctx = last_space == std::string_view::npos ? std::string_view() : tail.substr(0, last_space);
  for (size_t i = 0; i < ctx.size();) {
    while (i < ctx.size() && is_space(ctx[i])) ++i;
    const size_t b = i;
    while (i < ctx.size() && !is_space(ctx[i])) ++i;
    if (i > b) {
      if (!out.context.empty()) out.context.push_back(' ');
      out.context.append(ctx.substr(b, i - b));
    }
  }
  return out;
}

// The last word of `s` as the lexicon spells it: its last run of word characters, ASCII
// letters lower-cased ("(The" -> "the", "out-of-to" -> "to", "roy'." -> "roy'").
std::string lexicon_form(std::string_view s) {
  size_t e = s.size();
  while (e > 0 && !continues_word(static_cast<unsigned char>(s[e - 1]))) --e;
  size_t b = e;
  while (b > 0 && continues_word(static_cast<unsigned char>(s[b - 1]))) --b;
  std::string w(s.substr(b, e - b));
  for (char& c : w)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return w;
}

bool has_digit(std::string_view w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

double round4(double v) { return std::round(v * 1e4) / 1e4; }

Status parse_decoding(const std::string* json, TextSuggester::Decoding* d) {
  if (json == nullptr) return Status::ok();
  auto j = nlohmann::json::parse(*json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid_model("perch.decoding: not a JSON object");
  auto get_int = [&](const char* key, int lo, int hi, int* out) -> Status {
    if (!j.contains(key)) return Status::ok();
    if (!j[key].is_number_integer()) return invalid_model(std::string("perch.decoding: ") + key + " must be an integer");
    const int64_t v = j[key].get<int64_t>();
    if (v < lo || v > hi) return invalid_model(std::string("perch.decoding: ") + key + " out of range");
    *out = static_cast<int>(v);
    return Status::ok();
  };
  auto get_prob = [&](const char* key, double* out) -> Status {
    if (!j.contains(key)) return Status::ok();
    if (!j[key].is_number()) return invalid_model(std::string("perch.decoding: ") + key + " must be a number");
    const double v = j[key].get<double>();
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
  PERCH_RETURN_IF_ERROR(get_prob("threshold", &d->threshold));
  PERCH_RETURN_IF_ERROR(get_prob("word_threshold", &d->word_threshold));
  if (d->window + 8 > d->max_context) return invalid_model("perch.decoding: window must leave 8 tokens of max_context");
  if (d->window_stride > d->window) return invalid_model("perch.decoding: window_stride exceeds window");
  return Status::ok();
}

// Softmax of logits into probs (double accumulation; deterministic order).
void softmax(const float* logits, int n, std::vector<double>* probs) {
  probs->resize(static_cast<size_t>(n));
  float mx = logits[0];
  for (int i = 1; i < n; ++i) mx = std::max(mx, logits[i]);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double e = std::exp(static_cast<double>(logits[i] - mx));
    (*probs)[static_cast<size_t>(i)] = e;
    sum += e;
  }
  for (auto& p : *probs) p /= sum;
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
    if (in.name == "tokens") has_tokens = ok;
    else if (in.name == "positions") has_positions = ok;
    else return invalid_model("TextSuggester: unexpected model input '" + in.name + "'");
  }
  if (!has_tokens || !has_positions)
    return invalid_model("TextSuggester: model needs i32 [-1] inputs 'tokens' and 'positions' of max_shape >= max_context");
  bool has_logits = false;
  for (const IoInfo& out : model->outputs()) {
    if (out.name == "logits" && out.dtype == DType::kF32 && out.shape.rank() >= 1 &&
        out.shape.dim(-1) == s->tokenizer_->vocab_size())
      has_logits = true;
  }
  if (!has_logits) return invalid_model("TextSuggester: model needs an f32 output 'logits' [..., vocab]");

  if (const std::string* lex = model->metadata("perch.lexicon")) {
    for (size_t i = 0; i < lex->size();) {
      size_t e = lex->find('\n', i);
      if (e == std::string::npos) e = lex->size();
      if (e > i) s->lexicon_.emplace_back(*lex, i, e - i);
      i = e + 1;
    }
    std::sort(s->lexicon_.begin(), s->lexicon_.end());
    s->lexicon_.erase(std::unique(s->lexicon_.begin(), s->lexicon_.end()), s->lexicon_.end());
  }

  SessionOptions opts;
  opts.num_threads = std::max(1, num_threads);
  PERCH_ASSIGN_OR_RETURN(s->session_, Session::create(model, opts));
  s->model_ = std::move(model);
  s->vocab_ = s->tokenizer_->vocab_size();
  s->kind_.resize(static_cast<size_t>(s->vocab_));
  for (int id = 0; id < s->vocab_; ++id) {
    const std::string& surface = s->tokenizer_->surface(id);
    uint8_t kind = kOther;
    if (s->tokenizer_->type(id) == text::Tokenizer::kNormal && !surface.empty()) {
      const auto c = static_cast<unsigned char>(surface[0]);
      kind = c == ' ' ? kNewWord : continues_word(c) ? kContinues : kEndsWord;
    }
    s->kind_[static_cast<size_t>(id)] = kind;
  }
  s->positions_.reserve(static_cast<size_t>(s->decoding_.max_context));
  return s;
}

bool TextSuggester::lexicon_has_prefix(std::string_view w) const {
  if (w.empty() || has_digit(w)) return true;
  auto it = std::lower_bound(lexicon_.begin(), lexicon_.end(), w);
  return it != lexicon_.end() && std::string_view(*it).substr(0, w.size()) == w;
}

bool TextSuggester::lexicon_has(std::string_view w) const {
  if (w.empty() || has_digit(w)) return true;
  if (std::binary_search(lexicon_.begin(), lexicon_.end(), w)) return true;
  // A possessive of a known word ("kafka's").
  return w.size() > 2 && w.substr(w.size() - 2) == "'s" &&
         std::binary_search(lexicon_.begin(), lexicon_.end(), w.substr(0, w.size() - 2));
}

void TextSuggester::reset() {
  root_tokens_.clear();
  root_probs_.clear();
  cached_.clear();
  last_logits_.clear();
  session_->kv_cache().reset();
}

Result<const float*> TextSuggester::logits_after(const std::vector<int32_t>& seq) {
  if (seq.empty() || seq.size() > static_cast<size_t>(decoding_.max_context))
    return internal_error("TextSuggester: sequence of " + std::to_string(seq.size()) + " tokens");
  KvCache& kv = session_->kv_cache();
  if (kv.position() != static_cast<int>(cached_.size())) reset();  // defensive: never trust a stale cache
  size_t p = 0;
  while (p < cached_.size() && p < seq.size() && cached_[p] == seq[p]) ++p;
  if (p == seq.size()) {
    if (cached_.size() == seq.size() && !last_logits_.empty()) return last_logits_.data();
    --p;  // the cache holds more than seq: re-run seq's last token for its logits
  }
  PERCH_RETURN_IF_ERROR(kv.truncate(static_cast<int>(p)));
  cached_.resize(p);
  last_logits_.clear();
  const int m = static_cast<int>(seq.size() - p);
  positions_.resize(static_cast<size_t>(m));
  for (int i = 0; i < m; ++i) positions_[static_cast<size_t>(i)] = static_cast<int32_t>(p) + i;
  Tensor tokens{DType::kI32, Shape{m}, const_cast<int32_t*>(seq.data() + p)};
  Tensor positions{DType::kI32, Shape{m}, positions_.data()};
  PERCH_RETURN_IF_ERROR(session_->set_input("tokens", tokens));
  PERCH_RETURN_IF_ERROR(session_->set_input("positions", positions));
  const Status run = session_->run();
  stats_.forward_calls += 1;
  stats_.tokens_run += m;
  if (!run.is_ok()) {
    reset();
    return run;
  }
  PERCH_ASSIGN_OR_RETURN(Tensor out, session_->output("logits"));
  if (out.dtype != DType::kF32 || out.shape.numel() < vocab_) return internal_error("TextSuggester: bad logits output");
  const float* last_row = out.as<float>() + (out.shape.numel() - vocab_);
  last_logits_.assign(last_row, last_row + vocab_);
  cached_ = seq;
  return last_logits_.data();
}

Result<std::vector<Suggestion>> TextSuggester::suggest(std::string_view text, int count, int max_words) {
  stats_ = SuggesterStats{};
  PERCH_RETURN_IF_ERROR(text::validate_utf8(text));
  count = std::clamp(count, 0, 16);
  max_words = std::clamp(max_words, 0, 8);
  std::vector<Suggestion> results;
  if (count == 0) return results;

  const Prepared prep = prepare(text, static_cast<size_t>(decoding_.tail_bytes));
  if (prep.context.empty() && prep.partial.empty()) return results;  // nothing typed
  if (prep.partial.size() > 64) return results;                       // not a word we can complete

  // Context tokens: <s> when the text starts inside the tail, then the complete words; the last
  // `window` of them, the window start moving in whole strides.
  std::vector<int32_t> ctx;
  if (!prep.truncated && tokenizer_->bos_id() >= 0) ctx.push_back(tokenizer_->bos_id());
  PERCH_RETURN_IF_ERROR(tokenizer_->encode(prep.context, &ctx));
  if (ctx.empty()) return results;
  const size_t window = static_cast<size_t>(decoding_.window);
  if (ctx.size() > window) {
    const size_t stride = static_cast<size_t>(decoding_.window_stride);
    const size_t drop = (ctx.size() - window + stride - 1) / stride * stride;
    ctx.erase(ctx.begin(), ctx.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  stats_.context_tokens = static_cast<int>(ctx.size());

  // What the generated text must start with: the space before the word, then the typed part.
  std::string required = " " + prep.partial;
  // Token healing: the typed part of the word, tokenized as the model saw words in training,
  // is kept but for its last `heal_tokens` tokens, which the search re-spells. A search over
  // every spelling of the whole prefix spends its few steps on spellings the model never saw
  // (" c" "l" "e"...) and often finds no word at all.
  std::vector<int32_t> word_start;  // the kept tokens of the current word (healing)
  std::string word_start_text;       // their text
  if (!prep.partial.empty() && decoding_.heal_tokens > 0) {
    std::vector<int32_t> typed;
    PERCH_RETURN_IF_ERROR(tokenizer_->encode(prep.partial, &typed));  // "▁" + partial
    // Leave the search room for the rest of the word (max_context - window >= 8 tokens).
    const int room = std::max(0, decoding_.max_context - static_cast<int>(ctx.size()) - 2 * decoding_.max_tokens_per_word);
    const int keep = std::min(static_cast<int>(typed.size()) - decoding_.heal_tokens, room);
    std::string spelled;
    for (int i = 0; i < keep; ++i) spelled += tokenizer_->surface(typed[static_cast<size_t>(i)]);
    if (keep > 0 && required.compare(0, spelled.size(), spelled) == 0) {
      word_start.assign(typed.begin(), typed.begin() + keep);
      word_start_text = std::move(spelled);
      ctx.insert(ctx.end(), word_start.begin(), word_start.end());
      required.erase(0, word_start_text.size());
    }
  }
  const size_t max_gen = static_cast<size_t>(decoding_.max_context) - ctx.size();
  const double threshold = decoding_.threshold;

  struct Node {
    double p;
    std::vector<int32_t> path;  // generated tokens
    std::string surface;        // their text
    bool complete;              // a finished word (p includes the probability that it ends)
  };
  auto worse = [](const Node& a, const Node& b) { return a.p < b.p; };
  std::priority_queue<Node, std::vector<Node>, decltype(worse)> agenda(worse);
  agenda.push({1.0, {}, "", false});

  std::vector<Node> words;
  // Probability mass of the generated texts that spell the typed prefix (each counted where it
  // first covers it): the normaliser that turns path probabilities into P(word | typed so far).
  // Renormalising each constrained step instead would inflate unlikely spellings (" he" + "l"...).
  double z = 0;
  // The model learnt words in their tokenizer's spelling only; another spelling of a word
  // (" daught" as " da" "ught") is off its training data and ends words at random.
  std::vector<int32_t> canonical;
  auto is_canonical = [&](const Node& node) {
    canonical.clear();
    const std::string word = word_start_text + node.surface;  // " word"
    if (!tokenizer_->encode(std::string_view(word).substr(1), &canonical).is_ok()) return false;
    return canonical.size() == word_start.size() + node.path.size() &&
           std::equal(word_start.begin(), word_start.end(), canonical.begin()) &&
           std::equal(node.path.begin(), node.path.end(), canonical.begin() + static_cast<std::ptrdiff_t>(word_start.size()));
  };
  // Completions must end in a word of the lexicon (when the model has one and the typed part
  // begins one of its words): the search then spends its steps on words, not on fragments the
  // model happens to end ("magnific", "preof").
  const bool use_lexicon = !lexicon_.empty() && lexicon_has_prefix(lexicon_form(word_start_text + required));
  std::vector<double> probs;
  std::vector<int32_t> seq;
  std::vector<std::pair<double, int>> allowed;
  const int max_expansions = decoding_.search_steps * count + 4;
  int expansions = 0;
  const size_t max_word_tokens = static_cast<size_t>(decoding_.max_tokens_per_word) + required.size();

  while (!agenda.empty() && static_cast<int>(words.size()) < count) {
    Node node = agenda.top();
    agenda.pop();
    if (node.p < threshold * z) break;  // everything left is less likely still
    if (node.complete) {
      words.push_back(std::move(node));
      continue;
    }
    if (expansions >= max_expansions || node.path.size() >= max_gen || node.path.size() >= max_word_tokens) continue;
    ++expansions;
    if (node.path.empty() && ctx == root_tokens_) {
      probs = root_probs_;  // the context did not change since the last call (typing a word)
    } else {
      seq = ctx;
      seq.insert(seq.end(), node.path.begin(), node.path.end());
      PERCH_ASSIGN_OR_RETURN(const float* logits, logits_after(seq));
      softmax(logits, vocab_, &probs);
      if (node.path.empty()) {
        root_tokens_ = ctx;
        root_probs_ = probs;
      }
    }

    allowed.clear();
    if (node.surface.size() < required.size()) {
      // Constrained: the token's text must agree with what is still required.
      const std::string_view rest = std::string_view(required).substr(node.surface.size());
      for (int id = 0; id < vocab_; ++id) {
        const bool is_byte = tokenizer_->type(id) == text::Tokenizer::kByte;
        if (kind_[static_cast<size_t>(id)] == kOther && !is_byte) continue;
        const std::string& s = tokenizer_->surface(id);
        bool ok;
        if (s.size() <= rest.size()) {
          ok = rest.compare(0, s.size(), s) == 0;
        } else {
          ok = !is_byte && s.compare(0, rest.size(), rest) == 0 &&
               continues_word(static_cast<unsigned char>(s[rest.size()]));
        }
        if (!ok) continue;
        if (s.size() >= rest.size()) z += node.p * probs[static_cast<size_t>(id)];
        allowed.push_back({probs[static_cast<size_t>(id)], id});
      }
    } else {
      // The word so far is complete as typed or beyond: it ends here, or goes on.
      double p_end = 0;
      for (int id = 0; id < vocab_; ++id) {
        const uint8_t k = kind_[static_cast<size_t>(id)];
        if (k == kContinues) allowed.push_back({probs[static_cast<size_t>(id)], id});
        else if (k == kNewWord || k == kEndsWord || tokenizer_->type(id) == text::Tokenizer::kControl)
          p_end += probs[static_cast<size_t>(id)];
      }
      const bool has_text = node.surface.size() > required.size() || max_words > 0;
      if (has_text && node.p * p_end >= threshold * z && is_canonical(node) &&
          (!use_lexicon || lexicon_has(lexicon_form(word_start_text + node.surface)))) {
        agenda.push({node.p * p_end, node.path, node.surface, true});
      }
    }
    // The `count + search_extra_children` most probable children that still spell the start of
    // a lexicon word. Sorting only the head is enough but when the lexicon rejects most of it.
    auto more_probable = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
    const size_t wanted = static_cast<size_t>(count + decoding_.search_extra_children);
    size_t sorted = std::min(allowed.size(), 4 * wanted);
    std::partial_sort(allowed.begin(), allowed.begin() + static_cast<std::ptrdiff_t>(sorted), allowed.end(), more_probable);
    size_t taken = 0;
    for (size_t i = 0; i < allowed.size() && taken < wanted; ++i) {
      if (i == sorted) {
        std::sort(allowed.begin() + static_cast<std::ptrdiff_t>(sorted), allowed.end(), more_probable);
        sorted = allowed.size();
      }
      const double p = node.p * allowed[i].first;
      if (p < threshold * z || p <= 0) break;
      std::string surface = node.surface + tokenizer_->surface(allowed[i].second);
      if (use_lexicon && surface.size() > required.size() && !lexicon_has_prefix(lexicon_form(word_start_text + surface)))
        continue;
      Node child{p, node.path, std::move(surface), false};
      child.path.push_back(allowed[i].second);
      agenda.push(std::move(child));
      ++taken;
    }
  }

  // Each word, then greedily up to max_words more while each next word is likely enough.
  // Words come best first; a word's continuation must not drop it below the next word, so the
  // order stays that of the words themselves.
  for (size_t wi = 0; wi < words.size(); ++wi) {
    const Node& w = words[wi];
    Suggestion sug{w.surface.substr(required.size()), std::min(1.0, w.p / z)};
    const double floor = std::max(threshold, wi + 1 < words.size() ? std::min(1.0, words[wi + 1].p / z) : 0.0);
    std::vector<int32_t> path = w.path;
    for (int n = 0; n < max_words && !path.empty(); ++n) {
      std::vector<int32_t> word;
      double word_p = 1;
      bool ended = false;
      while (path.size() + word.size() < max_gen && word.size() < static_cast<size_t>(decoding_.max_tokens_per_word)) {
        seq = ctx;
        seq.insert(seq.end(), path.begin(), path.end());
        seq.insert(seq.end(), word.begin(), word.end());
        PERCH_ASSIGN_OR_RETURN(const float* logits, logits_after(seq));
        softmax(logits, vocab_, &probs);
        int best = -1;
        if (word.empty()) {
          // A next word only when the model's single most likely next token starts one.
          best = static_cast<int>(std::max_element(probs.begin(), probs.end()) - probs.begin());
          if (kind_[static_cast<size_t>(best)] != kNewWord) break;
        } else {
          // The word ends here or goes on with its likeliest piece, whichever is likelier
          // (the likeliest single token may continue the word while most of the mass ends it).
          double p_end = 0;
          for (int id = 0; id < vocab_; ++id) {
            const uint8_t k = kind_[static_cast<size_t>(id)];
            if (k == kContinues) {
              if (best < 0 || probs[static_cast<size_t>(id)] > probs[static_cast<size_t>(best)]) best = id;
            } else if (k == kNewWord || k == kEndsWord || tokenizer_->type(id) == text::Tokenizer::kControl) {
              p_end += probs[static_cast<size_t>(id)];
            }
          }
          if (best < 0 || p_end >= probs[static_cast<size_t>(best)]) {
            std::string surface;
            for (int32_t id : word) surface += tokenizer_->surface(id);
            ended = lexicon_.empty() || lexicon_has(lexicon_form(surface));
            break;
          }
        }
        word_p *= probs[static_cast<size_t>(best)];
        word.push_back(best);
      }
      // A word typed in full has nothing to complete: its first next word only needs the
      // overall threshold; later words must also be likely on their own.
      const bool first_of_nothing = n == 0 && sug.text.empty();
      if (!ended || (word_p < decoding_.word_threshold && !first_of_nothing) || sug.confidence * word_p < floor) break;
      sug.confidence *= word_p;
      for (int32_t id : word) sug.text += tokenizer_->surface(id);
      path.insert(path.end(), word.begin(), word.end());
    }
    if (sug.text.empty() || !text::validate_utf8(sug.text).is_ok()) continue;
    if (std::any_of(results.begin(), results.end(), [&](const Suggestion& r) { return r.text == sug.text; })) continue;
    sug.confidence = round4(sug.confidence);
    if (sug.confidence < threshold || sug.confidence <= 0) continue;
    results.push_back(std::move(sug));
  }
  std::stable_sort(results.begin(), results.end(),
                   [](const Suggestion& a, const Suggestion& b) { return a.confidence > b.confidence; });
  if (results.size() > static_cast<size_t>(count)) results.resize(static_cast<size_t>(count));
  return results;
}

std::string TextSuggester::to_json(const std::vector<Suggestion>& suggestions) {
  // Written by hand for the key order; nlohmann escapes the strings and prints the shortest
  // decimal that round-trips (0.41, not 0.41000000000000003).
  std::string out = "[";
  for (const Suggestion& s : suggestions) {
    if (out.size() > 1) out += ",";
    out += "{\"text\":" + nlohmann::json(s.text).dump() + ",\"confidence\":" + nlohmann::json(s.confidence).dump() + "}";
  }
  return out + "]";
}

}  // namespace perch
