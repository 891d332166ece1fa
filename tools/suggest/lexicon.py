#!/usr/bin/python3
"""The suggestion lexicon: the words a completion may end in (`perch.lexicon` metadata).

A word is what the keystroke benchmark calls one: a maximal run of ASCII letters, digits,
apostrophes and non-ASCII characters; ASCII letters are lower-cased. Kept: the words of the
training split (never the held-out one) seen at least `min_count` times, without digits (the
suggester never constrains numbers) and without single quotes glued to them ("'foo", "bar'").
Sorted by UTF-8 bytes, one a line.

    /usr/bin/python3 tools/suggest/lexicon.py [--train data/suggest/train.txt] [--min-count 2]
        [--add-to M.perch --out OUT.perch]    # or print the size only
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import sys

WORD = re.compile(r"[A-Za-z0-9'\u0080-\U0010ffff]+")


def lower_ascii(w: str) -> str:
    return w.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


def is_quoted(w: str) -> bool:
    """A word glued to a single quote ("'foo", "bar'"), not a word of its own; "states'" stays."""
    return w.startswith("'") or (w.endswith("'") and not w.endswith("s'"))


def build_lexicon(train_path: str, min_count: int = 2) -> list[str]:
    counts: collections.Counter = collections.Counter()
    with open(train_path, encoding="utf-8") as f:
        for line in f:
            counts.update(lower_ascii(w) for w in WORD.findall(line))
    words = [w for w, n in counts.items() if n >= min_count and not any(c.isdigit() for c in w if c < "\x80")
             and not is_quoted(w)]
    return sorted(words, key=lambda w: w.encode("utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="data/suggest/train.txt")
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--add-to")
    ap.add_argument("--out")
    args = ap.parse_args()
    words = build_lexicon(args.train, args.min_count)
    text = "\n".join(words)
    print(f"lexicon: {len(words)} words, {len(text.encode('utf-8'))} bytes")
    if args.add_to:
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
        from perch_format import read_perch, write_perch
        tensors, metadata = read_perch(args.add_to)
        metadata["perch.lexicon"] = text
        write_perch(args.out or args.add_to, tensors, metadata)


if __name__ == "__main__":
    main()
