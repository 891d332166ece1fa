"""Loaders for the out-of-domain evaluation sets (shared by evaluate_ood.py and tune_task_layer.py)."""
from __future__ import annotations

import gzip
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
EVERYDAY = os.path.join(HERE, "everyday_phrases.tsv")
FAMILY = os.path.join(HERE, "ood_family_snippets.jsonl.gz")


def everyday(split: str | None = None):
    """[{lang, split, text, also}] from everyday_phrases.tsv."""
    out = []
    with open(EVERYDAY, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            lang, sp, text, also = line.rstrip("\n").split("\t")
            if split is None or sp == split:
                out.append({"lang": lang, "split": sp, "text": text, "also": [a for a in also.split(",") if a]})
    return out


def family(split: str | None = None):
    """[{lang, family, bucket, split, text}] from ood_family_snippets.jsonl.gz (empty when absent)."""
    if not os.path.exists(FAMILY):
        return []
    with gzip.open(FAMILY, "rt", encoding="utf-8") as f:
        rows = [json.loads(l) for l in f if l.strip()]
    return [r for r in rows if split is None or r["split"] == split]
