"""Python twin of the language detector's task layer (src/perch/tasks/language_detector.cc):
model probabilities -> script gate -> priors (and expected languages) -> unknown score -> the
result list. Used to tune the calibration on dev data (tune_task_layer.py) and to report the
out-of-domain figures (evaluate_ood.py); tests/cpp/language_detector_test.cc checks that the C++
task layer gives the same answers on tests/data/langid_task_vectors.jsonl.
"""
from __future__ import annotations

import bisect
import json
import unicodedata

import numpy as np

from ngram_featurizer import lower

SCRIPT_SHARE_MIN = 0.5   # a language whose scripts hold less of the text's letters is ruled out
CUMULATIVE_STOP = 0.99   # the result list stops once the listed languages reach this
EXPECTED_LANGUAGE_BOOST = 3.0  # an expected language's prior: 3x the largest (language_detector.h)


class TaskLayer:
    def __init__(self, labels: list[str], meta: dict, **overrides):
        self.labels = labels
        cal = dict(meta, **overrides)
        self.prior_exponent = float(cal["prior_exponent"])
        self.unknown_letters = float(cal["unknown_letters"])
        self.unknown_scale = float(cal["unknown_scale"])
        self.min_letters = float(cal.get("min_letters", 0))
        speakers = np.array([float(meta["speakers_millions"][l]) for l in labels])
        self.log_speakers = np.log(speakers)
        ranges = sorted(meta["script_ranges"])
        self.r_first = [r[0] for r in ranges]
        self.r_last = [r[1] for r in ranges]
        names = sorted({r[2] for r in ranges})
        self.r_script = [names.index(r[2]) for r in ranges]
        self.label_scripts = np.zeros((len(labels), len(names)), dtype=bool)
        for i, l in enumerate(labels):
            for s in meta["scripts"][l]:
                self.label_scripts[i, names.index(s)] = True
        self.n_scripts = len(names)

    _counts_cache: dict = {}

    def script_counts(self, text: str):
        key = (len(self.r_first), self.n_scripts, text)  # one range table per process in practice
        if key in TaskLayer._counts_cache:
            return TaskLayer._counts_cache[key]
        TaskLayer._counts_cache[key] = r = self._script_counts(text)
        return r

    def _script_counts(self, text: str):
        counts = np.zeros(self.n_scripts)
        letters = 0
        previous = 0  # the last letter, lowercased; 0 after a non-letter
        for ch in text:
            if not (unicodedata.category(ch)[0] in "LM" or ch in "\u200c\u200d"):
                previous = 0
                continue
            low = lower(ord(ch))
            letters += low != previous  # "Zzz", "hmmm": a repeated letter is no evidence
            previous = low
            cp = ord(ch)
            j = bisect.bisect_right(self.r_first, cp) - 1
            if j >= 0 and cp <= self.r_last[j]:
                counts[self.r_script[j]] += 1
        return counts, letters

    def scores(self, probs, text: str, expected: set[str] = frozenset()):
        """(confidences per label, unknown score): the language confidences sum to 1 - unknown."""
        counts, letters = self.script_counts(text)
        w = probs.astype(np.float64).copy()
        total = counts.sum()
        if total > 0:
            share = (self.label_scripts * counts).sum(1) / total
            ok = share >= SCRIPT_SHARE_MIN
            if ok.any():
                w[~ok] = 0
        factor = np.exp(self.prior_exponent * (self.log_speakers - self.log_speakers.max()))
        if expected:
            factor[[i for i, l in enumerate(self.labels) if l in expected]] = EXPECTED_LANGUAGE_BOOST
        w *= factor
        s = w.sum()
        q = w / s if s > 0 else np.full(len(w), 1.0 / len(w))
        qmax = float(q.max())
        u = min(1.0, self.unknown_scale * (1.0 - qmax) * self.unknown_letters / max(letters, 1))
        if self.min_letters > 0:  # a text this short is mostly unknown whatever the model says
            u = max(u, 1.0 - letters / self.min_letters)
        return q * (1.0 - u), u

    def results(self, probs, text: str, expected: set[str] = frozenset(), top_k: int = 1000):
        if probs is None:
            return [("und", 1.0)]
        c, u = self.scores(probs, text, expected)
        order = np.argsort(-c, kind="stable")
        listed, cum = [], 0.0
        for i in order[:top_k]:
            if cum >= CUMULATIVE_STOP or c[i] < u or c[i] <= 0:
                break
            listed.append((self.labels[i], float(c[i])))
            cum += float(c[i])
        if listed:  # the listed languages take the unlisted ones' share: und keeps u, all sum to 1
            scale = (1.0 - u) / cum
            listed = [(l, c * scale) for l, c in listed]
        und = 1.0 - sum(c for _, c in listed)
        while listed and listed[-1][1] < und:  # no listed language below und (rounding only)
            und += listed.pop()[1]
        return listed + [("und", und)]


def from_model_meta(labels, meta_json: str, **overrides) -> TaskLayer:
    return TaskLayer(labels, json.loads(meta_json), **overrides)
