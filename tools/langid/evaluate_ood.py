#!/usr/bin/python3
"""Out-of-domain accuracy of a language-detection .perch, through the task layer's Python twin
(task_layer.py: script gate, priors, unknown score, result list), on the `test` rows of the
everyday-phrase set (everyday_phrases.tsv) and of the held-out source families
(ood_family_snippets.jsonl.gz): overall, per language, and the top confusions. `--raw` reports the
model's argmax alone (no task layer), `--no-priors` the task layer with prior_exponent 0.

  /usr/bin/python3 tools/langid/evaluate_ood.py [model] [--split test|dev] [--raw] [--no-priors] [--json F]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ood_sets  # noqa: E402
from evaluate import NumpyLangId  # noqa: E402
from perch_format import read_perch  # noqa: E402
from priors import task_metadata  # noqa: E402
from task_layer import TaskLayer  # noqa: E402

# The 30 most spoken languages (total speakers, priors.SPEAKERS) that the model has.
def top30(labels):
    from priors import SPEAKERS
    return sorted((l for l in labels if l in SPEAKERS), key=lambda l: -SPEAKERS[l])[:30]


def run(answer, rows):
    per = collections.defaultdict(lambda: [0, 0])
    conf = collections.Counter()
    wrong = []
    for r in rows:
        a = answer(r["text"])
        ok = a == r["lang"] or a in r.get("also", [])
        per[r["lang"]][0] += ok
        per[r["lang"]][1] += 1
        if not ok:
            conf[(r["lang"], a)] += 1
            wrong.append((r["lang"], a, r["text"]))
    total = sum(v[1] for v in per.values())
    return {"accuracy": sum(v[0] for v in per.values()) / max(1, total), "n": total,
            "per_language": {l: [v[0], v[1]] for l, v in sorted(per.items())},
            "confusions": [[a, b, n] for (a, b), n in conf.most_common(20)], "wrong": wrong}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default=os.path.join(ROOT, "models/langid/langid.perch"))
    ap.add_argument("--split", default="test")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--no-priors", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--show-wrong", action="store_true")
    args = ap.parse_args()
    m = NumpyLangId(args.model)
    _, meta = read_perch(args.model)
    tmeta = json.loads(meta["perch.priors"]) if "perch.priors" in meta else task_metadata(m.labels)
    layer = TaskLayer(m.labels, tmeta, **({"prior_exponent": 0} if args.no_priors else {}))

    def answer(text):
        p = m.probs(text)
        if args.raw:
            return "und" if p is None else m.labels[int(p.argmax())]
        return layer.results(p, text)[0][0]

    every = ood_sets.everyday(args.split)
    labels = set(m.labels)
    sets = {
        "everyday": every,
        "everyday (unambiguous, no und)": [r for r in every if not r["also"] and r["lang"] != "und"],
    }
    fam = [r for r in ood_sets.family(args.split) if r["lang"] in labels]
    for b in ("15-40", "41-120"):
        sets[f"families {b}"] = [r for r in fam if r["bucket"] == b]
    result = {}
    t30 = top30(m.labels)
    for name, rows in sets.items():
        if not rows:
            continue
        res = run(answer, rows)
        result[name] = res
        print(f"{name}: {100 * res['accuracy']:.1f} % of {res['n']}")
        low = [f"{l} {100 * v[0] / v[1]:.0f}" for l, v in res["per_language"].items() if l in t30 and v[0] < 0.85 * v[1]]
        print("   top-30 languages under 85 %:", ", ".join(low) or "none")
        print("   confusions:", ", ".join(f"{a}->{b}:{n}" for a, b, n in res["confusions"][:12]))
        if args.show_wrong and name == "everyday":
            print("   wrong:", res["wrong"])
    issue = ["I would like to", "Muchas gracias por tu ayuda", "Buenos días", "Ciao, come stai?", "thanks!", "Как дела?"]
    print("issue 12 phrases:", {t: answer(t) for t in issue})
    if args.json:
        for r in result.values():
            r.pop("wrong")
        with open(args.json, "w") as f:
            json.dump({"top30": t30, **result}, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
