#!/usr/bin/python3
"""Turns a shipped suggestion model (.perch) back into a training checkpoint and a
sentencepiece model, so a new model can be fine-tuned from it with the same tokenizer.

The int8 matrices are dequantized (q * per-row scale); positions, norms and biases are f32
already. The sentencepiece model is rebuilt from the `perch.tokenizer` metadata (pieces,
scores, types) with the normaliser settings of train_tokenizer.py (identity, dummy prefix,
no whitespace collapsing, byte fallback), so it encodes exactly as the shipped one did:
`--check tests/data/tokenizer_vectors.jsonl` verifies that id for id.

    /usr/bin/python3 tools/suggest/perch_to_ckpt.py [--perch models/suggest/suggest.perch]
        -> data/suggest/ckpt_v1.pt, data/suggest/spm.model
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from perch_format import read_perch  # noqa: E402

MATRICES = ("q", "k", "v", "o", "fc1", "fc2")


def dequantize(t: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name + ".scale" in t:
        return t[name].astype(np.float32) * t[name + ".scale"][:, None]
    return t[name].astype(np.float32)


def state_dict_from_tensors(t: dict[str, np.ndarray], n_layers: int) -> dict[str, np.ndarray]:
    """Names of train_model.Gpt's state dict, from export_model.build's tensor names."""
    sd = {"tok.weight": dequantize(t, "tok"), "pos.weight": t["pos"],
          "ln_f.weight": t["ln_f.g"], "ln_f.bias": t["ln_f.b"]}
    for l in range(n_layers):
        p = f"blocks.{l}."
        for ln in ("ln1", "ln2"):
            sd[p + ln + ".weight"] = t[p + ln + ".g"]
            sd[p + ln + ".bias"] = t[p + ln + ".b"]
        for m in MATRICES:
            sd[p + m + ".weight"] = dequantize(t, p + m)
            sd[p + m + ".bias"] = t[p + m + ".bias"]
    return sd


def spm_model_bytes(tok: dict) -> bytes:
    from sentencepiece import sentencepiece_model_pb2 as pb
    m = pb.ModelProto()
    ts = m.trainer_spec
    ts.model_type = pb.TrainerSpec.BPE
    ts.vocab_size = len(tok["pieces"])
    ts.byte_fallback = True
    ts.split_digits = True
    ts.split_by_whitespace = True
    ts.unk_id, ts.bos_id, ts.eos_id, ts.pad_id = tok["unk_id"], tok["bos_id"], tok["eos_id"], -1
    ns = m.normalizer_spec
    ns.name = "identity"
    ns.add_dummy_prefix = bool(tok["add_dummy_prefix"])
    ns.remove_extra_whitespaces = False
    ns.escape_whitespaces = True
    for piece, score, typ in zip(tok["pieces"], tok["scores"], tok["types"]):
        sp = m.pieces.add()
        sp.piece, sp.score, sp.type = piece, score, typ
    return m.SerializeToString()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--perch", default="models/suggest/suggest.perch")
    ap.add_argument("--ckpt", default="data/suggest/ckpt_v1.pt")
    ap.add_argument("--spm", default="data/suggest/spm.model")
    ap.add_argument("--check", default="tests/data/tokenizer_vectors.jsonl",
                    help="tokenizer vectors to verify the rebuilt sentencepiece model against")
    args = ap.parse_args()
    import torch
    t, meta = read_perch(args.perch)
    hp = json.loads(re.search(r"hparams (\{.*\})", meta["perch.source"]).group(1))
    step = int(re.search(r"step (\d+)", meta["perch.source"]).group(1))
    sd = state_dict_from_tensors(t, hp["n_layers"])
    os.makedirs(os.path.dirname(args.ckpt) or ".", exist_ok=True)
    torch.save({"model": {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()},
                "hparams": hp, "step": step, "args": {"from_perch": args.perch}},
               args.ckpt)
    print(f"wrote {args.ckpt}: step {step}, {sum(v.size for v in sd.values())} parameters")
    with open(args.spm, "wb") as f:
        f.write(spm_model_bytes(json.loads(meta["perch.tokenizer"])))
    print(f"wrote {args.spm}")
    if args.check:
        import sentencepiece as spm
        sp = spm.SentencePieceProcessor(model_file=args.spm)
        ok = bad = 0
        with open(args.check, encoding="utf-8") as f:
            for line in f:
                v = json.loads(line)
                if "text" not in v:
                    continue
                if sp.encode(v["text"]) == v["ids"]:
                    ok += 1
                else:
                    bad += 1
        print(f"tokenizer check: {ok} of {ok + bad} vectors encode id for id")
        if bad:
            sys.exit(f"perch_to_ckpt: the rebuilt tokenizer differs on {bad} vectors")


if __name__ == "__main__":
    main()
