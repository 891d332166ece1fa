#!/usr/bin/python3
"""Tunes the task layer's calibration (prior exponent, unknown score) on DEV data only: the `dev`
rows of everyday_phrases.tsv and the `dev` half of ood_family_snippets.jsonl.gz. Objective: mean
of the everyday dev accuracy (und rows included: `und` must come first there) and the family dev
short-text (15-40) accuracy. Prints the grid's best; copy it into priors.CALIBRATION.

  /usr/bin/python3 tools/langid/tune_task_layer.py [models/langid/langid.perch]
"""
from __future__ import annotations

import itertools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ood_sets  # noqa: E402
from evaluate import NumpyLangId  # noqa: E402
from priors import CALIBRATION, task_metadata  # noqa: E402
from task_layer import TaskLayer  # noqa: E402


def accuracy(layer, rows_probs):
    ok = 0
    for r, p in rows_probs:
        top = layer.results(p, r["text"])[0][0]
        ok += top == r["lang"] or top in r.get("also", [])
    return ok / max(1, len(rows_probs))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models/langid/langid.perch")
    m = NumpyLangId(path)
    meta = task_metadata(m.labels)
    every = [(r, m.probs(r["text"])) for r in ood_sets.everyday("dev")]
    fam = [(r, m.probs(r["text"])) for r in ood_sets.family("dev") if r["bucket"] == "15-40"]
    print(f"dev: {len(every)} everyday rows, {len(fam)} family snippets (15-40)")
    best = []
    for lam, L, scale, ml in itertools.product([0, 0.15, 0.3, 0.45, 0.6], [2, 4, 6, 8], [0.5, 1.0, 1.5], [0, 3, 4, 5]):
        layer = TaskLayer(m.labels, meta, prior_exponent=lam, unknown_letters=L, unknown_scale=scale, min_letters=ml)
        a = accuracy(layer, every)
        b = accuracy(layer, fam) if fam else a
        best.append(((a + b) / 2, a, b, lam, L, scale, ml))
    best.sort(reverse=True)
    for s, a, b, lam, L, scale, ml in best[:10]:
        print(f"objective {s:.4f}  everyday-dev {a:.4f}  family-dev {b:.4f}  prior_exponent={lam} unknown_letters={L} unknown_scale={scale} min_letters={ml}")
    c = CALIBRATION
    shipped = [x for x in best if x[3:] == (c["prior_exponent"], c["unknown_letters"], c["unknown_scale"], c["min_letters"])]
    if shipped:
        print("current calibration (priors.CALIBRATION):", shipped[0][:3])
    base = [x for x in best if x[3] == 0]
    base.sort(reverse=True)
    print("best without priors:", base[0][:3])


if __name__ == "__main__":
    main()
