#!/usr/bin/python3
"""Picks the benchmark's evaluation texts (never trained on), by a fixed seed; committed, so
`make bench` needs no corpus build:
  tools/suggest/heldout_sample.txt: 150 lines of 6-40 words from the in-domain held-out split
    (held-out documents of the training sources);
  tools/suggest/ood_sample.txt: 150 lines of 6-40 words from the out-of-domain sources, held
    out whole (build_corpus.ood_sources): 75 from each.

    /usr/bin/python3 tools/suggest/make_bench_sample.py
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
import build_corpus  # noqa: E402

N = 150


def eligible(lines):
    return [l.strip() for l in lines if 6 <= len(l.split()) <= 40]


with open("data/suggest/heldout.txt", encoding="utf-8") as f:
    lines = eligible(f)
random.Random(7).shuffle(lines)
with open("tools/suggest/heldout_sample.txt", "w", encoding="utf-8") as out:
    out.write("\n".join(lines[:N]) + "\n")
print(f"in-domain: {min(N, len(lines))} of {len(lines)} eligible held-out lines")

# The OOD lines as build_corpus writes them (deduplicated against nothing but themselves).
ood, seen = [], set()
sources = build_corpus.ood_sources()
for name, docs in sources.items():
    lines = eligible(p for _, paras in docs for p in paras if not (p in seen or seen.add(p)))
    random.Random(11).shuffle(lines)
    ood += lines[: N // len(sources)]
    print(f"out-of-domain {name}: {N // len(sources)} of {len(lines)} eligible lines")
with open("tools/suggest/ood_sample.txt", "w", encoding="utf-8") as out:
    out.write("\n".join(ood) + "\n")
