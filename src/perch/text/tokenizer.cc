#include "perch/text/tokenizer.h"

#include <algorithm>
#include <cstdio>

#include "perch/format/json.h"
#include "perch/text/utf8.h"

namespace perch::text {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581, sentencepiece's '▁'

// "<0x41>" -> 0x41; -1 when the piece is not of that form.
int parse_byte_piece(const std::string& p) {
  if (p.size() != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') return -1;
  int v = 0;
  for (int i = 3; i < 5; ++i) {
    char c = p[static_cast<size_t>(i)];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return -1;
  }
  return v;
}

std::string surface_of(const std::string& piece, int type) {
  if (type == Tokenizer::kByte) return std::string(1, static_cast<char>(parse_byte_piece(piece)));
  if (type == Tokenizer::kControl || type == Tokenizer::kUnknown) return "";
  std::string out;
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, kSpaceMark.size(), kSpaceMark) == 0) {
      out.push_back(' ');
      i += kSpaceMark.size();
    } else {
      out.push_back(piece[i++]);
    }
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_json(std::string_view text) {
  JsonValue j;
  JsonParseError error;
  if (!parse_json(text, &j, &error)) return invalid_model("perch.tokenizer: not valid JSON (" + error.describe() + ")");
  if (!j.is_object()) return invalid_model("perch.tokenizer: not a JSON object");
  const JsonValue* type_name = j.find("type");
  if (!type_name || !type_name->is_string() || type_name->as_string() != "bpe")
    return unsupported("perch.tokenizer: only type \"bpe\" is supported");
  for (const char* key : {"pieces", "scores", "types"})
    if (!j.contains(key) || !j.find(key)->is_array())
      return invalid_model(std::string("perch.tokenizer: missing array '") + key + "'");
  const JsonValue& jp = *j.find("pieces");
  const JsonValue& js = *j.find("scores");
  const JsonValue& jt = *j.find("types");
  const size_t n = jp.size();
  if (n == 0 || n > (1u << 20) || js.size() != n || jt.size() != n)
    return invalid_model("perch.tokenizer: pieces, scores and types must be non-empty and equally long");

  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->pieces_.reserve(n);
  t->scores_.reserve(n);
  t->types_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!jp[i].is_string() || !js[i].is_number() || !jt[i].is_integer())
      return invalid_model("perch.tokenizer: entry " + std::to_string(i) + " has the wrong JSON types");
    std::string piece = jp[i].as_string();
    const int64_t type = jt[i].as_int64();
    if (type < kNormal || type > kByte)
      return invalid_model("perch.tokenizer: piece " + std::to_string(i) + " has unknown type");
    if (type == kUserDefined || type == kUnused)
      return unsupported("perch.tokenizer: user-defined and unused pieces are not supported");
    if (piece.empty() || !validate_utf8(piece).is_ok())
      return invalid_model("perch.tokenizer: piece " + std::to_string(i) + " is empty or not UTF-8");
    if (type == kByte && parse_byte_piece(piece) < 0)
      return invalid_model("perch.tokenizer: byte piece " + std::to_string(i) + " is not <0xXX>");
    t->pieces_.push_back(std::move(piece));
    t->scores_.push_back(static_cast<float>(js[i].as_double()));
    t->types_.push_back(static_cast<uint8_t>(type));
  }
  auto id_attr = [&](const char* key, int def, int* out) -> Status {
    *out = def;
    const JsonValue* v = j.find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_integer()) return invalid_model(std::string("perch.tokenizer: ") + key + " must be an integer");
    const int64_t id = v->as_int64();
    if (id < -1 || id >= static_cast<int64_t>(n))
      return invalid_model(std::string("perch.tokenizer: ") + key + " out of range");
    *out = static_cast<int>(id);
    return Status::ok();
  };
  PERCH_RETURN_IF_ERROR(id_attr("unk_id", 0, &t->unk_id_));
  PERCH_RETURN_IF_ERROR(id_attr("bos_id", -1, &t->bos_id_));
  PERCH_RETURN_IF_ERROR(id_attr("eos_id", -1, &t->eos_id_));
  if (t->unk_id_ < 0 || t->types_[static_cast<size_t>(t->unk_id_)] != kUnknown)
    return invalid_model("perch.tokenizer: unk_id must name the unknown piece");
  if (const JsonValue* prefix = j.find("add_dummy_prefix")) {
    if (!prefix->is_bool()) return invalid_model("perch.tokenizer: add_dummy_prefix must be a boolean");
    t->add_dummy_prefix_ = prefix->as_bool();
  }

  for (int& b : t->byte_ids_) b = -1;
  int num_bytes = 0;
  t->surfaces_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const int type = t->types_[i];
    t->surfaces_.push_back(surface_of(t->pieces_[i], type));
    if (type == kByte) {
      int b = parse_byte_piece(t->pieces_[i]);
      if (t->byte_ids_[b] >= 0) return invalid_model("perch.tokenizer: duplicate byte piece " + t->pieces_[i]);
      t->byte_ids_[b] = static_cast<int>(i);
      ++num_bytes;
    } else if (type == kNormal) {
      if (!t->mergeable_.emplace(std::string_view(t->pieces_[i]), static_cast<int>(i)).second)
        return invalid_model("perch.tokenizer: duplicate piece '" + t->pieces_[i] + "'");
    }
  }
  if (num_bytes != 0 && num_bytes != 256)
    return invalid_model("perch.tokenizer: byte fallback needs all 256 byte pieces");
  t->has_bytes_ = num_bytes == 256;
  return t;
}

