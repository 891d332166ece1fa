#!/usr/bin/python3
"""Builds the small PyTorch models of tests/data/onnx (random weights, fixed seeds), exports each
with torch.onnx and saves inputs + torch's outputs beside it. torch stays out of `make test`:
the test (tests/python/test_torch_models.py) reads only the committed .onnx and .npz files.

    /usr/bin/python3 tools/convert/make_torch_test_models.py [OUT_DIR]

Models (each a real architecture, kept small so the folder stays well under 2 MB):
  encoder_classifier  BERT-style: token + position embeddings, 2 pre-LN transformer blocks
                      (multi-head attention, GELU MLP), mean pool, linear head -> 3 classes
  decoder_lm          GPT-style causal decoder, 2 blocks, tied-free LM head over 64 tokens
  decoder_lm_kv       the same decoder taking past keys/values and returning the presents
                      (one new token after 7 cached ones)
  embedder            sentence embedding: 1 block, mean pooling under an attention mask,
                      L2-normalised
Exported at opset 14 (LayerNorm as its primitive subgraph, which the importer fuses) except the
classifier (opset 17: the LayerNormalization op).
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

VOCAB, DIM, HEADS, SEQ = 64, 32, 4, 8


class Block(nn.Module):
    def __init__(self, causal: bool):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(DIM), nn.LayerNorm(DIM)
        self.qkv = nn.Linear(DIM, 3 * DIM)
        self.proj = nn.Linear(DIM, DIM)
        self.fc1, self.fc2 = nn.Linear(DIM, 4 * DIM), nn.Linear(4 * DIM, DIM)
        self.causal = causal

    def attend(self, x, past_k=None, past_v=None):
        b, s, _ = x.shape
        q, k, v = self.qkv(x).split(DIM, dim=-1)
        heads = lambda t: t.reshape(b, t.shape[1], HEADS, DIM // HEADS).transpose(1, 2)  # noqa: E731
        q, k, v = heads(q), heads(k), heads(v)
        if past_k is not None:
            k, v = torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(DIM // HEADS)
        if self.causal:
            t = k.shape[2]
            mask = torch.ones(s, t, dtype=torch.bool).tril(diagonal=t - s)
            scores = scores.masked_fill(~mask, float("-inf"))
        out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, DIM)
        return self.proj(out), k, v

    def forward(self, x, past_k=None, past_v=None):
        a, k, v = self.attend(self.ln1(x), past_k, past_v)
        x = x + a
        x = x + self.fc2(nn.functional.gelu(self.fc1(self.ln2(x))))
        return x, k, v


class EncoderClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(VOCAB, DIM), nn.Embedding(SEQ, DIM)
        self.blocks = nn.ModuleList([Block(False), Block(False)])
        self.ln = nn.LayerNorm(DIM)
        self.head = nn.Linear(DIM, 3)

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for blk in self.blocks:
            x = blk(x)[0]
        return self.head(self.ln(x).mean(dim=1))


class DecoderLM(nn.Module):
    def __init__(self, kv: bool):
        super().__init__()
        self.tok, self.pos = nn.Embedding(VOCAB, DIM), nn.Embedding(2 * SEQ, DIM)
        self.blocks = nn.ModuleList([Block(True), Block(True)])
        self.ln = nn.LayerNorm(DIM)
        self.head = nn.Linear(DIM, VOCAB, bias=False)
        self.kv = kv

    def forward(self, ids, *past):
        start = past[0].shape[2] if past else 0
        x = self.tok(ids) + self.pos(torch.arange(start, start + ids.shape[1]))
        presents = []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, *(past[2 * i: 2 * i + 2] if past else (None, None)))
            presents += [k, v]
        logits = self.head(self.ln(x))
        return (logits, *presents) if self.kv else logits


class Embedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, DIM)
        self.block = Block(False)

    def forward(self, ids, mask):
        x = self.block(self.tok(ids))[0]
        m = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-6)
        return pooled / pooled.norm(dim=-1, keepdim=True).clamp(min=1e-6)


def export(model, name, inputs: dict, output_names, out_dir, opset):
    model.eval()
    path = os.path.join(out_dir, name + ".onnx")
    with torch.no_grad():
        args = tuple(torch.from_numpy(v) for v in inputs.values())
        torch.onnx.export(model, args, path, input_names=list(inputs), output_names=output_names,
                          opset_version=opset, do_constant_folding=True)
        outs = model(*args)
    outs = outs if isinstance(outs, tuple) else (outs,)
    ref = {f"input.{k}": v for k, v in inputs.items()}
    ref.update({f"output.{k}": o.numpy() for k, o in zip(output_names, outs)})
    np.savez_compressed(os.path.join(out_dir, name + ".npz"), **ref)
    if name == "encoder_classifier":  # the JS test (js-bindings/test/imported_model.test.mjs) reads JSON
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump({"ids": inputs["ids"].reshape(-1).tolist(), "ids_shape": list(inputs["ids"].shape),
                       "logits": [float(v) for v in outs[0].numpy().reshape(-1)]}, f)
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "onnx")
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(18)
    ids = lambda n: rng.integers(0, VOCAB, (1, n)).astype(np.int64)  # noqa: E731
    torch.manual_seed(18)
    export(EncoderClassifier(), "encoder_classifier", {"ids": ids(SEQ)}, ["logits"], out_dir, 17)
    torch.manual_seed(19)
    export(DecoderLM(False), "decoder_lm", {"ids": ids(SEQ)}, ["logits"], out_dir, 14)
    torch.manual_seed(19)  # the same weights, run incrementally through a KV cache
    past = {}
    for i in range(2):
        for kv in "kv":
            past[f"past_{kv}{i}"] = (0.5 * rng.standard_normal((1, HEADS, SEQ - 1, DIM // HEADS))).astype(np.float32)
    export(DecoderLM(True), "decoder_lm_kv", {"ids": ids(1), **past},
           ["logits", "present_k0", "present_v0", "present_k1", "present_v1"], out_dir, 14)
    torch.manual_seed(20)
    mask = np.array([[1, 1, 1, 1, 1, 0, 0, 0]], np.int64)
    export(Embedder(), "embedder", {"ids": ids(SEQ), "mask": mask}, ["embedding"], out_dir, 14)


if __name__ == "__main__":
    main()
