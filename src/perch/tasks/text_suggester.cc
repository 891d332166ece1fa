#include "perch/tasks/text_suggester.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "perch/tasks/top_k.h"
#include "perch/text/utf8.h"

namespace perch {
namespace {

enum TokenKind : uint8_t { kOther = 0, kNewWord = 1, kContinues = 2, kEndsWord = 3, kControl = 4 };

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Letters, digits, apostrophes and any non-ASCII byte continue a word; other ASCII ends it.
bool continues_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'' || c >= 0x80;
}

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

// The last word of `s` as the lexicon spells it: its last run of word characters, ASCII
// letters lower-cased ("(The" -> "the", "out-of-to" -> "to", "roy'." -> "roy'"), written to
// *out (a buffer the caller reuses); returns it.
const std::string& lexicon_form(std::string_view s, std::string* out) {
  size_t e = s.size();
  while (e > 0 && !continues_word(static_cast<unsigned char>(s[e - 1]))) --e;
  size_t b = e;
  while (b > 0 && continues_word(static_cast<unsigned char>(s[b - 1]))) --b;
  out->assign(s.data() + b, e - b);
  for (char& c : *out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return *out;
}

bool has_digit(std::string_view w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

double round4(double v) { return std::round(v * 1e4) / 1e4; }

// The search's order of next tokens: more probable first, then the lower id (a total order, so
// any way of sorting gives the same sequence).
template <typename C>
bool more_probable(const C& a, const C& b) {
  return a.p > b.p || (a.p == b.p && a.id < b.id);
}

// The k first of c[0, n) in more_probable order that come after *after (all when after is
// null), sorted, into head[0, min(k, those)); returns how many. By insertion: most candidates
// lose to the current k-th at the first comparison. Page after page, this is a full sort.
template <typename C>
size_t select_best(const C* c, size_t n, size_t k, const C* after, C* head) {
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (after != nullptr && !more_probable(*after, c[i])) continue;
    m = insert_top_k(head, m, k, c[i], more_probable<C>);
  }
  return m;
}

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
  double* out = probs->data();
  float mx = logits[0];
  for (int i = 1; i < n; ++i) mx = std::max(mx, logits[i]);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double e = std::exp(static_cast<double>(logits[i] - mx));
    out[i] = e;
    sum += e;
  }
  for (int i = 0; i < n; ++i) out[i] /= sum;
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
      if (e > i) s->lexicon_.emplace_back(lex->data() + i, e - i);
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
    } else if (s->tokenizer_->type(id) == text::Tokenizer::kControl) {
      kind = kControl;
    }
    s->kind_[static_cast<size_t>(id)] = kind;
  }
  // The tokens a constrained step may take (words' pieces and bytes), grouped by first byte.
  s->surfaces_.resize(static_cast<size_t>(s->vocab_));
  for (int id = 0; id < s->vocab_; ++id) s->surfaces_[static_cast<size_t>(id)] = s->tokenizer_->surface(id);
  auto spells = [&](int id) {
    const uint8_t k = s->kind_[static_cast<size_t>(id)];
    return !s->surfaces_[static_cast<size_t>(id)].empty() &&
           (k == kNewWord || k == kContinues || k == kEndsWord || s->tokenizer_->type(id) == text::Tokenizer::kByte);
  };
  uint32_t counts[256] = {};
  for (int id = 0; id < s->vocab_; ++id)
    if (spells(id)) ++counts[static_cast<unsigned char>(s->surfaces_[static_cast<size_t>(id)][0])];
  for (int b = 0; b < 256; ++b) s->first_byte_start_[b + 1] = s->first_byte_start_[b] + counts[b];
  s->ids_by_first_byte_.resize(s->first_byte_start_[256]);
  uint32_t next[256];
  std::copy(s->first_byte_start_, s->first_byte_start_ + 256, next);
  for (int id = 0; id < s->vocab_; ++id)
    if (spells(id)) s->ids_by_first_byte_[next[static_cast<unsigned char>(s->surfaces_[static_cast<size_t>(id)][0])]++] = id;
  s->positions_.reserve(static_cast<size_t>(s->decoding_.max_context));
  s->scratch_.allowed.resize(static_cast<size_t>(s->vocab_));
  s->remembered_.resize(kRemembered);
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
  for (Remembered& r : remembered_) r.seq.clear();
  cached_.clear();
  have_logits_ = false;
  session_->kv_cache().reset();
}

