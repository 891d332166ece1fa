#!/usr/bin/python3
"""Writes tools/langid/heldout_snippets.jsonl.gz: a fixed-seed sample of the held-out snippets
(data/langid/eval.jsonl, from tools/langid/build_data.py), PER_BUCKET per language and length
bucket, for the labels the shipped model covers. `make bench` (tools/bench/langid.bench.mjs)
reads it, so the benchmark runs from a fresh clone without the training data packages.
"""
import collections
import gzip
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from languages import LABELS  # noqa: E402

PER_BUCKET = 30
SEED = 7


def main():
    groups = collections.defaultdict(list)
    with open(os.path.join(ROOT, "data/langid/eval.jsonl"), encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["lang"] in LABELS:
                groups[(r["lang"], r["bucket"])].append(r)
    rng = random.Random(SEED)
    out = []
    for key in sorted(groups):
        rs = groups[key]
        rng.shuffle(rs)
        out.extend(rs[:PER_BUCKET])
    path = os.path.join(HERE, "heldout_snippets.jsonl.gz")
    # mtime=0: the same data gives the same bytes.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        for r in out:
            f.write((json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    print(f"wrote {path}: {len(out)} snippets, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
