#!/usr/bin/python3
"""Writes tests/data/tokenizer_vectors.jsonl: inputs and the ids Python's sentencepiece gives,
for tests/cpp/tokenizer_test.cc to check the C++ tokenizer against, id for id.

Lines: {"text": ..., "ids": [...]} for valid text, {"hex": ..., "error": "InvalidUtf8"} for
byte strings that are not UTF-8 (sentencepiece would replace them; perch rejects them).
Inputs: held-out corpus lines, then cuts and edits of them (mid-word cuts, extra and leading
spaces, tabs, newlines), digits, punctuation, non-ASCII and emoji, then invalid UTF-8. Fixed seed.

    /usr/bin/python3 tools/suggest/make_tokenizer_vectors.py
"""
import json
import random

import sentencepiece as spm

rng = random.Random(20261125)
sp = spm.SentencePieceProcessor(model_file="data/suggest/spm.model")
with open("data/suggest/heldout.txt", encoding="utf-8") as f:
    held = [l.rstrip("\n") for l in f]

texts = rng.sample(held, 1500)
for line in rng.sample(held, 800):  # cuts mid-word, as a typist's prefix
    texts.append(line[: rng.randrange(1, min(len(line), 120) + 1)])
EXTRA = ["", " ", "  ", "\t", "\n", "a", "A", " leading", "trailing ", "two  spaces", "tab\there",
         "line\nbreak", "1234567890", "3.14159 and 2,718", "$100 (or 50%)!", "e-mail: a@b.c",
         "C'est déjà l'été.", "Grüße aus Köln", "Ñandú", "日本語のテキスト", "Привет, мир",
         "emoji 😀👍🏽 ok", "🇫🇷", "\u2581already marked", "<s> and </s> and <unk>", "<0x41>",
         "ﬁ ligature", "e\u0301 combining", "\u00a0nbsp", "\u200bzero width", "\x7f\x01 control",
         "!!!???...", "\"quoted\" 'single'", "(parens) [brackets] {braces}", "a-b_c/d\\e|f",
         "I'm", "don't", "you're", "it's", "U.S.A.", "Mr. Smith", "#hashtag @user", "x" * 300,
         " ".join(["word"] * 200)]
texts += EXTRA
PUNCT = list(".,;:!?'\"()-/&%$#@*+=<>[]_") + ["...", "--", "’", "“", "”", "—", "é", "ß", "ç",
                                                 "€", "£", "😀", "中", "\t", "  "]
for _ in range(1200):  # edits: inserted digits, punctuation, non-ASCII, odd whitespace
    line = list(rng.choice(held)[:160])
    for _ in range(rng.randrange(1, 6)):
        pos = rng.randrange(0, len(line) + 1)
        line.insert(pos, rng.choice(PUNCT + [str(rng.randrange(0, 100000))]))
    texts.append("".join(line))

invalid = [b"\xff", b"abc\x80", b"\xc3", b"caf\xc3", b"\xc0\xaf", b"\xe0\x80\x80", b"\xed\xa0\x80",
           b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"ok \xfe ok"]
for _ in range(190):
    line = rng.choice(held)[:80].encode("utf-8")
    pos = rng.randrange(0, len(line) + 1)
    invalid.append(line[:pos] + bytes([rng.choice([0x80, 0xbf, 0xc0, 0xc1, 0xe2, 0xf0, 0xf5, 0xff])]) + line[pos:])

def valid(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False

with open("tests/data/tokenizer_vectors.jsonl", "w", encoding="utf-8") as out:
    for t in texts:
        out.write(json.dumps({"text": t, "ids": sp.encode(t)}, ensure_ascii=False) + "\n")
    n_invalid = 0
    for b in invalid:
        if valid(b):
            continue
        n_invalid += 1
        out.write(json.dumps({"hex": b.hex(), "error": "InvalidUtf8"}) + "\n")
print(f"{len(texts)} texts, {n_invalid} invalid")
