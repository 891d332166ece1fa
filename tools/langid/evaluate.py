#!/usr/bin/python3
"""Accuracy of a language-detection .perch file on the held-out snippets (data/langid/eval.jsonl),
computed with numpy from the int8 weights exactly as stored (no torch): per language and
length bucket, macro averages, and the most frequent confusion pairs.

  /usr/bin/python3 tools/langid/evaluate.py [models/langid/langid.perch] [--json out.json] [--md out.md]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
from ngram_featurizer import Featurizer  # noqa: E402
from perch_format import read_perch  # noqa: E402

BUCKETS = ["15-40", "41-120", "121-300"]


class NumpyLangId:
    def __init__(self, path):
        t, meta = read_perch(path)
        self.labels = json.loads(meta["perch.labels"])
        self.fz = Featurizer(json.loads(meta["perch.ngram"]))
        self.emb = t["emb"].astype(np.float32) * t["emb.scale"][:, None]
        self.w1 = t["fc1.weight"].astype(np.float32) * t["fc1.weight.scale"][:, None]
        self.b1 = t["fc1.bias"]
        self.w2 = t["fc2.weight"].astype(np.float32) * t["fc2.weight.scale"][:, None]
        self.b2 = t["fc2.bias"]

    def probs(self, text):
        ids = self.fz.ids(text)
        if not ids:
            return None
        h = self.emb[ids].mean(0)
        h = np.maximum(self.w1 @ h + self.b1, 0)
        z = self.w2 @ h + self.b2
        e = np.exp(z - z.max())
        return e / e.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default=os.path.join(ROOT, "models/langid/langid.perch"))
    ap.add_argument("--eval", default=os.path.join(ROOT, "data/langid/eval.jsonl"))
    ap.add_argument("--json")
    ap.add_argument("--md")
    args = ap.parse_args()
    m = NumpyLangId(args.model)
    labels = set(m.labels)
    hits = collections.defaultdict(lambda: [0, 0])  # (lang, bucket) -> [correct, total]
    confusions = collections.Counter()
    with open(args.eval, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["lang"] not in labels:
                continue
            p = m.probs(r["text"])
            pred = m.labels[int(p.argmax())] if p is not None else "und"
            key = (r["lang"], r["bucket"])
            hits[key][1] += 1
            if pred == r["lang"]:
                hits[key][0] += 1
            else:
                confusions[(r["lang"], pred)] += 1
    per_lang = {}
    for lang in sorted(labels):
        per_lang[lang] = {b: (hits[(lang, b)][0] / hits[(lang, b)][1] if hits[(lang, b)][1] else None) for b in BUCKETS}
        per_lang[lang]["n"] = {b: hits[(lang, b)][1] for b in BUCKETS}
    macro = {}
    for b in BUCKETS:
        vals = [per_lang[l][b] for l in per_lang if per_lang[l][b] is not None]
        macro[b] = sum(vals) / len(vals) if vals else None
    result = {"model": os.path.relpath(args.model, ROOT), "size_bytes": os.path.getsize(args.model),
              "macro": macro, "per_language": per_lang,
              "confusions": [[a, b, n] for (a, b), n in confusions.most_common(25)]}
    print("macro accuracy:", {b: round(v, 4) for b, v in macro.items()})
    print("top confusions (true -> predicted: count):",
          ", ".join(f"{a}->{b}:{n}" for (a, b), n in confusions.most_common(15)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
    if args.md:
        with open(args.md, "w") as f:
            f.write("| language | 15–40 | 41–120 | 121–300 | snippets (per bucket) |\n|---|---|---|---|---|\n")
            for lang, v in per_lang.items():
                cells = [f"{100 * v[b]:.1f}" if v[b] is not None else "–" for b in BUCKETS]
                f.write(f"| {lang} | " + " | ".join(cells) + " | " + "/".join(str(v["n"][b]) for b in BUCKETS) + " |\n")
            f.write("| **macro** | " + " | ".join(f"**{100 * macro[b]:.1f}**" for b in BUCKETS) + " | |\n")


if __name__ == "__main__":
    main()