int Tokenizer::lookup(std::string_view piece) const {
  auto it = mergeable_.find(piece);
  return it == mergeable_.end() ? -1 : it->second;
}

Status Tokenizer::encode(std::string_view text, std::vector<int32_t>* ids) const {
  Scratch scratch;
  return encode(text, ids, &scratch);
}

Status Tokenizer::encode(std::string_view text, std::vector<int32_t>* ids, Scratch* scratch) const {
  if (ids == nullptr || scratch == nullptr) return invalid_argument("Tokenizer::encode: ids or scratch is null");
  PERCH_RETURN_IF_ERROR(validate_utf8(text));
  if (text.empty()) return Status::ok();

  // Normalised text: dummy prefix, ' ' -> '▁'.
  std::string& norm = scratch->norm;
  norm.clear();
  norm.reserve(text.size() + text.size() / 4 + 3);
  if (add_dummy_prefix_) norm.append(kSpaceMark);
  for (char c : text) {
    if (c == ' ')
      norm.append(kSpaceMark);
    else
      norm.push_back(c);
  }

  // One symbol per code point, in a doubly linked list.
  using Symbol = Scratch::Symbol;
  using Pair = Scratch::Pair;
  std::vector<Symbol>& symbols = scratch->symbols;
  symbols.clear();
  for (Utf8Iterator it(norm); !it.done(); it.next()) {
    int index = static_cast<int>(symbols.size());
    symbols.push_back({static_cast<uint32_t>(it.offset()), static_cast<uint32_t>(it.length()), index - 1, index + 1});
  }
  symbols.back().next = -1;

  // Highest score first; on equal scores the leftmost pair.
  auto worse = [](const Pair& a, const Pair& b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::vector<Pair>& agenda = scratch->agenda;  // a heap, as std::priority_queue keeps one
  agenda.clear();
  auto view = [&](uint32_t begin, uint32_t size) { return std::string_view(norm).substr(begin, size); };
  auto maybe_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const uint32_t size = symbols[static_cast<size_t>(left)].size + symbols[static_cast<size_t>(right)].size;
    const int id = lookup(view(symbols[static_cast<size_t>(left)].begin, size));
    if (id < 0) return;
    agenda.push_back({scores_[static_cast<size_t>(id)], left, right, size});
    std::push_heap(agenda.begin(), agenda.end(), worse);
  };
  for (size_t i = 1; i < symbols.size(); ++i) maybe_add(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!agenda.empty()) {
    std::pop_heap(agenda.begin(), agenda.end(), worse);
    const Pair top = agenda.back();
    agenda.pop_back();
    Symbol& l = symbols[static_cast<size_t>(top.left)];
    Symbol& r = symbols[static_cast<size_t>(top.right)];
    // Stale entries: a side was merged away or grew since the pair was queued.
    if (l.size == 0 || r.size == 0 || l.size + r.size != top.size || l.next != top.right) continue;
    l.size += r.size;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = top.left;
    r.size = 0;
    maybe_add(l.prev, top.left);
    maybe_add(top.left, l.next);
  }

  for (int i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
    const Symbol& s = symbols[static_cast<size_t>(i)];
    std::string_view piece = view(s.begin, s.size);
    int id = lookup(piece);
    if (id >= 0) {
      ids->push_back(id);
    } else if (has_bytes_) {
      for (char c : piece) ids->push_back(byte_ids_[static_cast<uint8_t>(c)]);
    } else {
      ids->push_back(unk_id_);
    }
  }
  return Status::ok();
}

std::string Tokenizer::decode(const int32_t* ids, size_t n) const {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= vocab_size()) continue;
    out += surfaces_[static_cast<size_t>(ids[i])];
  }
  if (add_dummy_prefix_ && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

}  // namespace perch::text
