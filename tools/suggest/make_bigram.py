#!/usr/bin/python3
"""The bigram baseline of the suggestion benchmark: word bigram and unigram counts of the
training split (data/suggest/train.txt, never the held-out or out-of-domain text), pruned
and committed as tools/suggest/bigram.tsv.gz so `make bench` needs no corpus build.

Words are the benchmark's (tools/bench/suggest.bench.mjs): maximal runs of ASCII letters,
digits, apostrophes and non-ASCII characters, kept in their case (the benchmark compares
case exactly). The context is the previous word lower-cased, or `<s>` at the start of a line
or after . ? ! (a sentence start). Kept: the top UNIGRAMS words; for each context seen at
least MIN_CONTEXT times, its TOP_NEXT likeliest next words seen at least twice.

Lines: `<context>\t<word>\t<count>`; the unigram rows have the context `<unigram>`.

    /usr/bin/python3 tools/suggest/make_bigram.py [--train data/suggest/train.txt]
"""
from __future__ import annotations

import argparse
import collections
import gzip
import re

WORD = re.compile(r"[A-Za-z0-9'\u0080-\U0010ffff]+")
UNIGRAMS = 20000
MIN_CONTEXT = 3
TOP_NEXT = 12


def tokens(line: str):
    """(context, word) pairs of one line."""
    prev = "<s>"
    pos = 0
    for m in WORD.finditer(line):
        between = line[pos:m.start()]
        if re.search(r"[.?!]", between):
            prev = "<s>"
        yield prev, m.group(0)
        prev = m.group(0).lower()
        pos = m.end()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="data/suggest/train.txt")
    ap.add_argument("--out", default="tools/suggest/bigram.tsv.gz")
    args = ap.parse_args()
    uni: collections.Counter = collections.Counter()
    bi: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with open(args.train, encoding="utf-8") as f:
        for line in f:
            for ctx, w in tokens(line.rstrip("\n")):
                uni[w] += 1
                bi[ctx][w] += 1
    rows = [("<unigram>", w, n) for w, n in uni.most_common(UNIGRAMS)]
    for ctx in sorted(bi):
        nexts = bi[ctx]
        if sum(nexts.values()) < MIN_CONTEXT:
            continue
        rows += [(ctx, w, n) for w, n in nexts.most_common(TOP_NEXT) if n >= 2]
    # mtime 0: the same counts give the same bytes.
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write("".join(f"{c}\t{w}\t{n}\n" for c, w, n in rows).encode("utf-8"))
    print(f"{args.out}: {len(rows)} rows ({sum(1 for r in rows if r[0] != '<unigram>')} bigrams)")


if __name__ == "__main__":
    main()
