#!/usr/bin/python3
"""Trains the text-suggestion model: a small causal transformer (GPT) on data/suggest/train.txt.

Architecture (mirrored exactly by the exported .perch graph, see export_model.py):
  token embedding (tied with the output layer) + learned positions,
  L x [pre-LayerNorm -> q,k,v -> causal softmax attention -> out proj -> residual,
       pre-LayerNorm -> FC(4d) GELU(erf) -> FC(d) -> residual],
  final LayerNorm -> logits = h . E^T.
Training: 1 CPU thread (the machine is shared), fixed seed, AdamW, linear warm-up then cosine
decay over a fixed step count; checkpoints to data/suggest/ckpt.pt every --ckpt-every steps
(and every 5 minutes) with the optimizer state, the step, the elapsed time and the RNG states,
so `--continue data/suggest/ckpt.pt` carries an interrupted run on where it stopped (across
days), the same schedule included. `--resume CKPT` instead starts a new run (fresh optimizer,
new schedule) from CKPT's weights: fine-tuning, annealing. A checkpoint made from a shipped
model (perch_to_ckpt.py) is such a starting point.

    OMP_NUM_THREADS=1 nohup /usr/bin/python3 tools/suggest/train_model.py > data/suggest/train.log &
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn as nn
import torch.nn.functional as F

HPARAMS = dict(vocab=4096, d_model=192, n_layers=4, n_heads=4, d_ff=768, ctx=128)


class Block(nn.Module):
    def __init__(self, d, h, ff):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, ff)
        self.fc2 = nn.Linear(ff, d)

    def forward(self, x):
        b, s, d = x.shape
        y = self.ln1(x)
        q, k, v = (m(y).view(b, s, self.h, d // self.h).transpose(1, 2) for m in (self.q, self.k, self.v))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.h)
        mask = torch.ones(s, s, dtype=torch.bool, device=x.device).triu(1)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.o(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab, d_model, n_layers, n_heads, d_ff, ctx):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(ctx, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_heads, d_ff) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model)
        nn.init.normal_(self.tok.weight, std=0.02)
        nn.init.normal_(self.pos.weight, std=0.01)
        for blk in self.blocks:  # GPT-2 style: residual projections scaled down by depth
            nn.init.normal_(blk.o.weight, std=0.02 / math.sqrt(2 * n_layers))
            nn.init.normal_(blk.fc2.weight, std=0.02 / math.sqrt(2 * n_layers))

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1], device=ids.device))
        for blk in self.blocks:
            x = blk(x)
        return self.ln_f(x) @ self.tok.weight.T


def encode_corpus(sp, path):
    """One stream: <s> line <s> line ... (the suggester starts short texts with <s> too)."""
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            ids.append(sp.bos_id())
            ids.extend(sp.encode(line.rstrip("\n")))
    return np.array(ids, dtype=np.int32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/suggest")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--max-minutes", type=float, default=0, help="stop early (0: no limit)")
    ap.add_argument("--speed-test", action="store_true")
    ap.add_argument("--resume", default="", help="checkpoint to continue from (weights only)")
    ap.add_argument("--continue", dest="cont", default="",
                    help="checkpoint of an interrupted run to carry on (weights, optimizer, step, schedule)")
    ap.add_argument("--ckpt-every", type=int, default=100, help="steps between checkpoints")
    ap.add_argument("--anneal", action="store_true",
                    help="with --resume: short warm-up, then lr decays linearly to 5%% over --steps")
    args = ap.parse_args()
    cont = None
    if args.cont:  # the interrupted run's own arguments, but for the budget given now
        cont = torch.load(args.cont, map_location="cpu")
        for k in ("steps", "batch", "lr", "warmup", "seed", "max_minutes", "anneal", "resume"):
            if k in cont["args"] and not (k == "max_minutes" and args.max_minutes):
                setattr(args, k, cont["args"][k])
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.data, "spm.model"))
    assert sp.get_piece_size() == HPARAMS["vocab"]
    train = encode_corpus(sp, os.path.join(args.data, "train.txt"))
    held = encode_corpus(sp, os.path.join(args.data, "heldout.txt"))
    ood_path = os.path.join(args.data, "ood.txt")
    ood = encode_corpus(sp, ood_path) if os.path.exists(ood_path) else None
    print(f"tokens: train {len(train)}, heldout {len(held)}, ood {0 if ood is None else len(ood)}", flush=True)

    model = Gpt(**HPARAMS)
    start_step = 0
    if cont is not None:
        model.load_state_dict(cont["model"])
        start_step = cont["step"] - cont["run_step"]
        print(f"continuing {args.cont} at step {cont['step']} (step {cont['run_step']} of its run)", flush=True)
    elif args.resume:
        ck = torch.load(args.resume, map_location="cpu")
        model.load_state_dict(ck["model"])
        start_step = ck["step"]
        print(f"resumed from {args.resume} at step {start_step}", flush=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"params {n_params} {HPARAMS}", flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.98))
    ctx = HPARAMS["ctx"]
    first_step, time_before = 1, 0.0
    if cont is not None:
        opt.load_state_dict(cont["opt"])
        rng.bit_generator.state = cont["np_rng"]
        torch.set_rng_state(cont["torch_rng"])
        first_step, time_before = cont["run_step"] + 1, cont["elapsed"]

    def batch(stream, n):
        starts = rng.integers(0, len(stream) - ctx - 1, size=n)
        x = np.stack([stream[s:s + ctx + 1] for s in starts]).astype(np.int64)
        return torch.from_numpy(x[:, :-1]), torch.from_numpy(x[:, 1:])

    @torch.no_grad()
    def heldout_loss(held=held, n_batches=20):
        model.eval()
        g = np.random.default_rng(99)
        losses = []
        for _ in range(n_batches):
            starts = g.integers(0, len(held) - ctx - 1, size=16)
            x = torch.from_numpy(np.stack([held[s:s + ctx + 1] for s in starts]).astype(np.int64))
            logits = model(x[:, :-1])
            losses.append(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1)).item())
        model.train()
        return float(np.mean(losses))

    t0 = time.time() - time_before  # elapsed time carries over a --continue
    last_ckpt = time.time()
    step = first_step - 1
    for step in range(first_step, args.steps + 1):
        if args.anneal:  # Adam's moments restart: 20 warm-up steps, then linear decay
            # With --max-minutes the decay follows whichever budget runs out first, so a
            # time-bounded run still ends annealed.
            progress = step / args.steps
            if args.max_minutes:
                progress = max(progress, (time.time() - t0) / (args.max_minutes * 60))
            lr = args.lr * min(1.0, step / 20) * (1 - 0.95 * min(1.0, progress))
        elif step <= args.warmup:
            lr = args.lr * step / args.warmup
        else:
            frac = (step - args.warmup) / max(1, args.steps - args.warmup)
            lr = args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batch(train, args.batch)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        elapsed = time.time() - t0
        if args.speed_test and step == 20:
            print(f"speed: {20 * args.batch * ctx / elapsed:.0f} tokens/s, {elapsed / 20:.3f} s/step")
            return
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.3f} lr {lr:.2e} {elapsed / 60:.1f} min", flush=True)
        done = step == args.steps or (args.max_minutes and elapsed > args.max_minutes * 60)
        if step % args.ckpt_every == 0 or done or time.time() - last_ckpt > 300:
            if step % (3 * args.ckpt_every) == 0 or done:  # ~40 s of forward passes
                hl = heldout_loss(held, 10)
                ol = heldout_loss(ood, 10) if ood is not None else float("nan")
            else:
                hl = ol = float("nan")
            print(f"step {step} heldout loss {hl:.3f} ppl {math.exp(hl):.1f} ood loss {ol:.3f} "
                  f"ppl {math.exp(ol):.1f}", flush=True)
            torch.save({"model": model.state_dict(), "hparams": HPARAMS, "step": start_step + step,
                        "run_step": step, "elapsed": time.time() - t0, "opt": opt.state_dict(),
                        "np_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                        "args": vars(args), "heldout_loss": hl, "ood_loss": ol},
                       os.path.join(args.data, "ckpt.pt.tmp"))
            os.replace(os.path.join(args.data, "ckpt.pt.tmp"), os.path.join(args.data, "ckpt.pt"))
            last_ckpt = time.time()
        if done:
            break
    print(json.dumps({"final_step": step, "minutes": (time.time() - t0) / 60}), flush=True)


if __name__ == "__main__":
    main()
