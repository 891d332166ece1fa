"""The shipped suggestion model: within the 5 MB budget, int8 matrices, complete metadata, a sane lexicon."""
import json
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from perch_format import read_perch  # noqa: E402

MODEL = os.path.join(ROOT, "models", "suggest", "suggest.perch")


class SuggestModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tensors, cls.meta = read_perch(MODEL)

    def test_size_budget(self):
        self.assertLessEqual(os.path.getsize(MODEL), 5 * 1024 * 1024)

    def test_matrices_are_int8_with_scales(self):
        for name, t in self.tensors.items():
            if t.ndim == 2 and name != "pos":
                self.assertEqual(t.dtype.name, "int8", name)
                self.assertEqual(self.tensors[name + ".scale"].shape, (t.shape[0],), name)

    def test_metadata(self):
        self.assertEqual(self.meta["perch.task"], "text-suggestion")
        for key in ("perch.graph", "perch.tokenizer", "perch.decoding", "perch.license", "perch.source"):
            self.assertIn(key, self.meta)
        tok = json.loads(self.meta["perch.tokenizer"])
        self.assertEqual(tok["type"], "bpe")
        self.assertEqual(len(tok["pieces"]), 4096)
        self.assertEqual(sum(1 for t in tok["types"] if t == 6), 256)  # byte fallback
        dec = json.loads(self.meta["perch.decoding"])
        self.assertLessEqual(dec["window"] + 8, dec["max_context"])
        self.assertTrue(0 < dec["threshold"] < 1)
        graph = json.loads(self.meta["perch.graph"])
        ops = {n["op"] for n in graph["nodes"]}
        self.assertLessEqual(ops, {"Gather", "Add", "LayerNorm", "FullyConnected", "Attention", "Slice"})
        self.assertEqual([i["name"] for i in graph["inputs"]], ["tokens", "positions"])
        self.assertEqual(graph["outputs"], ["logits"])
        # The output layer is the (tied) token embedding.
        self.assertEqual(graph["nodes"][-1]["inputs"][1], "tok")

    def test_lexicon(self):
        words = self.meta["perch.lexicon"].split("\n")
        self.assertTrue(10000 <= len(words) <= 100000, len(words))
        self.assertEqual(words, sorted(set(words), key=lambda w: w.encode("utf-8")))
        for w in words:
            self.assertTrue(w)
            self.assertFalse(any("A" <= c <= "Z" for c in w), w)  # ASCII lower case
            self.assertFalse(any("0" <= c <= "9" for c in w), w)
            self.assertFalse(w.startswith("'"), w)
        for common in ("the", "people", "government", "would", "because"):
            self.assertIn(common, words)
        dec = json.loads(self.meta["perch.decoding"])
        self.assertTrue(0 <= dec["heal_tokens"] <= 4 and dec["search_steps"] >= 1 and dec["search_extra_children"] >= 0)


if __name__ == "__main__":
    unittest.main()
