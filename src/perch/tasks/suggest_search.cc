#include "perch/tasks/suggest_search.h"

#include <algorithm>

#include "perch/tasks/top_k.h"

namespace perch {
namespace {

// The order of next tokens: more probable first, then the lower id (a total order on finite
// probabilities, so any way of sorting gives the same sequence).
template <typename C>
bool more_probable(const C& a, const C& b) {
  return a.p > b.p || (a.p == b.p && a.id < b.id);
}

// The k first of c[0, n) in more_probable order that come after *after (all when after is
// null), sorted, into head[0, min(k, those)); returns how many. Page after page, a full sort.
template <typename C>
size_t select_best(const C* c, size_t n, size_t k, const C* after, C* head) {
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (after != nullptr && !more_probable(*after, c[i])) continue;
    m = insert_top_k(head, m, k, c[i], more_probable<C>);
  }
  return m;
}

bool lower_p(const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) { return a.first < b.first; }

}  // namespace

double WordSearch::probability(size_t i) const { return z_ > 0 ? std::min(1.0, nodes_[words_[i]].p / z_) : 0.0; }

std::string_view WordSearch::text(size_t i) const {
  const Node& n = nodes_[words_[i]];
  return std::string_view(surface_pool_).substr(n.surface_begin, n.surface_size);
}

void WordSearch::path(size_t i, std::vector<int32_t>* out) const {
  const Node& n = nodes_[words_[i]];
  out->assign(path_pool_.begin() + n.path_begin, path_pool_.begin() + n.path_begin + n.path_size);
}

const double* WordSearch::next_probs(size_t i) const {
  const Node& n = nodes_[words_[i]];
  return n.probs_slot < 0
             ? nullptr
             : word_probs_.data() + static_cast<size_t>(n.probs_slot) * static_cast<size_t>(vocab_->size());
}

void WordSearch::push(const Node& node) {
  nodes_.push_back(node);
  agenda_.push_back({node.p, static_cast<uint32_t>(nodes_.size() - 1)});
  std::push_heap(agenda_.begin(), agenda_.end(), lower_p);
}

Status WordSearch::run(const WordQuery& query, const SearchLimits& limits) {
  q_ = &query;
  z_ = 0;
  num_slots_ = 0;
  nodes_.clear();
  agenda_.clear();
  words_.clear();
  path_pool_.clear();
  surface_pool_.clear();
  allowed_.resize(static_cast<size_t>(vocab_->size()));
  wanted_ = static_cast<size_t>(query.count + limits.search_extra_children);
  const std::vector<int32_t>& ctx = *query.context;
  const size_t max_gen = static_cast<size_t>(limits.max_context) - ctx.size();
  const size_t max_word_tokens = static_cast<size_t>(limits.max_tokens_per_word) + query.required.size();
  const int max_expansions = limits.search_steps * query.count + 4;
  int expansions = 0;
  push({1.0, 0, 0, 0, 0, false, -1});
  while (!agenda_.empty() && static_cast<int>(words_.size()) < query.count) {
    std::pop_heap(agenda_.begin(), agenda_.end(), lower_p);
    const uint32_t node_index = agenda_.back().second;
    agenda_.pop_back();
    const Node node = nodes_[node_index];       // a copy: pushing children may move nodes
    if (node.p < query.threshold * z_) {        // everything left is less likely still
      agenda_.push_back({node.p, node_index});  // (no longer a heap) for the fill below
      break;
    }
    if (node.complete) {
      words_.push_back(node_index);
      continue;
    }
    if (expansions >= max_expansions || node.path_size >= max_gen || node.path_size >= max_word_tokens) continue;
    ++expansions;
    path_.assign(path_pool_.begin() + node.path_begin, path_pool_.begin() + node.path_begin + node.path_size);
    seq_.assign(ctx.begin(), ctx.end());
    seq_.insert(seq_.end(), path_.begin(), path_.end());
    PERCH_ASSIGN_OR_RETURN(const double* probs, steps_->probs_after(seq_));
    word_.assign(query.word_start_text);
    word_.append(surface_pool_, node.surface_begin, node.surface_size);  // " word" so far
    size_t n;
    if (node.surface_size < query.required.size()) {
      n = allow_spelling(node, probs);
    } else {
      double p_end = 0;
      n = allow_continuing(node, probs, &p_end);
      finish_word(node, probs, p_end);
    }
    push_children(node, n);
  }
  if (query.fill && static_cast<int>(words_.size()) < query.count) {
    std::vector<uint32_t>& rest = fill_;
    rest.clear();
    for (const auto& [p, index] : agenda_)
      if (nodes_[index].complete) rest.push_back(index);
    std::sort(rest.begin(), rest.end(), [&](uint32_t a, uint32_t b) {
      return nodes_[a].p > nodes_[b].p || (nodes_[a].p == nodes_[b].p && a < b);
    });
    for (size_t i = 0; i < rest.size() && static_cast<int>(words_.size()) < query.count; ++i) words_.push_back(rest[i]);
  }
  return Status::ok();
}

