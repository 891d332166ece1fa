"""The Python featurizer (tools/langid/ngram_featurizer.py) gives exactly the ids recorded in
tests/data/ngram_vectors.jsonl, which tests/cpp/ngram_test.cc checks against the C++ one."""
import json
import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools/langid"))
from ngram_featurizer import Featurizer, fnv1a32, words  # noqa: E402


class NgramVectorsTest(unittest.TestCase):
    def test_ids_match_the_shared_vectors(self):
        n = 0
        with open(os.path.join(ROOT, "tests/data/ngram_vectors.jsonl"), encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                ids = Featurizer(rec["params"]).ids(rec["text"])
                self.assertEqual(ids, rec["ids"], rec["text"][:40])
                self.assertTrue(all(0 <= i < rec["params"]["buckets"] for i in ids))
                self.assertLessEqual(len(ids), rec["params"]["max_ids"])
                n += 1
        self.assertGreaterEqual(n, 100)

    def test_fnv1a32_known_values(self):
        # Published FNV-1a 32-bit test values.
        self.assertEqual(fnv1a32(b""), 0x811C9DC5)
        self.assertEqual(fnv1a32(b"a"), 0xE40C292C)
        self.assertEqual(fnv1a32(b"foobar"), 0xBF9CF968)

    def test_words_lowercase_and_split_on_non_letters(self):
        self.assertEqual(words("Hello, WORLD 42 ÉTÉ"), ["hello", "world", "été"])
        self.assertEqual(words("12345 !? 😀"), [])

    def test_ngram_count_for_one_word(self):
        # " ab " with n = 1..4: a b | " a" "ab" "b " | " ab" "ab " | " ab " and the word itself.
        fz = Featurizer({"buckets": 1 << 20})
        self.assertEqual(len(fz.ids("ab")), 2 + 3 + 2 + 1 + 1)
        self.assertEqual(fz.ids("AB"), fz.ids("ab"))

    def test_invalid_utf8_raises(self):
        with self.assertRaises(UnicodeDecodeError):
            Featurizer().ids(b"ok \xc3\x28")


if __name__ == "__main__":
    unittest.main()
