#!/usr/bin/python3
"""Writes tests/data/langid_model_vectors.jsonl: for a few texts, the top-5 probabilities that
the numpy re-implementation of the shipped model (tools/langid/evaluate.py: Python featurizer +
the stored int8 weights) gives. tests/cpp/language_detector_test.cc checks that the C++ runtime
(natively and in wasm) gives the same numbers. Rerun after retraining the model.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from evaluate import NumpyLangId  # noqa: E402

TEXTS = [
    "Bonjour, je m'appelle Marie et j'habite à Paris.",
    "The quick brown fox jumps over the lazy dog",
    "Wie spät ist es?",
    "Обновление программного обеспечения",
    "ok",
    "Nairobi ni mji mkuu wa Kenya",
    "東京は日本の首都です",
    "नमस्ते दुनिया",
    "x" * 5000,
]


def main():
    m = NumpyLangId(os.path.join(ROOT, "models/langid/langid.perch"))
    path = os.path.join(ROOT, "tests/data/langid_model_vectors.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for t in TEXTS:
            p = m.probs(t)
            top = p.argsort()[::-1][:5]
            rec = {"text": t, "top": [[m.labels[i], round(float(p[i]), 6)] for i in top]}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
