#include "perch/tasks/suggest_step_cache.h"

#include <cmath>
#include <limits>
#include <string>

namespace perch {

void finite_softmax(const float* logits, int n, std::vector<double>* probs) {
  probs->assign(static_cast<size_t>(n), 0.0);
  double* out = probs->data();
  float mx = -std::numeric_limits<float>::infinity();
  int infinite = 0;
  for (int i = 0; i < n; ++i) {
    if (std::isnan(logits[i])) continue;
    if (logits[i] == std::numeric_limits<float>::infinity())
      ++infinite;
    else
      mx = std::max(mx, logits[i]);
  }
  if (infinite > 0) {
    for (int i = 0; i < n; ++i)
      if (logits[i] == std::numeric_limits<float>::infinity()) out[i] = 1.0 / infinite;
    return;
  }
  if (!std::isfinite(mx)) return;  // every logit NaN or -Inf
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(logits[i])) continue;
    out[i] = std::exp(static_cast<double>(logits[i] - mx));
    sum += out[i];
  }
  for (int i = 0; i < n; ++i) out[i] /= sum;  // sum >= 1: the maximum contributes exp(0)
}

Result<std::unique_ptr<StepCache>> StepCache::create(std::shared_ptr<const Model> model, int num_threads,
                                                     int max_context, int vocab) {
  std::unique_ptr<StepCache> c(new StepCache());
  SessionOptions opts;
  opts.num_threads = std::max(1, num_threads);
  PERCH_ASSIGN_OR_RETURN(c->session_, Session::create(std::move(model), opts));
  c->max_context_ = max_context;
  c->vocab_ = vocab;
  c->positions_.reserve(static_cast<size_t>(max_context));
  c->remembered_.resize(kRemembered);
  return c;
}

void StepCache::reset() {
  for (Remembered& r : remembered_) r.seq.clear();
  cached_.clear();
  have_logits_ = false;
  session_->kv_cache().reset();
}

Result<const double*> StepCache::probs_after(const std::vector<int32_t>& seq) {
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
  finite_softmax(logits, vocab_, &victim->probs);
  return victim->probs.data();
}

Result<const float*> StepCache::logits_after(const std::vector<int32_t>& seq) {
  if (seq.empty() || seq.size() > static_cast<size_t>(max_context_))
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
  // A flag, not last_logits_.clear(): compiled for size (wasm), clearing walks every element.
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

}  // namespace perch
