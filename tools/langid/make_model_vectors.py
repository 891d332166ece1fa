#!/usr/bin/python3
"""Writes tests/data/langid_model_vectors.jsonl: for a few texts, the top-5 probabilities that
the numpy re-implementation of the shipped model (tools/langid/evaluate.py: Python featurizer +
the stored int8 weights) gives; and tests/data/langid_task_vectors.jsonl: for texts and expected
languages, the result list of the task layer's Python twin (tools/langid/task_layer.py).
tests/cpp/language_detector_test.cc checks that the C++ runtime and task layer (natively and in
wasm) give the same numbers. Rerun after retraining the model or changing its perch.priors.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
from evaluate import NumpyLangId  # noqa: E402
from perch_format import read_perch  # noqa: E402
from task_layer import TaskLayer  # noqa: E402

# (text, expected languages): everyday phrases, close pairs, low-signal text, mixed scripts.
TASK_CASES = [
    ("I would like to", ""), ("thanks!", ""), ("Buenos días", ""), ("Ciao, come stai?", ""),
    ("Как дела?", ""), ("Muchas gracias por tu ayuda", ""), ("Mange tak", ""), ("Mange tak", "da"),
    ("Mange tak", "nb-NO,en"), ("Bom dia", "gl"), ("ok", ""), ("Aaargh", ""), ("Maria", ""),
    ("사랑해", ""), ("お腹が空いた", ""), ("Терміново потрібна допомога", ""),
    ("Ich weiß es nicht, vielleicht morgen", ""), ("Selamat pagi", "ms"), ("Selamat pagi", ""),
    ("Das Meeting ist um 10 Uhr, ok?", "fr"), ("東京", ""), ("x" * 300, ""),
]

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
    _, meta = read_perch(os.path.join(ROOT, "models/langid/langid.perch"))
    layer = TaskLayer(m.labels, json.loads(meta["perch.priors"]))
    path = os.path.join(ROOT, "tests/data/langid_task_vectors.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for text, expected in TASK_CASES:
            exp = {t.strip().split("-")[0].lower().replace("nb", "no") for t in expected.split(",") if t.strip()}
            res = layer.results(m.probs(text), text, exp)
            rec = {"text": text, "expected": expected, "results": [[l, round(c, 4)] for l, c in res]}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
