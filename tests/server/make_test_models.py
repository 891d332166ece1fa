#!/usr/bin/python3
"""Writes the small graph models the server tests load, plus broken files the server must skip.

    make_test_models.py OUT_DIR

  tiny.perch   x f32 [-1, 4] (max 8 rows) -> y = relu(x @ W.T + b), W [3, 4]; weights in tiny.json
  slow.perch   x f32 [-1, 512] (max 64 rows) -> 24 FullyConnected layers sharing one 512x512
               weight: enough work per request (tens of ms) to fill the admission queue
  truncated.perch, garbage.perch, badgraph.perch: malformed, reported and skipped at start
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from perch_format import to_bytes  # noqa: E402


def graph(inputs, outputs, nodes):
    return json.dumps({"inputs": inputs, "outputs": outputs, "nodes": nodes})


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)

    w = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    tiny_meta = {
        "perch.format": "1",
        "perch.license": "test fixture, no licence needed",
        "perch.source": "tests/server/make_test_models.py, seed 7",
        "perch.graph": graph(
            [{"name": "x", "dtype": "f32", "shape": [-1, 4], "max_shape": [8, 4]}], ["y"],
            [{"op": "FullyConnected", "inputs": ["x", "W", "b"], "outputs": ["y"],
              "attrs": {"activation": "relu"}}]),
    }
    tiny = to_bytes({"W": w, "b": b}, tiny_meta)
    with open(os.path.join(out, "tiny.perch"), "wb") as f:
        f.write(tiny)
    with open(os.path.join(out, "tiny.json"), "w") as f:
        json.dump({"W": w.tolist(), "b": b.tolist()}, f)

    width, layers = 512, 24
    ws = (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
    nodes, prev = [], "x"
    for i in range(layers):
        nodes.append({"op": "FullyConnected", "inputs": [prev, "W", ""], "outputs": [f"h{i}"],
                      "attrs": {"activation": "relu"}})
        prev = f"h{i}"
    slow_meta = {
        "perch.format": "1",
        "perch.license": "test fixture, no licence needed",
        "perch.source": "tests/server/make_test_models.py, seed 7",
        "perch.graph": graph(
            [{"name": "x", "dtype": "f32", "shape": [-1, width], "max_shape": [64, width]}],
            [prev], nodes),
    }
    with open(os.path.join(out, "slow.perch"), "wb") as f:
        f.write(to_bytes({"W": ws}, slow_meta))

    with open(os.path.join(out, "truncated.perch"), "wb") as f:
        f.write(tiny[: len(tiny) - 9])
    with open(os.path.join(out, "garbage.perch"), "wb") as f:
        f.write(b"\xff" * 64)
    bad = dict(tiny_meta)
    bad["perch.graph"] = graph(
        [{"name": "x", "dtype": "f32", "shape": [-1, 4], "max_shape": [8, 4]}], ["y"],
        [{"op": "NoSuchOp", "inputs": ["x"], "outputs": ["y"], "attrs": {}}])
    with open(os.path.join(out, "badgraph.perch"), "wb") as f:
        f.write(to_bytes({"W": w, "b": b}, bad))


if __name__ == "__main__":
    main(sys.argv[1])
