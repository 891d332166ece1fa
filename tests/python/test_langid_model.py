"""The shipped language-detection model (models/langid/langid.perch): within the size budget,
consistent metadata, and the numpy re-implementation of its graph (tools/langid/evaluate.py,
the Python featurizer + int8 weights) detects everyday sentences."""
import json
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tools/langid"))
from evaluate import NumpyLangId  # noqa: E402
from languages import LABELS, REQUIRED  # noqa: E402
from perch_format import read_perch  # noqa: E402

MODEL = os.path.join(ROOT, "models/langid/langid.perch")


class LangIdModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tensors, cls.meta = read_perch(MODEL)
        cls.model = NumpyLangId(MODEL)

    def test_size_and_int8_weights(self):
        self.assertLessEqual(os.path.getsize(MODEL), 1_000_000)
        for name in ("emb", "fc1.weight", "fc2.weight"):
            self.assertEqual(str(self.tensors[name].dtype), "int8", name)
            self.assertEqual(self.tensors[name + ".scale"].shape, (self.tensors[name].shape[0],))

    def test_metadata_is_consistent(self):
        labels = json.loads(self.meta["perch.labels"])
        self.assertEqual(labels, LABELS)
        self.assertGreaterEqual(len(labels), 100)
        self.assertTrue(set(REQUIRED) <= set(labels))
        self.assertNotIn("und", labels)
        self.assertEqual(self.tensors["fc2.weight"].shape[0], len(labels))
        ngram = json.loads(self.meta["perch.ngram"])
        self.assertEqual(self.tensors["emb"].shape[0], ngram["buckets"])
        self.assertEqual(self.meta["perch.task"], "language-detection")
        self.assertIn("udhr", self.meta["perch.license"].lower())

    def test_detects_everyday_sentences(self):
        cases = {
            "Bonjour, je m'appelle Marie et j'habite à Paris.": "fr",
            "Ich habe heute keine Zeit, weil ich arbeiten muss.": "de",
            "¿Dónde está la estación de tren más cercana?": "es",
            "Я не знаю, что ты хочешь сказать этим письмом.": "ru",
            "我们明天早上在学校门口见面吧。": "zh",
            "明日の朝、駅の前で待っています。": "ja",
        }
        for text, lang in cases.items():
            p = self.model.probs(text)
            self.assertEqual(self.model.labels[int(p.argmax())], lang, text)
            self.assertAlmostEqual(float(p.sum()), 1.0, places=5)
        self.assertIsNone(self.model.probs("12345 !?"))


if __name__ == "__main__":
    unittest.main()
