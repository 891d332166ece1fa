#!/usr/bin/python3
"""Writes tests/data/ngram_vectors.jsonl: texts, featurizer params and the ids the Python
featurizer gives. tests/cpp/ngram_test.cc checks the C++ featurizer against it and
tests/python/test_ngram_vectors.py checks the Python one, so either side drifting fails a test.
Run: /usr/bin/python3 tools/langid/make_ngram_vectors.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngram_featurizer import DEFAULT_PARAMS, Featurizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TEXTS = [
    "",
    "12345",
    "  ...!?  ",
    "😀🎉👍",
    "a",
    "Hi",
    "Bonjour, je m'appelle Marie et j'habite à Paris.",
    "Der Fluß ist GROSS und die Straße heißt Äußere.",
    "¿Dónde está la biblioteca? ¡Aquí!",
    "Привет, как дела? ЁЖИК в тумане",
    "ΟΔΥΣΣΕΥΣ και Σίσυφος",
    "İstanbul'da ılık bir gün, IŞIK",
    "我们今天去公园散步吧",
    "日本語のテキストです。カタカナとひらがな",
    "안녕하세요 반갑습니다",
    "مرحبا بكم في العالم العربي",
    "שלום עולם",
    "नमस्ते, आप कैसे हैं?",
    "আমি বাংলায় গান গাই",
    "ਪੰਜਾਬੀ ਭਾਸ਼ਾ",
    "தமிழ் மொழி",
    "ภาษาไทยไม่มีช่องว่าง",
    "ພາສາລາວ",
    "မြန်မာဘာသာ",
    "ភាសាខ្មែរ",
    "ქართული ენა",
    "Հայերեն լեզու",
    "አማርኛ ቋንቋ",
    "می‌خواهم به خانه بروم",  # ZWNJ inside a Persian word
    "e\u0301te\u0301 decomposed",  # combining acute accents (no NFC)
    "Tiếng Việt có dấu",
    "x" * 3000 + " tail",
    "mixed123numbers_and-punctuation:here",
    "\u00a0nbsp\u2003em-space\ttab\nnewline",
    "𝐁𝐨𝐥𝐝 math letters 𐐀𐐨 deseret",
]

PARAM_SETS = [
    {},
    {"buckets": 1000, "min_n": 2, "max_n": 3, "word_features": False},
    {"buckets": 65536, "min_n": 1, "max_n": 5, "max_ids": 64},
    {"buckets": 7, "min_n": 3, "max_n": 8, "max_ids": 4096},
]


def main():
    path = os.path.join(ROOT, "tests/data/ngram_vectors.jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for extra in PARAM_SETS:
            params = dict(DEFAULT_PARAMS)
            params.update(extra)
            fz = Featurizer(params)
            for text in TEXTS:
                rec = {"params": params, "text": text, "ids": fz.ids(text)}
                f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
