#!/usr/bin/python3
"""Writes the small graph models the server tests load, plus broken files the server must skip.

    make_test_models.py OUT_DIR

  tiny.perch   x f32 [-1, 4] (max 8 rows) -> y = relu(x @ W.T + b), W [3, 4]; weights in tiny.json
  slow.perch   x f32 [-1, 512] (max 64 rows) -> 24 FullyConnected layers sharing one 512x512
               weight: enough work per request (tens of ms) to fill the admission queue
  tinylm.perch a 1-layer causal LM with every op kind the suggestion model may use: Gather
               (token + position embeddings, int8 rows), LayerNorm, FullyConnected (int8, gelu),
               Attention with 4 query / 2 key-value heads and a KV cache, RMSNorm, MatMul,
               Add; inputs tokens/positions i32 [-1] (max 16), output logits [-1, 40]
  truncated.perch, garbage.perch, badgraph.perch: malformed, reported and skipped at start
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from perch_format import quantize_int8_per_channel, to_bytes  # noqa: E402


def graph(inputs, outputs, nodes):
    return json.dumps({"inputs": inputs, "outputs": outputs, "nodes": nodes})


def write_tinylm(path, rng):
    vocab, d, heads, kv_heads, ctx = 40, 16, 4, 2, 32
    dh = d // heads
    def rnd(*shape, s=0.3):
        return (rng.standard_normal(shape) * s).astype(np.float32)
    emb_q, emb_s = quantize_int8_per_channel(rnd(vocab, d, s=1.0))
    tensors = {
        "tok": emb_q, "tok.scale": emb_s, "pos": rnd(ctx, d, s=0.5),
        "ln.g": 1 + rnd(d, s=0.1), "ln.b": rnd(d, s=0.1),
        "wq": rnd(d, d), "wk": rnd(kv_heads * dh, d), "wv": rnd(kv_heads * dh, d), "wo": rnd(d, d),
        "bq": rnd(d, s=0.1), "rms.g": 1 + rnd(d, s=0.1), "head": rnd(d, vocab),
    }
    up_q, up_s = quantize_int8_per_channel(rnd(2 * d, d))
    tensors["up"], tensors["up.scale"] = up_q, up_s
    tensors["down"] = rnd(d, 2 * d)
    nodes = [
        {"op": "Gather", "inputs": ["tok", "tokens"], "outputs": ["e"], "attrs": {"axis": 0}},
        {"op": "Gather", "inputs": ["pos", "positions"], "outputs": ["p"], "attrs": {}},
        {"op": "Add", "inputs": ["e", "p"], "outputs": ["h0"], "attrs": {}},
        {"op": "LayerNorm", "inputs": ["h0", "ln.g", "ln.b"], "outputs": ["n0"], "attrs": {"epsilon": 1e-5}},
        {"op": "FullyConnected", "inputs": ["n0", "wq", "bq"], "outputs": ["q"], "attrs": {}},
        {"op": "FullyConnected", "inputs": ["n0", "wk", ""], "outputs": ["k"], "attrs": {}},
        {"op": "FullyConnected", "inputs": ["n0", "wv", ""], "outputs": ["v"], "attrs": {}},
        {"op": "Attention", "inputs": ["q", "k", "v"], "outputs": ["a"],
         "attrs": {"num_heads": heads, "num_kv_heads": kv_heads, "causal": 1, "cache": 0, "max_context": ctx}},
        {"op": "FullyConnected", "inputs": ["a", "wo", ""], "outputs": ["ao"], "attrs": {}},
        {"op": "Add", "inputs": ["h0", "ao"], "outputs": ["h1"], "attrs": {}},
        {"op": "RMSNorm", "inputs": ["h1", "rms.g"], "outputs": ["n1"], "attrs": {"epsilon": 1e-6}},
        {"op": "FullyConnected", "inputs": ["n1", "up", ""], "outputs": ["u"], "attrs": {"activation": "gelu"}},
        {"op": "FullyConnected", "inputs": ["u", "down", ""], "outputs": ["dn"], "attrs": {}},
        {"op": "Add", "inputs": ["h1", "dn"], "outputs": ["h2"], "attrs": {}},
        {"op": "MatMul", "inputs": ["h2", "head"], "outputs": ["logits"], "attrs": {}},
    ]
    meta = {
        "perch.format": "1",
        "perch.license": "test fixture, no licence needed",
        "perch.source": "tests/server/make_test_models.py, seed 7",
        "perch.graph": graph(
            [{"name": "tokens", "dtype": "i32", "shape": [-1], "max_shape": [16]},
             {"name": "positions", "dtype": "i32", "shape": [-1], "max_shape": [16]}],
            ["logits"], nodes),
    }
    with open(path, "wb") as f:
        f.write(to_bytes(tensors, meta))


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

    write_tinylm(os.path.join(out, "tinylm.perch"), rng)

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
