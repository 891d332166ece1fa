"""Round trips between tools/perch_format.py and the C++ reader/writer (through the `perch` CLI):
Python writer -> C++ reader (`perch inspect --json`), Python writer -> C++ writer (`perch
rewrite`) byte-identical, C++-written files read back by Python, and broken files rejected.

The native build is found at $PERCH_BUILD_DIR or build/native (the Makefile builds it first).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import perch_format  # noqa: E402

BUILD = os.environ.get("PERCH_BUILD_DIR", os.path.join(ROOT, "build", "native"))
PERCH = os.path.join(BUILD, "perch")


def perch(*args):
    if not os.path.exists(PERCH):
        raise RuntimeError(f"{PERCH} not found: build the native preset first (make build-native)")
    return subprocess.run([PERCH, *args], capture_output=True, text=True, timeout=60)


def mlp_model(rng, f16=False):
    w1 = rng.standard_normal((8, 4)).astype(np.float16 if f16 else np.float32)
    b1 = rng.standard_normal(8).astype(np.float32)
    q, s = perch_format.quantize_int8_per_channel(rng.standard_normal((3, 8)))
    graph = {
        "inputs": [{"name": "x", "dtype": "f32", "shape": [-1, 4], "max_shape": [16, 4]}],
        "outputs": ["probs"],
        "nodes": [
            {"op": "FullyConnected", "inputs": ["x", "fc1.weight", "fc1.bias"], "outputs": ["h"],
             "attrs": {"activation": "relu"}},
            {"op": "FullyConnected", "inputs": ["h", "fc2.weight", ""], "outputs": ["logits"], "attrs": {}},
            {"op": "Softmax", "inputs": ["logits"], "outputs": ["probs"], "attrs": {"axis": -1}},
        ],
    }
    tensors = {
        "fc1.weight": w1, "fc1.bias": b1, "fc2.weight": q, "fc2.weight.scale": s,
        "table.i32": np.arange(-5, 7, dtype=np.int32).reshape(3, 4),
        "bytes.u8": np.array([0, 1, 255], dtype=np.uint8),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "scalar": np.array(2.5, dtype=np.float32),
        "ünïcode ✓ name": np.ones(2, dtype=np.float32),
    }
    metadata = {
        "perch.format": "1",
        "perch.graph": json.dumps(graph),
        "perch.license": "CC0-1.0 — synthetic weights ✓",
        "perch.source": 'tests/python: "quotes", back\\slash, tab\t, newline\n, \x01 control, \x7f del, \u2028 sep, 😀',
        "perch.labels": json.dumps(["en", "fr", "日本語"], ensure_ascii=False),
    }
    return tensors, metadata, q, s


class FormatRoundTrip(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.rng = np.random.default_rng(1234)

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_python_writer_to_cpp_reader(self):
        for f16 in (False, True):
            tensors, metadata, q, s = mlp_model(self.rng, f16=f16)
            perch_format.write_perch(self.path("m.perch"), tensors, metadata)
            r = perch("inspect", "--json", self.path("m.perch"))
            self.assertEqual(r.returncode, 0, r.stderr)
            info = json.loads(r.stdout)
            self.assertEqual(info["metadata"], metadata)
            self.assertEqual(info["inputs"], [{"name": "x", "dtype": "f32", "shape": [-1, 4], "max_shape": [16, 4]}])
            self.assertEqual(info["outputs"][0]["name"], "probs")
            self.assertEqual(info["outputs"][0]["shape"], [-1, 3])
            self.assertEqual([n["op"] for n in info["nodes"]], ["FullyConnected", "FullyConnected", "Softmax"])
            # Each node names the kernel it runs (native: XNNPACK dense layers, the reference softmax).
            self.assertEqual([n["kernel"] for n in info["nodes"]][2], "reference.softmax_rows")
            for n in info["nodes"][:2]:
                self.assertIn(n["kernel"], ("xnnpack.dense_f32", "xnnpack.dense_i8_as_f32", "reference.dense_f32",
                                            "reference.dense_i8"))
            by_name = {t["name"]: t for t in info["tensors"]}
            self.assertEqual(set(by_name), set(tensors))
            for name, arr in tensors.items():
                t = by_name[name]
                self.assertEqual(t["shape"], list(arr.shape), name)
                # f16 weights are converted to f32 when loaded.
                want_dtype = "f32" if arr.dtype == np.float16 else perch_format._NAMES[arr.dtype].lower()
                self.assertEqual(t["dtype"], want_dtype, name)
                self.assertAlmostEqual(t["sum"], float(np.asarray(arr, dtype=np.float64).sum()), places=3, msg=name)
            weight_bytes = sum(a.size * (4 if a.dtype == np.float16 else a.dtype.itemsize) for a in tensors.values())
            self.assertEqual(info["weight_bytes"], weight_bytes)
            self.assertGreater(info["arena_bytes"], 0)

    def test_cpp_writer_matches_python_bytes(self):
        tensors, metadata, _, _ = mlp_model(self.rng)
        cases = [
            (tensors, metadata),
            ({}, {}),
            ({}, {"only": "metadata"}),
            ({"a": np.zeros(3, np.int8), "a.scale": np.ones(3, np.float32)}, {}),
            ({"B": np.ones(1, np.float32), "a": np.ones(1, np.float32), "_": np.ones(1, np.float32)}, {"z": "1"}),
        ]
        for i, (t, m) in enumerate(cases):
            src, out = self.path(f"in{i}.perch"), self.path(f"out{i}.perch")
            perch_format.write_perch(src, t, m)
            r = perch("rewrite", src, out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(src, "rb") as a, open(out, "rb") as b:
                self.assertEqual(a.read(), b.read(), f"case {i}: C++ and Python bytes differ")

    def test_cpp_canonicalises_a_foreign_safetensors_file(self):
        # Another safetensors writer: indented JSON, reversed key order, \u escapes, data out of
        # name order. The C++ writer must produce exactly what the Python writer produces.
        tensors = {"b": np.arange(4, dtype=np.float32), "a": np.arange(3, dtype=np.int32) - 1}
        metadata = {"perch.format": "1", "note": "é ✓"}
        blob_b, blob_a = tensors["b"].tobytes(), tensors["a"].tobytes()
        header = {
            "b": {"dtype": "F32", "shape": [4], "data_offsets": [0, len(blob_b)]},
            "a": {"dtype": "I32", "shape": [3], "data_offsets": [len(blob_b), len(blob_b) + len(blob_a)]},
            "__metadata__": metadata,
        }
        text = json.dumps(header, indent=2, ensure_ascii=True).encode()
        with open(self.path("foreign.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + blob_b + blob_a)
        r = perch("rewrite", self.path("foreign.safetensors"), self.path("canon.perch"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path("canon.perch"), "rb") as f:
            self.assertEqual(f.read(), perch_format.to_bytes(tensors, metadata))
        back, meta = perch_format.read_perch(self.path("canon.perch"))
        self.assertEqual(meta, metadata)
        for name, arr in tensors.items():
            np.testing.assert_array_equal(back[name], arr)

    def test_cpp_written_file_reads_back_in_python(self):
        tensors, metadata, _, _ = mlp_model(self.rng, f16=True)
        perch_format.write_perch(self.path("m.perch"), tensors, metadata)
        self.assertEqual(perch("rewrite", self.path("m.perch"), self.path("c.perch")).returncode, 0)
        back, meta = perch_format.read_perch(self.path("c.perch"))
        self.assertEqual(meta, metadata)
        self.assertEqual(set(back), set(tensors))
        for name, arr in tensors.items():
            self.assertEqual(back[name].dtype, arr.dtype, name)
            np.testing.assert_array_equal(back[name], arr, err_msg=name)

    def test_cli_runs_the_python_written_model(self):
        tensors, metadata, q, s = mlp_model(self.rng)
        perch_format.write_perch(self.path("m.perch"), tensors, metadata)
        x = self.rng.standard_normal((2, 4)).astype(np.float32)
        x.tofile(self.path("x.bin"))
        r = perch("run", self.path("m.perch"), "x=@" + self.path("x.bin"), "--shape", "x=2,4")
        self.assertEqual(r.returncode, 0, r.stderr)
        head, values = r.stdout.strip().split(":", 1)
        self.assertEqual(head, "probs f32 [2, 3]")
        got = np.array([float(v) for v in values.split()], dtype=np.float64).reshape(2, 3)
        h = np.maximum(x.astype(np.float64) @ tensors["fc1.weight"].T.astype(np.float64) + tensors["fc1.bias"], 0)
        logits = h @ (q.astype(np.float64) * s[:, None]).T
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        np.testing.assert_allclose(got, e / e.sum(axis=1, keepdims=True), atol=1e-5)
        r = perch("bench", self.path("m.perch"), "--runs", "20", "--warmup", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"p50 [0-9.]+ us  p95 [0-9.]+ us")

    def test_cli_rejects_broken_files_with_precise_messages(self):
        tensors, metadata, _, _ = mlp_model(self.rng)
        good = perch_format.to_bytes(tensors, metadata)
        (n,) = struct.unpack("<Q", good[:8])
        cases = {
            "truncated": (good[: len(good) - 3], "run past the end of the data"),
            "short": (good[:5], "shorter than the 8-byte header length"),
            "header past end": (struct.pack("<Q", len(good)) + good[8:], "runs past the end of the file"),
            "not json": (struct.pack("<Q", 4) + b"nope", "header is not valid JSON"),
            "trailing bytes": (good + b"\0" * 8, "bytes of data after the last tensor"),
        }
        for what, (data, message) in cases.items():
            with open(self.path("bad.perch"), "wb") as f:
                f.write(data)
            for cmd in ("inspect", "rewrite"):
                args = [cmd, self.path("bad.perch")] + ([self.path("o.perch")] if cmd == "rewrite" else [])
                r = perch(*args)
                self.assertEqual(r.returncode, 1, f"{what}: {cmd} accepted a broken file")
                self.assertIn(message, r.stderr, what)
        r = perch("inspect", self.path("does-not-exist.perch"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot open model file", r.stderr)


if __name__ == "__main__":
    unittest.main()