size_t WordSearch::allow_spelling(const Node& node, const double* probs) {
  // The token's text must agree with what is still required, so it starts with the next byte.
  const std::string_view rest = q_->required.substr(node.surface_size);
  const auto first = static_cast<unsigned char>(rest[0]);
  size_t n = 0;
  for (const int32_t* it = vocab_->starting_with(first); it != vocab_->starting_with_end(first); ++it) {
    const int id = *it;
    const std::string_view s = vocab_->surface(id);
    const bool ok = s.size() <= rest.size() ? rest.compare(0, s.size(), s) == 0
                                            : !vocab_->is_byte(id) && s.compare(0, rest.size(), rest) == 0 &&
                                                  is_word_byte(static_cast<unsigned char>(s[rest.size()]));
    if (!ok) continue;
    if (s.size() >= rest.size()) z_ += node.p * probs[id];
    allowed_[n++] = {probs[id], id};
  }
  return n;
}

size_t WordSearch::allow_continuing(const Node&, const double* probs, double* p_end) {
  const uint8_t* kind = vocab_->kinds();
  const int vocab = vocab_->size();
  size_t n = 0;
  double end = 0;
  for (int id = 0; id < vocab; ++id) {
    const uint8_t k = kind[id];
    if (k == kContinues)
      allowed_[n++] = {probs[id], id};
    else if (k != kOtherToken)
      end += probs[id];  // a new word, punctuation or the end
  }
  *p_end = end;
  return n;
}

void WordSearch::finish_word(const Node& node, const double* probs, double p_end) {
  const bool has_text = node.surface_size > q_->required.size() || q_->allow_typed_word;
  if (!has_text || (!q_->fill && node.p * p_end < q_->threshold * z_) || !(node.p * p_end > 0) || !is_canonical(word_))
    return;
  if (q_->use_lexicon && !lexicon_->has(Lexicon::form(word_, &form_))) return;
  Node done = node;
  done.p = node.p * p_end;
  done.complete = true;
  if (q_->keep_next_probs) {
    // Next words start from this very distribution: keep it rather than run the word's last
    // token again after the search has moved the cache elsewhere.
    const size_t v = static_cast<size_t>(vocab_->size());
    word_probs_.resize(std::max(word_probs_.size(), (static_cast<size_t>(num_slots_) + 1) * v));
    std::copy(probs, probs + v, word_probs_.data() + static_cast<size_t>(num_slots_) * v);
    done.probs_slot = num_slots_++;
  }
  push(done);
}

bool WordSearch::is_canonical(std::string_view word) {
  // `word` is " word" (word start + the node's text), path_ the node's tokens.
  const std::vector<int32_t>& start = *q_->word_start;
  canonical_.clear();
  if (!tokenizer_->encode(word.substr(1), &canonical_, &tokenizer_scratch_).is_ok()) return false;
  return canonical_.size() == start.size() + path_.size() &&
         std::equal(start.begin(), start.end(), canonical_.begin()) &&
         std::equal(path_.begin(), path_.end(), canonical_.begin() + static_cast<std::ptrdiff_t>(start.size()));
}

void WordSearch::push_children(const Node& node, size_t n) {
  // Sorting only a page of the order is enough but when the lexicon rejects most of it.
  const size_t page = 4 * wanted_;
  head_.resize(page);
  Candidate* const head = head_.data();
  size_t head_size = select_best(allowed_.data(), n, page, static_cast<const Candidate*>(nullptr), head);
  size_t head_start = 0;  // index of head[0] in the order
  size_t taken = 0;
  const size_t word_size = word_.size();
  const size_t start_size = q_->word_start_text.size();
  for (size_t i = 0; i < n && taken < wanted_; ++i) {
    if (i == head_start + head_size) {
      if (head_size == 0) break;  // an empty page ends the expansion
      const Candidate last = head[head_size - 1];
      head_start = i;
      head_size = select_best(allowed_.data(), n, page, &last, head);
      if (head_size == 0) break;
    }
    const Candidate next = head[i - head_start];
    const double p = node.p * next.p;
    if (p < q_->threshold * z_ || !(p > 0)) break;
    word_.resize(word_size);
    word_.append(vocab_->surface(next.id));  // the child's " word"
    const size_t surface_size = word_.size() - start_size;
    if (q_->use_lexicon && surface_size > q_->required.size() && !lexicon_->has_prefix(Lexicon::form(word_, &form_)))
      continue;
    const auto path_begin = static_cast<uint32_t>(path_pool_.size());
    path_pool_.insert(path_pool_.end(), path_.begin(), path_.end());
    path_pool_.push_back(next.id);
    const auto surface_begin = static_cast<uint32_t>(surface_pool_.size());
    surface_pool_.append(word_, start_size, std::string::npos);
    push({p, path_begin, node.path_size + 1, surface_begin, static_cast<uint32_t>(surface_size), false, -1});
    ++taken;
  }
}

}  // namespace perch
