"""tools/suggest/perch_to_ckpt.py, which the v2 fine-tuning starts from: the shipped model's int8
weights come back as the float weights they quantize to, and the sentencepiece model rebuilt
from the file's tokenizer metadata encodes the tokenizer test vectors id for id."""
import json
import os
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tools/suggest"))
from perch_format import quantize_int8_per_channel, read_perch  # noqa: E402
from perch_to_ckpt import spm_model_bytes, state_dict_from_tensors  # noqa: E402

MODEL = os.path.join(ROOT, "models/suggest/suggest.perch")
VECTORS = os.path.join(ROOT, "tests/data/tokenizer_vectors.jsonl")


class PerchToCkptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tensors, cls.meta = read_perch(MODEL)

    def test_weights_requantize_to_the_shipped_ones(self):
        sd = state_dict_from_tensors(self.tensors, 4)
        self.assertEqual(len(sd), 4 + 4 * 16)
        for l in range(4):
            for m in ("q", "k", "v", "o", "fc1", "fc2"):
                w = sd[f"blocks.{l}.{m}.weight"]
                self.assertEqual(w.dtype, np.float32)
                q, s = quantize_int8_per_channel(w)
                np.testing.assert_array_equal(q, self.tensors[f"blocks.{l}.{m}"])
                np.testing.assert_allclose(s, self.tensors[f"blocks.{l}.{m}.scale"], rtol=1e-6)
        self.assertEqual(sd["tok.weight"].shape, (4096, 192))
        np.testing.assert_array_equal(sd["pos.weight"], self.tensors["pos"])

    def test_rebuilt_tokenizer_encodes_like_the_shipped_one(self):
        import sentencepiece as spm
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "spm.model")
            with open(path, "wb") as f:
                f.write(spm_model_bytes(json.loads(self.meta["perch.tokenizer"])))
            sp = spm.SentencePieceProcessor(model_file=path)
        checked = 0
        with open(VECTORS, encoding="utf-8") as f:
            for line in f:
                v = json.loads(line)
                if "text" in v:
                    self.assertEqual(sp.encode(v["text"]), v["ids"], v["text"])
                    checked += 1
        self.assertGreater(checked, 3000)


if __name__ == "__main__":
    unittest.main()