Result<const double*> TextSuggester::probs_after(const std::vector<int32_t>& seq) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the ids
  for (int32_t id : seq) hash = (hash ^ static_cast<uint32_t>(id)) * 1099511628211ull;
  Remembered* victim = &remembered_[0];
  for (Remembered& r : remembered_) {
    if (r.hash == hash && r.seq == seq) {
      r.last_use = ++uses_;
      return r.probs.data();
    }
    if (r.last_use < victim->last_use) victim = &r;
  }
  PERCH_ASSIGN_OR_RETURN(const float* logits, logits_after(seq));
  victim->seq.assign(seq.begin(), seq.end());
  victim->hash = hash;
  victim->last_use = ++uses_;
  softmax(logits, vocab_, &victim->probs);
  return victim->probs.data();
}

Result<const float*> TextSuggester::logits_after(const std::vector<int32_t>& seq) {
  if (seq.empty() || seq.size() > static_cast<size_t>(decoding_.max_context))
    return internal_error("TextSuggester: sequence of " + std::to_string(seq.size()) + " tokens");
  KvCache& kv = session_->kv_cache();
  if (kv.position() != static_cast<int>(cached_.size())) reset();  // defensive: never trust a stale cache
  size_t p = 0;
  while (p < cached_.size() && p < seq.size() && cached_[p] == seq[p]) ++p;
  if (p == seq.size()) {
    if (cached_.size() == seq.size() && have_logits_) return last_logits_.data();
    --p;  // the cache holds more than seq: re-run seq's last token for its logits
  }
  PERCH_RETURN_IF_ERROR(kv.truncate(static_cast<int>(p)));
  cached_.resize(p);
  // A flag, not last_logits_.clear(): compiled for size (wasm), clearing a vector walks all
  // its elements (4096 no-op destructions), ~60 us a keystroke.
  have_logits_ = false;
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
  have_logits_ = true;
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
  Scratch& sc = scratch_;

  const bool truncated = prepare(text, static_cast<size_t>(decoding_.tail_bytes), &sc.context, &sc.partial);
  if (sc.context.empty() && sc.partial.empty()) return results;  // nothing typed
  if (sc.partial.size() > 64) return results;                    // not a word we can complete

  // Context tokens: <s> when the text starts inside the tail, then the complete words; the last
  // `window` of them, the window start moving in whole strides.
  std::vector<int32_t>& ctx = sc.ctx;
  ctx.clear();
  if (!truncated && tokenizer_->bos_id() >= 0) ctx.push_back(tokenizer_->bos_id());
  PERCH_RETURN_IF_ERROR(tokenizer_->encode(sc.context, &ctx, &sc.tokenizer));
  if (ctx.empty()) return results;
  const size_t window = static_cast<size_t>(decoding_.window);
  if (ctx.size() > window) {
    const size_t stride = static_cast<size_t>(decoding_.window_stride);
    const size_t drop = (ctx.size() - window + stride - 1) / stride * stride;
    ctx.erase(ctx.begin(), ctx.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  stats_.context_tokens = static_cast<int>(ctx.size());

  // What the generated text must start with: the space before the word, then the typed part.
  std::string& required = sc.required;
  required.assign(1, ' ');
  required += sc.partial;
  // Token healing: the typed part of the word, tokenized as the model saw words in training,
  // is kept but for its last `heal_tokens` tokens, which the search re-spells. A search over
  // every spelling of the whole prefix spends its few steps on spellings the model never saw
  // (" c" "l" "e"...) and often finds no word at all.
  std::vector<int32_t>& word_start = sc.word_start;  // the kept tokens of the current word (healing)
  std::string& word_start_text = sc.word_start_text;  // their text
  word_start.clear();
  word_start_text.clear();
  if (!sc.partial.empty() && decoding_.heal_tokens > 0) {
    std::vector<int32_t>& typed = sc.typed;
    typed.clear();
    PERCH_RETURN_IF_ERROR(tokenizer_->encode(sc.partial, &typed, &sc.tokenizer));  // "▁" + partial
    // Leave the search room for the rest of the word (max_context - window >= 8 tokens).
    const int room = std::max(0, decoding_.max_context - static_cast<int>(ctx.size()) - 2 * decoding_.max_tokens_per_word);
    const int keep = std::min(static_cast<int>(typed.size()) - decoding_.heal_tokens, room);
    std::string& spelled = sc.spelled;
    spelled.clear();
    for (int i = 0; i < keep; ++i) spelled += surfaces_[static_cast<size_t>(typed[static_cast<size_t>(i)])];
    if (keep > 0 && required.compare(0, spelled.size(), spelled) == 0) {
      word_start.assign(typed.begin(), typed.begin() + keep);
      word_start_text = spelled;
      ctx.insert(ctx.end(), word_start.begin(), word_start.end());
      required.erase(0, word_start_text.size());
    }
  }
  const size_t max_gen = static_cast<size_t>(decoding_.max_context) - ctx.size();
  const double threshold = decoding_.threshold;

  // Best-first search. Nodes live in sc.nodes, their paths and texts in the two pools; the
  // agenda is a heap of (p, node) ordered by p alone, as a priority_queue of nodes was.
  std::vector<SearchNode>& nodes = sc.nodes;
  std::vector<std::pair<double, uint32_t>>& agenda = sc.agenda;
  std::vector<uint32_t>& words = sc.words;
  std::vector<int32_t>& path_pool = sc.path_pool;
  std::string& surface_pool = sc.surface_pool;
  nodes.clear();
  agenda.clear();
  words.clear();
  path_pool.clear();
  surface_pool.clear();
  auto worse = [](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) { return a.first < b.first; };
  auto push = [&](const SearchNode& node) {
    nodes.push_back(node);
    agenda.push_back({node.p, static_cast<uint32_t>(nodes.size() - 1)});
    std::push_heap(agenda.begin(), agenda.end(), worse);
  };
  push({1.0, 0, 0, 0, 0, false, -1});
  int32_t num_slots = 0;

  // Probability mass of the generated texts that spell the typed prefix (each counted where it
  // first covers it): the normaliser that turns path probabilities into P(word | typed so far).
  // Renormalising each constrained step instead would inflate unlikely spellings (" he" + "l"...).
  double z = 0;
  // The model learnt words in their tokenizer's spelling only; another spelling of a word
  // (" daught" as " da" "ught") is off its training data and ends words at random.
  // `word` is " word" (word_start_text + the node's text), `path` the node's tokens.
  std::vector<int32_t>& canonical = sc.canonical;
  auto is_canonical = [&](std::string_view word, const std::vector<int32_t>& path) {
    canonical.clear();
    if (!tokenizer_->encode(word.substr(1), &canonical, &sc.tokenizer).is_ok()) return false;
    return canonical.size() == word_start.size() + path.size() &&
           std::equal(word_start.begin(), word_start.end(), canonical.begin()) &&
           std::equal(path.begin(), path.end(), canonical.begin() + static_cast<std::ptrdiff_t>(word_start.size()));
  };
  std::string& word = sc.word;
  // Completions must end in a word of the lexicon (when the model has one and the typed part
  // begins one of its words): the search then spends its steps on words, not on fragments the
  // model happens to end ("magnific", "preof").
  word.assign(word_start_text);
  word += required;
  const bool use_lexicon = !lexicon_.empty() && lexicon_has_prefix(lexicon_form(word, &sc.form));
  const double* probs = nullptr;
  std::vector<int32_t>& seq = sc.seq;
  std::vector<int32_t>& path = sc.path;
  Candidate* const allowed = sc.allowed.data();  // vocab_ long
  size_t num_allowed = 0;
  const int max_expansions = decoding_.search_steps * count + 4;
  int expansions = 0;
  const size_t max_word_tokens = static_cast<size_t>(decoding_.max_tokens_per_word) + required.size();
  const uint8_t* kind = kind_.data();

  while (!agenda.empty() && static_cast<int>(words.size()) < count) {
    std::pop_heap(agenda.begin(), agenda.end(), worse);
    const uint32_t node_index = agenda.back().second;
    agenda.pop_back();
    const SearchNode node = nodes[node_index];  // a copy: pushing children may move nodes
    if (node.p < threshold * z) break;  // everything left is less likely still
    if (node.complete) {
      words.push_back(node_index);
      continue;
    }
    if (expansions >= max_expansions || node.path_size >= max_gen || node.path_size >= max_word_tokens) continue;
    ++expansions;
    path.assign(path_pool.begin() + node.path_begin, path_pool.begin() + node.path_begin + node.path_size);
    seq.assign(ctx.begin(), ctx.end());
    seq.insert(seq.end(), path.begin(), path.end());
    PERCH_ASSIGN_OR_RETURN(probs, probs_after(seq));
    word.assign(word_start_text);
    word.append(surface_pool, node.surface_begin, node.surface_size);  // " word" so far

    num_allowed = 0;
    if (node.surface_size < required.size()) {
      // Constrained: the token's text must agree with what is still required, so it starts
      // with the next required byte.
      const std::string_view rest = std::string_view(required).substr(node.surface_size);
      const auto first = static_cast<unsigned char>(rest[0]);
      for (uint32_t k = first_byte_start_[first]; k < first_byte_start_[first + 1]; ++k) {
        const int id = ids_by_first_byte_[k];
        const std::string_view s = surfaces_[static_cast<size_t>(id)];
        bool ok;
        if (s.size() <= rest.size()) {
          ok = rest.compare(0, s.size(), s) == 0;
        } else {
          ok = tokenizer_->type(id) != text::Tokenizer::kByte && s.compare(0, rest.size(), rest) == 0 &&
               continues_word(static_cast<unsigned char>(s[rest.size()]));
        }
        if (!ok) continue;
        if (s.size() >= rest.size()) z += node.p * probs[id];
        allowed[num_allowed++] = {probs[id], id};
      }
    } else {
      // The word so far is complete as typed or beyond: it ends here, or goes on.
      double p_end = 0;
      for (int id = 0; id < vocab_; ++id) {
        const uint8_t k = kind[id];
        if (k == kContinues) allowed[num_allowed++] = {probs[id], id};
        else if (k != kOther) p_end += probs[id];  // a new word, punctuation or the end
      }
      const bool has_text = node.surface_size > required.size() || max_words > 0;
      if (has_text && node.p * p_end >= threshold * z && is_canonical(word, path) &&
          (!use_lexicon || lexicon_has(lexicon_form(word, &sc.form)))) {
        SearchNode done = node;
        done.p = node.p * p_end;
        done.complete = true;
        if (max_words > 0) {
          // The next words start from this very distribution: keep it rather than run the
          // word's last token again after the search has moved the cache elsewhere.
          const size_t v = static_cast<size_t>(vocab_);
          sc.word_probs.resize(std::max(sc.word_probs.size(), (static_cast<size_t>(num_slots) + 1) * v));
          std::copy(probs, probs + v, sc.word_probs.data() + static_cast<size_t>(num_slots) * v);
          done.probs_slot = num_slots++;
        }
        push(done);
      }
    }
    // The `count + search_extra_children` most probable children that still spell the start of
    // a lexicon word. Sorting only the head is enough but when the lexicon rejects most of it.
    const size_t wanted = static_cast<size_t>(count + decoding_.search_extra_children);
    const size_t page = 4 * wanted;
    sc.head.resize(page);
    Candidate* const head = sc.head.data();
    size_t head_size = select_best(allowed, num_allowed, page, static_cast<const Candidate*>(nullptr), head);
    size_t head_start = 0;  // index of head[0] in the order
    size_t taken = 0;
    const size_t word_size = word.size();
    for (size_t i = 0; i < num_allowed && taken < wanted; ++i) {
      if (i == head_start + head_size) {
        // Past the head (the lexicon rejected much of it): the next page of the order.
        const Candidate last = head[head_size - 1];
        head_start = i;
        head_size = select_best(allowed, num_allowed, page, &last, head);
      }
      const Candidate next = head[i - head_start];
      const double p = node.p * next.p;
      if (p < threshold * z || p <= 0) break;
      const int id = next.id;
      word.resize(word_size);
      word.append(surfaces_[static_cast<size_t>(id)]);  // the child's " word"
      const size_t surface_size = word.size() - word_start_text.size();
      if (use_lexicon && surface_size > required.size() && !lexicon_has_prefix(lexicon_form(word, &sc.form))) continue;
      const auto path_begin = static_cast<uint32_t>(path_pool.size());
      path_pool.insert(path_pool.end(), path.begin(), path.end());
      path_pool.push_back(id);
      const auto surface_begin = static_cast<uint32_t>(surface_pool.size());
      surface_pool.append(word, word_start_text.size(), std::string::npos);
      push({p, path_begin, node.path_size + 1, surface_begin, static_cast<uint32_t>(surface_size), false, -1});
      ++taken;
    }
  }

  // Each word, then greedily up to max_words more while each next word is likely enough.
  // Words come best first; a word's continuation must not drop it below the next word, so the
  // order stays that of the words themselves.
  std::vector<int32_t>& next_word = sc.next_word;
  for (size_t wi = 0; wi < words.size(); ++wi) {
    const SearchNode& w = nodes[words[wi]];
    Suggestion sug{surface_pool.substr(w.surface_begin + required.size(), w.surface_size - required.size()),
                   std::min(1.0, w.p / z)};
    const double floor = std::max(threshold, wi + 1 < words.size() ? std::min(1.0, nodes[words[wi + 1]].p / z) : 0.0);
    path.assign(path_pool.begin() + w.path_begin, path_pool.begin() + w.path_begin + w.path_size);
    for (int n = 0; n < max_words && !path.empty(); ++n) {
      next_word.clear();
      double word_p = 1;
      bool ended = false;
      while (path.size() + next_word.size() < max_gen && next_word.size() < static_cast<size_t>(decoding_.max_tokens_per_word)) {
        seq.assign(ctx.begin(), ctx.end());
        seq.insert(seq.end(), path.begin(), path.end());
        seq.insert(seq.end(), next_word.begin(), next_word.end());
        const double* pr;
        if (n == 0 && next_word.empty() && w.probs_slot >= 0) {
          pr = sc.word_probs.data() + static_cast<size_t>(w.probs_slot) * static_cast<size_t>(vocab_);
        } else {
          PERCH_ASSIGN_OR_RETURN(pr, probs_after(seq));
        }
        int best = -1;
        if (next_word.empty()) {
          // A next word only when the model's single most likely next token starts one.
          best = 0;
          for (int id = 1; id < vocab_; ++id)
            if (pr[id] > pr[best]) best = id;
          if (kind[best] != kNewWord) break;
        } else {
          // The word ends here or goes on with its likeliest piece, whichever is likelier
          // (the likeliest single token may continue the word while most of the mass ends it).
          double p_end = 0;
          for (int id = 0; id < vocab_; ++id) {
            const uint8_t k = kind[id];
            if (k == kContinues) {
              if (best < 0 || pr[id] > pr[best]) best = id;
            } else if (k != kOther) {
              p_end += pr[id];
            }
          }
          if (best < 0 || p_end >= pr[best]) {
            word.clear();
            for (int32_t id : next_word) word += surfaces_[static_cast<size_t>(id)];
            ended = lexicon_.empty() || lexicon_has(lexicon_form(word, &sc.form));
            break;
          }
        }
        word_p *= pr[best];
        next_word.push_back(best);
      }
      // A word typed in full has nothing to complete: its first next word only needs the
      // overall threshold; later words must also be likely on their own.
      const bool first_of_nothing = n == 0 && sug.text.empty();
      if (!ended || (word_p < decoding_.word_threshold && !first_of_nothing) || sug.confidence * word_p < floor) break;
      sug.confidence *= word_p;
      for (int32_t id : next_word) sug.text += surfaces_[static_cast<size_t>(id)];
      path.insert(path.end(), next_word.begin(), next_word.end());
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
