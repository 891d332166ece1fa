"""`perch import-onnx` and `perch run --inputs-npz/--outputs-npz`: ONNX's own backend node tests
(Debian's libonnx-testdata) against the committed expected list, a small model built here with
onnx.helper (folding, fusions, int8), refusals that list every problem and write nothing, and
malformed files. Uses build/native/perch or $PERCH_CLI."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("PERCH_CLI", os.path.join(ROOT, "build/native/perch"))
sys.path.insert(0, os.path.join(ROOT, "tools", "convert"))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import onnx_conformance  # noqa: E402
from onnx_to_perch import save_npz  # noqa: E402
from perch_format import read_perch  # noqa: E402

EXPECTED = os.path.join(ROOT, "tests", "python", "onnx_conformance_expected.txt")


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


def mlp_model(seed=0):
    """x [2, 16] -> MatMul + Add -> erf Gelu subgraph -> LayerNorm subgraph -> MatMul + Add ->
    Softmax; a Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain in the middle."""
    r = np.random.default_rng(seed)
    w1, b1 = r.standard_normal((16, 32)).astype(np.float32) * 0.3, r.standard_normal(32).astype(np.float32)
    w2, b2 = r.standard_normal((32, 5)).astype(np.float32) * 0.3, r.standard_normal(5).astype(np.float32)
    g, beta = (1 + 0.1 * r.standard_normal(32)).astype(np.float32), (0.1 * r.standard_normal(32)).astype(np.float32)
    c = lambda name, v: numpy_helper.from_array(np.asarray(v), name)  # noqa: E731
    inits = [c("w1", w1), c("b1", b1), c("w2", w2), c("b2", b2), c("g", g), c("beta", beta),
             c("sqrt2", np.float32(np.sqrt(2))), c("one", np.float32(1)), c("half", np.float32(0.5)),
             c("two", np.float32(2)), c("eps", np.float32(1e-5)), c("zero", np.array([0], np.int64)),
             c("minus1", np.array([-1], np.int64))]
    N = helper.make_node
    nodes = [
        N("MatMul", ["x", "w1"], ["mm1"]), N("Add", ["mm1", "b1"], ["h"]),
        N("Div", ["h", "sqrt2"], ["hd"]), N("Erf", ["hd"], ["he"]), N("Add", ["he", "one"], ["hp"]),
        N("Mul", ["h", "hp"], ["hm"]), N("Mul", ["hm", "half"], ["gelu"]),
        N("ReduceMean", ["gelu"], ["mean"], axes=[-1]), N("Sub", ["gelu", "mean"], ["d"]),
        N("Pow", ["d", "two"], ["d2"]), N("ReduceMean", ["d2"], ["var"], axes=[-1]),
        N("Add", ["var", "eps"], ["ve"]), N("Sqrt", ["ve"], ["sd"]), N("Div", ["d", "sd"], ["n"]),
        N("Mul", ["n", "g"], ["ng"]), N("Add", ["ng", "beta"], ["ln"]),
        # Shape subgraph: reshape ln to [batch, -1] computed from its own shape.
        N("Shape", ["ln"], ["s"]), N("Gather", ["s", "zero"], ["batch"], axis=0),
        N("Concat", ["batch", "minus1"], ["newshape"], axis=0), N("Reshape", ["ln", "newshape"], ["flat"]),
        N("MatMul", ["flat", "w2"], ["mm2"]), N("Add", ["mm2", "b2"], ["logits"]),
        N("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 16])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [2, 5])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def numpy_mlp(model, x):
    w = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    from math import erf
    h = x @ w["w1"] + w["b1"]
    h = 0.5 * h * (1 + np.vectorize(erf)(h / np.sqrt(2)))
    m = h.mean(-1, keepdims=True)
    v = ((h - m) ** 2).mean(-1, keepdims=True)
    ln = (h - m) / np.sqrt(v + 1e-5) * w["g"] + w["beta"]
    z = ln @ w["w2"] + w["b2"]
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@unittest.skipUnless(os.path.exists(CLI), f"{CLI} not built (make build-native)")
class ImportOnnxTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_conformance_no_regression(self):
        """Every node test the committed list says passes still passes; none fails or crashes."""
        self.assertTrue(os.path.isdir(onnx_conformance.DATA), "libonnx-testdata missing: bash tools/setup.sh")
        code = onnx_conformance.main(["--perch", CLI, "--expected", EXPECTED, "-q"])
        self.assertEqual(code, 0, "ONNX conformance regressed (see REGRESSIONS above)")

    def test_mlp_folds_fuses_and_matches_numpy(self):
        model = mlp_model()
        onnx.save(model, self.path("mlp.onnx"))
        r = run("import-onnx", self.path("mlp.onnx"), self.path("mlp.perch"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("fused", r.stdout)
        _, meta = read_perch(self.path("mlp.perch"))
        import json
        ops = [n["op"] for n in json.loads(meta["perch.graph"])["nodes"]]
        # Shape chain folded; MatMul+Add -> FullyConnected(bias), erf chain -> Gelu inside it,
        # mean/var chain -> LayerNorm.
        self.assertEqual(ops, ["FullyConnected", "LayerNorm", "FullyConnected", "Softmax"])
        x = np.random.default_rng(1).standard_normal((2, 16)).astype(np.float32)
        save_npz(self.path("in.npz"), {"x": x})
        r = run("run", self.path("mlp.perch"), "--inputs-npz", self.path("in.npz"), "--outputs-npz", self.path("out.npz"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with np.load(self.path("out.npz")) as z:
            np.testing.assert_allclose(z["probs"], numpy_mlp(model, x), rtol=1e-4, atol=1e-5)

    def test_new_ops_round_trip_through_the_onnx_export(self):
        """import -> perch_to_onnx -> import again: the two .perch files give the same outputs."""
        import perch_to_onnx
        N = helper.make_node
        c = lambda name, v: numpy_helper.from_array(np.asarray(v), name)  # noqa: E731
        nodes = [N("Pow", ["x", "two"], ["p"]), N("Sqrt", ["p"], ["s"]), N("Neg", ["s"], ["n"]), N("Exp", ["n"], ["e"]),
                 N("Log", ["e"], ["l"]), N("Abs", ["l"], ["a"]), N("Erf", ["a"], ["er"]), N("Reciprocal", ["two"], ["half"]),
                 N("Clip", ["er", "lo", "hi"], ["cl"]), N("LogSoftmax", ["cl"], ["ls"], axis=1),
                 N("ReduceMax", ["ls"], ["rm"], axes=[1], keepdims=1), N("ReduceSum", ["x", "ax"], ["rs"], keepdims=0),
                 N("Greater", ["x", "rm"], ["g"]), N("Where", ["g", "x", "rm"], ["w"]), N("Less", ["w", "half"], ["lt"]),
                 N("Equal", ["ids", "three"], ["eq"]), N("Cast", ["eq"], ["eqf"], to=TensorProto.FLOAT),
                 N("Expand", ["eqf", "shape"], ["ex"]), N("Gather", ["x", "ids"], ["ga"], axis=1),
                 N("ArgMax", ["ga"], ["am"], axis=-1, keepdims=0), N("Cast", ["lt"], ["ltf"], to=TensorProto.FLOAT)]
        inits = [c("two", np.float32(2)), c("lo", np.float32(0.1)), c("hi", np.float32(0.9)), c("ax", np.array([1], np.int64)),
                 c("three", np.array([3], np.int64)), c("shape", np.array([2, 4], np.int64))]
        outs = ["rs", "ltf", "ex", "am", "w"]
        g = helper.make_graph(nodes, "ops", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5]),
                                             helper.make_tensor_value_info("ids", TensorProto.INT64, [4])],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs], inits)
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), self.path("ops.onnx"))
        self.assertEqual(run("import-onnx", self.path("ops.onnx"), self.path("a.perch")).returncode, 0)
        model, _ = perch_to_onnx.convert_file(self.path("a.perch"))
        onnx.save(model, self.path("back.onnx"))
        r = run("import-onnx", self.path("back.onnx"), self.path("b.perch"))
        self.assertEqual(r.returncode, 0, r.stderr)
        x = np.random.default_rng(3).standard_normal((2, 5)).astype(np.float32)
        save_npz(self.path("in.npz"), {"x": x, "ids": np.array([3, -1, 0, 3], np.int64)})
        got = []
        for m in ("a", "b"):
            r = run("run", self.path(m + ".perch"), "--inputs-npz", self.path("in.npz"), "--outputs-npz", self.path(m + ".npz"))
            self.assertEqual(r.returncode, 0, r.stderr)
            with np.load(self.path(m + ".npz")) as z:
                got.append({k: z[k] for k in z.files})
        self.assertEqual(sorted(got[0]), sorted(outs))
        for o in outs:
            np.testing.assert_allclose(got[0][o], got[1][o], rtol=1e-6, err_msg=o)
        np.testing.assert_array_equal(got[0]["ex"], np.broadcast_to([1, 0, 0, 1], (2, 4)))
        np.testing.assert_array_equal(got[0]["am"], np.argmax(x[:, [3, 4, 0, 3]], axis=-1))
        np.testing.assert_allclose(got[0]["rs"], x.sum(1), rtol=1e-5)

    def test_int8_reports_accuracy_and_stays_close(self):
        onnx.save(mlp_model(), self.path("mlp.onnx"))
        r = run("import-onnx", self.path("mlp.onnx"), self.path("q.perch"), "--quantize", "int8")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("int8: 2 weight(s) quantized", r.stdout)
        self.assertIn("differ from float by at most", r.stdout)
        tensors, _ = read_perch(self.path("q.perch"))
        self.assertEqual(sum(1 for t in tensors.values() if t.dtype == np.int8), 2)

    def test_refusal_lists_every_problem_and_writes_nothing(self):
        N = helper.make_node
        nodes = [N("Conv", ["x", "w"], ["c"]), N("LSTM", ["c", "w"], ["l"]), N("Cast", ["x"], ["d"], to=TensorProto.DOUBLE),
                 N("Add", ["l", "d"], ["y"])]
        graph = helper.make_graph(nodes, "bad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                                  [numpy_helper.from_array(np.ones((4, 4), np.float32), "w")])
        onnx.save(helper.make_model(graph), self.path("bad.onnx"))
        r = run("import-onnx", self.path("bad.onnx"), self.path("bad.perch"))
        self.assertEqual(r.returncode, 1)
        for fragment in ("op Conv is not supported", "op LSTM is not supported", "cast to DOUBLE", "nothing was written"):
            self.assertIn(fragment, r.stderr)
        self.assertFalse(os.path.exists(self.path("bad.perch")))
        self.assertEqual([f for f in os.listdir(self.tmp.name) if f != "bad.onnx"], [])

    def test_malformed_files_give_clear_errors(self):
        onnx.save(mlp_model(), self.path("mlp.onnx"))
        with open(self.path("mlp.onnx"), "rb") as f:
            data = f.read()
        with open(self.path("trunc.onnx"), "wb") as f:
            f.write(data[: len(data) // 2])
        r = run("import-onnx", self.path("trunc.onnx"), self.path("o.perch"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not an ONNX model", r.stderr)
        # A cycle.
        N = helper.make_node
        g = helper.make_graph([N("Relu", ["b"], ["a"]), N("Relu", ["a"], ["b"])], "cyc",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1])])
        onnx.save(helper.make_model(g), self.path("cyc.onnx"))
        r = run("import-onnx", self.path("cyc.onnx"), self.path("o.perch"))
        self.assertIn("cycle", r.stderr)
        # Huge dims.
        g = helper.make_graph([N("Relu", ["x"], ["y"])], "huge",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1 << 20, 1 << 20])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        onnx.save(helper.make_model(g), self.path("huge.onnx"))
        r = run("import-onnx", self.path("huge.onnx"), self.path("o.perch"))
        self.assertIn("elements", r.stderr)
        # A dynamic dim needs --shape; with it the model imports.
        g = helper.make_graph([N("Relu", ["x"], ["y"])], "dyn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        onnx.save(helper.make_model(g), self.path("dyn.onnx"))
        r = run("import-onnx", self.path("dyn.onnx"), self.path("o.perch"))
        self.assertIn("--shape x=", r.stderr)
        r = run("import-onnx", self.path("dyn.onnx"), self.path("o.perch"), "--shape", "x=2,3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.path("o.perch.tmp")))
        # Wrong types: an attr of the wrong type, a missing attr, an initializer whose bytes do not
        # match its dims.
        g = helper.make_graph([N("Softmax", ["x"], ["s"], axis="last"), N("Concat", ["x", "x"], ["y"])], "types",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("s", TensorProto.FLOAT, None),
                               helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        onnx.save(helper.make_model(g), self.path("types.onnx"))
        r = run("import-onnx", self.path("types.onnx"), self.path("o3.perch"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("node 's' (Softmax): cannot convert", r.stderr)
        self.assertIn("node 'y' (Concat): cannot convert (required attr 'axis' is missing)", r.stderr)
        self.assertIn("2 problem(s)", r.stderr)
        bad = numpy_helper.from_array(np.ones(4, np.float32), "w")
        bad.raw_data = bad.raw_data[:6]
        g = helper.make_graph([N("Add", ["x", "w"], ["y"])], "raw",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [bad])
        onnx.save(helper.make_model(g), self.path("raw.onnx"))
        r = run("import-onnx", self.path("raw.onnx"), self.path("o3.perch"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("initializer 'w' cannot be read", r.stderr)
        self.assertFalse(os.path.exists(self.path("o3.perch")))
        # Not a file at all.
        r = run("import-onnx", self.path("missing.onnx"), self.path("o2.perch"))
        self.assertIn("cannot read", r.stderr)

    def test_npz_inputs_narrow_int64_and_reject_bad_files(self):
        N = helper.make_node
        g = helper.make_graph([N("Gather", ["emb", "ids"], ["y"])], "emb",
                              [helper.make_tensor_value_info("ids", TensorProto.INT64, [3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 2])],
                              [numpy_helper.from_array(np.arange(8, dtype=np.float32).reshape(4, 2), "emb")])
        onnx.save(helper.make_model(g), self.path("emb.onnx"))
        r = run("import-onnx", self.path("emb.onnx"), self.path("emb.perch"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("INT64 in ONNX and i32 in perch", r.stdout)
        np.savez_compressed(self.path("ids.npz"), ids=np.array([3, 0, -1], np.int64))  # deflated members
        r = run("run", self.path("emb.perch"), "--inputs-npz", self.path("ids.npz"), "--outputs-npz", self.path("y.npz"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with np.load(self.path("y.npz")) as z:
            np.testing.assert_array_equal(z["y"], [[6, 7], [0, 1], [6, 7]])
        save_npz(self.path("big.npz"), {"ids": np.array([1, 2, 1 << 40], np.int64)})
        r = run("run", self.path("emb.perch"), "--inputs-npz", self.path("big.npz"))
        self.assertIn("does not fit the model's i32", r.stderr)
        save_npz(self.path("other.npz"), {"ids": np.zeros(3, np.int64), "extra": np.zeros(1)})
        r = run("run", self.path("emb.perch"), "--inputs-npz", self.path("other.npz"))
        self.assertIn("no input named 'extra'", r.stderr)
        with open(self.path("ids.npz"), "rb") as f:
            data = f.read()
        for cut in (10, len(data) // 2, len(data) - 5):
            with open(self.path("cut.npz"), "wb") as f:
                f.write(data[:cut])
            r = run("run", self.path("emb.perch"), "--inputs-npz", self.path("cut.npz"))
            self.assertEqual(r.returncode, 1)
            self.assertIn("not a readable .npz", r.stderr)


if __name__ == "__main__":
    unittest.main()
