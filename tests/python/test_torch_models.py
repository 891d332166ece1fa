"""Real architectures exported from PyTorch (tools/convert/make_torch_test_models.py: a BERT-style
encoder classifier, a GPT-style decoder with and without KV-cache inputs/outputs, a mean-pooling
embedder; random weights, fixed seeds) through `perch import-onnx` + `perch run`, compared with
torch's own outputs saved beside each .onnx. torch is not needed here: the files are committed.
Uses build/native/perch or $PERCH_CLI."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("PERCH_CLI", os.path.join(ROOT, "build/native/perch"))
DATA = os.path.join(ROOT, "tests", "data", "onnx")
sys.path.insert(0, os.path.join(ROOT, "tools", "convert"))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from onnx_to_perch import save_npz  # noqa: E402
from perch_format import read_perch  # noqa: E402

# name -> ops the imported graph must contain (fusions that put it on the fast kernels).
MODELS = {
    "encoder_classifier": {"FullyConnected", "LayerNorm", "Attention"},
    "decoder_lm": {"FullyConnected", "LayerNorm", "Attention"},  # causal: the mask is recognised
    "decoder_lm_kv": {"FullyConnected", "LayerNorm", "Concat"},  # past keys: MatMul/Softmax chain stays
    "embedder": {"FullyConnected", "LayerNorm", "Attention", "ReduceSum"},
}


@unittest.skipUnless(os.path.exists(CLI), f"{CLI} not built (make build-native)")
class TorchModelsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def run_model(self, perch_path, inputs):
        ipath, opath = os.path.join(self.tmp.name, "in.npz"), os.path.join(self.tmp.name, "out.npz")
        save_npz(ipath, inputs)
        r = subprocess.run([CLI, "run", perch_path, "--inputs-npz", ipath, "--outputs-npz", opath],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with np.load(opath) as z:
            return {k: z[k] for k in z.files}

    def check(self, name, quantize=False):
        out = os.path.join(self.tmp.name, name + ".perch")
        args = [CLI, "import-onnx", os.path.join(DATA, name + ".onnx"), out] + (["--quantize", "int8"] if quantize else [])
        r = subprocess.run(args, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        _, meta = read_perch(out)
        ops = {n["op"] for n in json.loads(meta["perch.graph"])["nodes"]}
        self.assertLessEqual(MODELS[name], ops, f"{name}: missing fused ops; graph has {sorted(ops)}")
        self.assertNotIn("Erf", ops, "the Gelu subgraph was not fused")
        with np.load(os.path.join(DATA, name + ".npz")) as z:
            ref = {k: z[k] for k in z.files}
        inputs = {k[len("input."):]: v for k, v in ref.items() if k.startswith("input.")}
        got = self.run_model(out, inputs)
        for k, want in ref.items():
            if not k.startswith("output."):
                continue
            o = k[len("output."):]
            if quantize:
                # int8 weights: close to torch, and the same top token / class.
                np.testing.assert_allclose(got[o], want, rtol=0.05, atol=0.05, err_msg=f"{name} {o}")
                if o == "logits":
                    np.testing.assert_array_equal(got[o].argmax(-1), want.argmax(-1))
            else:
                np.testing.assert_allclose(got[o], want, rtol=1e-4, atol=1e-5, err_msg=f"{name} {o}")
        return r.stdout

    def test_encoder_classifier(self):
        self.check("encoder_classifier")

    def test_decoder(self):
        self.check("decoder_lm")

    def test_decoder_with_kv_cache_inputs_and_outputs(self):
        self.check("decoder_lm_kv")

    def test_embedder_mean_pooling(self):
        self.check("embedder")

    def test_int8_encoder_keeps_the_class(self):
        report = self.check("encoder_classifier", quantize=True)
        self.assertIn("weight(s) quantized per row", report)


if __name__ == "__main__":
    unittest.main()
