#!/usr/bin/python3
"""Answers of both tasks on the bench sets, for checking that a refactor changes no output.

Runs a `perch` binary's `detect-language --top 3` over every language-detection bench text
(the everyday phrases, the held-out source families, the in-domain sample) and `suggest
--count 3` over prefixes of every suggestion bench line (cut at each word boundary and in the
middle of each word, the keystroke bench's two states), and writes one JSON line per answer.
Two snapshots from builds before and after a change must be byte-identical:

  /usr/bin/python3 tools/answers_snapshot.py build/native/perch > /tmp/after.jsonl
  git worktree add /tmp/before <commit> && (cd /tmp/before && cmake --preset native &&
      cmake --build --preset native -j2 --target perch_cli)
  /usr/bin/python3 tools/answers_snapshot.py /tmp/before/build/native/perch > /tmp/before.jsonl
  cmp /tmp/before.jsonl /tmp/after.jsonl && echo identical

The models are this checkout's (models/), passed explicitly, so both builds answer with the same
weights. `--summary` prints counts and a digest instead of the lines.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def langid_texts() -> list[str]:
    texts = []
    with open(os.path.join(ROOT, "tools/langid/everyday_phrases.tsv"), encoding="utf-8") as f:
        texts += [l.split("\t")[2] for l in f if l.strip() and not l.startswith("#")]
    for name in ("ood_family_snippets.jsonl.gz", "heldout_snippets.jsonl.gz"):
        with gzip.open(os.path.join(ROOT, "tools/langid", name), "rt", encoding="utf-8") as f:
            texts += [json.loads(l)["text"] for l in f if l.strip()]
    return texts


def suggest_prefixes(max_per_line: int) -> list[str]:
    """Each line cut after each of its first words (the space typed) and halfway into the next."""
    out = []
    for name in ("ood_sample.txt", "heldout_sample.txt"):
        with open(os.path.join(ROOT, "tools/suggest", name), encoding="utf-8") as f:
            for line in f:
                words = line.split()
                for i in range(1, min(len(words), max_per_line)):
                    head = " ".join(words[:i]) + " "
                    out.append(head)
                    out.append(head + words[i][: max(1, len(words[i]) // 2)])
    return out


def run(perch: str, args: list[str], texts: list[str]) -> list[str]:
    stdin = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    r = subprocess.run([perch, *args], input=stdin.encode(), capture_output=True, cwd=ROOT)
    if r.returncode != 0:
        sys.exit(f"{perch} {' '.join(args)} failed ({r.returncode}): {r.stderr.decode()[:500]}")
    lines = r.stdout.decode().splitlines()
    if len(lines) != len(texts):
        sys.exit(f"{perch} {' '.join(args)}: {len(lines)} answers for {len(texts)} texts")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("perch", help="path to a perch CLI binary")
    ap.add_argument("--words", type=int, default=12, help="prefixes per suggestion line (default 12)")
    ap.add_argument("--summary", action="store_true")
    a = ap.parse_args()
    langid_model = os.path.join(ROOT, "models/langid/langid.perch")
    suggest_model = os.path.join(ROOT, "models/suggest/suggest.perch")
    sets = {
        "detect-language": (["detect-language", "--model", langid_model, "--top", "3"], langid_texts()),
        "suggest": (["suggest", "--model", suggest_model, "--count", "3"], suggest_prefixes(a.words)),
    }
    for task, (args, texts) in sets.items():
        answers = run(a.perch, args, texts)
        if a.summary:
            digest = hashlib.sha256("\n".join(answers).encode()).hexdigest()[:16]
            print(f"{task}: {len(texts)} texts, sha256 {digest}")
            continue
        for t, ans in zip(texts, answers):
            print(json.dumps({"task": task, "text": t, "answer": json.loads(ans)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
