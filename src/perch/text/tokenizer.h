// Tokenizer: sentencepiece-compatible BPE (as trained by tools/suggest/train_tokenizer.py), so the
// ids match Python's sentencepiece exactly (tests/cpp/tokenizer_test.cc checks thousands of lines).
//
// Encoding, as sentencepiece does it with `identity` normalisation:
//   1. the text must be valid UTF-8 (else InvalidUtf8); empty text gives no ids;
//   2. a dummy ' ' is prepended (add_dummy_prefix) and every ' ' becomes U+2581 "▁";
//   3. the text is split into code points, then adjacent symbols are merged, always the pair
//      whose merged piece has the highest score (leftmost on ties), until no pair is a piece;
//   4. a symbol that is not a piece becomes its UTF-8 bytes as <0xXX> pieces (byte fallback),
//      or unk when the model has no byte pieces.
//
// The model travels in the `perch.tokenizer` metadata of a .perch file:
//   {"type":"bpe","pieces":[...],"scores":[...],"types":[...],"unk_id":0,"bos_id":1,"eos_id":2,
//    "add_dummy_prefix":true}
// types follow sentencepiece: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "perch/core/status.h"

namespace perch::text {

class Tokenizer {
 public:
  enum PieceType : int { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

  // Parses and validates the perch.tokenizer JSON (types, sizes, duplicate pieces, byte pieces).
  static Result<std::unique_ptr<Tokenizer>> from_json(std::string_view json);

  // Working memory of encode(). A caller that encodes often (per keystroke) keeps one and
  // passes it in, so that encoding allocates nothing once its buffers have grown.
  struct Scratch {
    struct Symbol {
      uint32_t begin, size;
      int prev, next;
    };
    struct Pair {
      float score;
      int left, right;
      uint32_t size;
    };
    std::string norm;
    std::vector<Symbol> symbols;
    std::vector<Pair> agenda;  // a heap
  };

  // Appends the ids of `text` to *ids. InvalidUtf8 (naming the byte offset) on bad input.
  Status encode(std::string_view text, std::vector<int32_t>* ids) const;
  // The same, working in *scratch (one caller at a time per Scratch).
  Status encode(std::string_view text, std::vector<int32_t>* ids, Scratch* scratch) const;

  int vocab_size() const { return static_cast<int>(pieces_.size()); }
  int unk_id() const { return unk_id_; }
  int bos_id() const { return bos_id_; }
  int eos_id() const { return eos_id_; }
  bool add_dummy_prefix() const { return add_dummy_prefix_; }
  // The piece as stored ("▁the", "<0x0A>"); id must be in [0, vocab_size()).
  const std::string& piece(int id) const { return pieces_[static_cast<size_t>(id)]; }
  PieceType type(int id) const { return static_cast<PieceType>(types_[static_cast<size_t>(id)]); }
  // The text a piece stands for: "▁" as ' ', a byte piece as its one byte (possibly a partial
  // UTF-8 sequence), control and unknown pieces as "".
  const std::string& surface(int id) const { return surfaces_[static_cast<size_t>(id)]; }
  // Concatenated surfaces, with the dummy leading space removed when add_dummy_prefix.
  std::string decode(const int32_t* ids, size_t n) const;

  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

 private:
  Tokenizer() = default;
  int lookup(std::string_view piece) const;  // mergeable piece id, or -1

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<uint8_t> types_;
  std::vector<std::string> surfaces_;
  // Normal, user-defined and unused pieces (the ones merges may produce); views into pieces_,
  // which never changes after construction.
  std::unordered_map<std::string_view, int> mergeable_;
  int byte_ids_[256];
  bool has_bytes_ = false;
  int unk_id_ = 0, bos_id_ = -1, eos_id_ = -1;
  bool add_dummy_prefix_ = true;
};

}  // namespace perch::text
