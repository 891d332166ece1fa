"""The everyday-phrase set (tools/langid/everyday_phrases.tsv) is well formed, and the shipped model
through the task layer's Python twin (tools/langid/task_layer.py) reads it: the six phrases of
issue 12 right, and the out-of-domain accuracy it was shipped with (MODEL_CARD.md) kept."""
import json
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tools/langid"))
import ood_sets  # noqa: E402
from evaluate import NumpyLangId  # noqa: E402
from perch_format import read_perch  # noqa: E402
from priors import SPEAKERS  # noqa: E402
from task_layer import TaskLayer  # noqa: E402

MODEL = os.path.join(ROOT, "models/langid/langid.perch")


class EverydayPhrasesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = NumpyLangId(MODEL)
        _, meta = read_perch(MODEL)
        cls.layer = TaskLayer(cls.model.labels, json.loads(meta["perch.priors"]))

    def top1(self, text, expected=frozenset()):
        return self.layer.results(self.model.probs(text), text, expected)[0][0]

    def test_the_set_is_well_formed(self):
        rows = ood_sets.everyday()
        self.assertGreaterEqual(len(rows), 300)
        langs = {r["lang"] for r in rows} - {"und"}
        self.assertGreaterEqual(len(langs), 30)
        self.assertTrue(langs <= set(self.model.labels))
        top30 = sorted(SPEAKERS, key=lambda l: -SPEAKERS[l])[:30]
        self.assertTrue(set(top30) <= langs, set(top30) - langs)
        self.assertEqual(len({(r["lang"], r["text"]) for r in rows}), len(rows))
        self.assertEqual({r["split"] for r in rows}, {"dev", "test"})
        for r in rows:
            self.assertTrue(set(r["also"]) <= set(self.model.labels), r)

    def test_issue_12_phrases(self):
        for text, lang in [("I would like to", "en"), ("Muchas gracias por tu ayuda", "es"), ("Buenos días", "es"),
                           ("Ciao, come stai?", "it"), ("thanks!", "en"), ("Как дела?", "ru")]:
            self.assertEqual(self.top1(text), lang, text)

    def test_out_of_domain_accuracy_kept(self):
        rows = ood_sets.everyday("test")
        right = sum(self.top1(r["text"]) in [r["lang"], *r["also"]] for r in rows)
        self.assertGreaterEqual(right / len(rows), 0.85)  # shipped: 86.1 % (MODEL_CARD.md)

    def test_result_list_sums_to_one_and_ends_with_und(self):
        for text in ["Mange tak", "ok", "Bonjour tout le monde", "東京"]:
            res = self.layer.results(self.model.probs(text), text)
            self.assertEqual(res[-1][0], "und")
            self.assertAlmostEqual(sum(c for _, c in res), 1.0, places=9)
            self.assertTrue(all(c >= res[-1][1] for _, c in res[:-1]))
        self.assertEqual(self.top1("Mange tak", {"da"}), "da")
        self.assertEqual(self.top1("Mange tak", {"no"}), "no")


if __name__ == "__main__":
    unittest.main()
