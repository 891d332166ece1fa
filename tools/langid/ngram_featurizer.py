"""The Python twin of src/perch/text/ngram.{h,cc}: text -> hashed character n-gram ids.

The spec (identical in C++; tests/data/ngram_vectors.jsonl checks both):
  1. The text is UTF-8; invalid UTF-8 is an error.
  2. Each code point is lowercased with the generated simple-mapping table, then classed as a
     letter (L*, M*, ZWNJ, ZWJ per the generated ranges) or a separator (everything else:
     digits, punctuation, spaces, symbols, emoji).
  3. A word is a maximal run of letters. Each word w in order becomes the token " w " (U+0020
     on both sides). For each start position i of the token, for n = min_n..max_n with
     i + n <= len(token), the code points token[i:i+n] form an n-gram; the lone boundary " " is
     skipped. id = fnv1a32(utf8(n-gram)) % buckets.
  4. With word_features, after its n-grams each word adds fnv1a32(b"\\xff" + utf8(w)) % buckets
     (0xFF never occurs in UTF-8, so a word id never equals an n-gram's hash by construction).
  5. Emission stops once max_ids ids have been produced (a bounded sample of huge texts).
"""
from __future__ import annotations

import bisect
import json
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_HERE, "ngram_char_tables.json")) as _f:
    _T = json.load(_f)
_LOWER = {a: b for a, b in _T["lowercase"]}
_LETTER_STARTS = [r[0] for r in _T["letters"]]
_LETTER_ENDS = [r[1] for r in _T["letters"]]

DEFAULT_PARAMS = {
    "version": 1,
    "hash": "fnv1a32",
    "buckets": 32768,
    "min_n": 1,
    "max_n": 4,
    "word_features": True,
    "max_ids": 4096,
}

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193


def fnv1a32(data: bytes, h: int = FNV_OFFSET) -> int:
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFF
    return h


def lower(cp: int) -> int:
    return _LOWER.get(cp, cp)


def is_letter(cp: int) -> bool:
    if cp < 0x80:
        return (0x61 <= cp <= 0x7A) or (0x41 <= cp <= 0x5A)
    i = bisect.bisect_right(_LETTER_STARTS, cp) - 1
    return i >= 0 and cp <= _LETTER_ENDS[i]


_CHAR_CLASS: dict[str, str | None] = {}


def _letter_or_none(ch: str) -> str | None:
    """The lowercased letter, or None for a separator (memoized per character)."""
    v = _CHAR_CLASS.get(ch, 0)
    if v == 0:
        cp = lower(ord(ch))
        v = chr(cp) if is_letter(cp) else None
        _CHAR_CLASS[ch] = v
    return v


def words(text: str) -> list[str]:
    out, cur = [], []
    for ch in text:
        c = _letter_or_none(ch)
        if c is not None:
            cur.append(c)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


class Featurizer:
    """Memoizes n-gram hashes: training featurizes millions of snippets with few distinct n-grams."""

    def __init__(self, params: dict | None = None):
        p = dict(DEFAULT_PARAMS)
        if params:
            p.update(params)
        self.params = p
        self.buckets = int(p["buckets"])
        self.min_n, self.max_n = int(p["min_n"]), int(p["max_n"])
        self.word_features = bool(p["word_features"])
        self.max_ids = int(p["max_ids"])
        self._cache: dict[str, int] = {}
        self._words: dict[str, list[int]] = {}

    def _id(self, gram: str, word: bool = False) -> int:
        key = ("\x00" if word else "") + gram
        v = self._cache.get(key)
        if v is None:
            data = (b"\xff" if word else b"") + gram.encode("utf-8")
            v = fnv1a32(data) % self.buckets
            if len(self._cache) < 4_000_000:
                self._cache[key] = v
        return v

    def word_ids(self, w: str) -> list[int]:
        """All ids of one word (its n-grams, then the word feature), before the max_ids cap."""
        v = self._words.get(w)
        if v is not None:
            return v
        out = []
        tok = " " + w + " "
        L = len(tok)
        for i in range(L):
            for n in range(self.min_n, self.max_n + 1):
                if i + n > L:
                    break
                if n == 1 and (i == 0 or i == L - 1):
                    continue
                out.append(self._id(tok[i : i + n]))
        if self.word_features:
            out.append(self._id(w, word=True))
        if len(self._words) < 2_000_000 and len(w) < 64:
            self._words[w] = out
        return out

    def ids(self, text: str | bytes) -> list[int]:
        if isinstance(text, bytes):
            text = text.decode("utf-8")  # raises UnicodeDecodeError on invalid UTF-8
        out: list[int] = []
        cap = self.max_ids
        for w in words(text):
            if len(w) > cap + self.max_n + 2:
                w = w[: cap + self.max_n + 2]  # only ids beyond the cap depend on the rest
            out.extend(self.word_ids(w))
            if len(out) >= cap:
                return out[:cap]
        return out
