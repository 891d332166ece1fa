// The model steps of a text suggester: next-token distributions after token sequences.
//
// One Session keeps the KV cache between calls, synced to each asked sequence by common prefix
// (a deletion rolls it back, only the rest runs). The distributions of the last kRemembered
// sequences are remembered: the search revisits them keystroke after keystroke (typing within
// a word asks again about the same context and spellings), so a keystroke often runs no model
// step at all. Answers depend only on the sequence, never on the call history.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "perch/core/status.h"
#include "perch/runtime/model.h"
#include "perch/runtime/session.h"

namespace perch {

struct SuggesterStats {
  int tokens_run = 0;      // tokens the model ran in the last call (context + search)
  int context_tokens = 0;  // tokens of context in the last call
  int forward_calls = 0;   // Session::run calls in the last call
};

// Softmax of logits[0, n) into *probs in double (fixed order, so deterministic). Hostile or
// broken models are defined too: NaN logits get probability 0, +Inf logits share all the mass,
// and with no finite or +Inf logit every probability is 0 (the search then finds nothing).
void finite_softmax(const float* logits, int n, std::vector<double>* probs);

class StepCache {
 public:
  // `max_context`: the longest sequence asked about; `vocab`: the logits' last dimension.
  static Result<std::unique_ptr<StepCache>> create(std::shared_ptr<const Model> model, int num_threads, int max_context,
                                                   int vocab);
  // P(next token | seq), vocab entries summing to 1 (or all 0, see finite_softmax). Valid until
  // the next call.
  Result<const double*> probs_after(const std::vector<int32_t>& seq);
  // Forgets the KV cache and the remembered distributions.
  void reset();
  SuggesterStats& stats() { return stats_; }

 private:
  StepCache() = default;
  // Logits after `seq` (positions 0..): syncs the KV cache by common prefix, runs the rest.
  Result<const float*> logits_after(const std::vector<int32_t>& seq);

  struct Remembered {
    uint64_t hash = 0, last_use = 0;
    std::vector<int32_t> seq;  // empty: unused
    std::vector<double> probs;
  };
  // 16 x vocab doubles: 512 KB for a 4096-token vocabulary.
  static constexpr size_t kRemembered = 16;

  std::unique_ptr<Session> session_;
  int max_context_ = 0, vocab_ = 0;
  std::vector<int32_t> cached_;     // tokens whose keys/values are in the KV cache
  std::vector<float> last_logits_;  // logits after cached_ (valid when have_logits_)
  bool have_logits_ = false;
  std::vector<int32_t> positions_;  // scratch for the positions input
  std::vector<Remembered> remembered_;
  uint64_t uses_ = 0;
  SuggesterStats stats_;
};

}  // namespace perch
