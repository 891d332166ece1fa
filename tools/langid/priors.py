"""Per-language prior knowledge the task layer uses (written into the model's metadata by
tools/langid/set_task_metadata.py and by train.py's export):

SPEAKERS: total speakers (first + second language), millions, rounded, per label. Source:
Ethnologue 2023 figures as listed in Wikipedia's "List of languages by total number of speakers"
(and each language's own article for the smaller ones), read 2026-12; where a label is written
by fewer people than speak it (Latin, Sanskrit, Esperanto, Walloon, the Sardinian varieties) the
written community's estimate from the same articles. Only the order of magnitude matters: the
task layer uses speakers ** PRIOR_EXPONENT.

SCRIPTS: the writing systems (ISO 15924) each label is written in here, with the code-point
ranges of each; a language whose scripts cover under half of a text's letters is ruled out
(SRC: the scripts of the training text, tools/langid/build_data.py's script filter).
"""
SPEAKERS = {
    "af": 17.5, "ak": 11, "am": 57, "ar": 380, "as": 15, "ast": 0.35, "ay": 1.7, "az": 24, "be": 5,
    "bg": 8, "bn": 273, "bo": 1.2, "br": 0.2, "ca": 10, "chr": 0.002, "ckb": 6, "crh": 0.3, "cs": 11,
    "cy": 0.9, "da": 6, "de": 134, "dv": 0.34, "dz": 0.17, "el": 13.5, "en": 1500, "eo": 1, "es": 560,
    "et": 1.2, "eu": 0.9, "fa": 80, "fi": 5.8, "fo": 0.07, "fr": 310, "fur": 0.6, "fy": 0.47, "ga": 1.8,
    "gd": 0.06, "gl": 3.2, "gu": 62, "ha": 88, "he": 9.5, "hi": 610, "hr": 5.6, "hsb": 0.013, "ht": 13,
    "hu": 13, "hy": 6.7, "id": 200, "ig": 31, "is": 0.35, "it": 68, "ja": 123, "ka": 3.9, "kab": 6.5,
    "kk": 16, "km": 17, "kn": 59, "ko": 82, "ky": 5.5, "la": 0.05, "lg": 11, "ln": 40, "lo": 7.5,
    "lt": 2.8, "lv": 2, "mai": 14, "mg": 25, "mi": 0.19, "mk": 1.6, "ml": 38, "mn": 5.2, "mr": 99,
    "ms": 80, "my": 43, "ne": 32, "nl": 30, "no": 5.3, "nso": 15, "ny": 14, "oc": 0.1, "or": 40,
    "pa": 50, "pl": 40, "ps": 44, "pt": 264, "rm": 0.04, "ro": 24, "ru": 255, "rw": 15, "sa": 0.1,
    "sc": 1.0, "se": 0.025, "si": 17, "sk": 7, "sl": 2.5, "so": 22, "sq": 7.5, "sr": 8, "sv": 13,
    "sw": 72, "ta": 86, "te": 96, "tg": 8.5, "th": 61, "ti": 9.7, "tk": 7, "tl": 83, "tr": 90,
    "ts": 13.5, "tt": 5, "ug": 11, "uk": 33, "ur": 232, "uz": 32, "vi": 86, "wa": 0.6, "xh": 19,
    "yi": 0.6, "yo": 46, "zh": 1140, "zu": 28,
}

SCRIPT_RANGES = [  # [first, last, script]; letters outside every range are not counted
    (0x0041, 0x024F, "Latn"), (0x0250, 0x02AF, "Latn"), (0x0370, 0x03FF, "Grek"), (0x0400, 0x052F, "Cyrl"),
    (0x0530, 0x058F, "Armn"), (0x0590, 0x05FF, "Hebr"), (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"),
    (0x0780, 0x07BF, "Thaa"), (0x08A0, 0x08FF, "Arab"), (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"), (0x0B00, 0x0B7F, "Orya"), (0x0B80, 0x0BFF, "Taml"),
    (0x0C00, 0x0C7F, "Telu"), (0x0C80, 0x0CFF, "Knda"), (0x0D00, 0x0D7F, "Mlym"), (0x0D80, 0x0DFF, "Sinh"),
    (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Laoo"), (0x0F00, 0x0FFF, "Tibt"), (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, "Geor"), (0x1100, 0x11FF, "Hang"), (0x1200, 0x139F, "Ethi"), (0x13A0, 0x13FF, "Cher"),
    (0x1780, 0x17FF, "Khmr"), (0x1C80, 0x1C8F, "Cyrl"), (0x1C90, 0x1CBF, "Geor"), (0x1E00, 0x1EFF, "Latn"),
    (0x1F00, 0x1FFF, "Grek"), (0x2C60, 0x2C7F, "Latn"), (0x2D00, 0x2D2F, "Geor"), (0x2D80, 0x2DDF, "Ethi"),
    (0x2DE0, 0x2DFF, "Cyrl"), (0x3040, 0x309F, "Hira"), (0x30A0, 0x30FF, "Kana"), (0x3130, 0x318F, "Hang"),
    (0x31F0, 0x31FF, "Kana"), (0x3400, 0x4DBF, "Hani"), (0x4E00, 0x9FFF, "Hani"), (0xA640, 0xA69F, "Cyrl"),
    (0xA720, 0xA7FF, "Latn"), (0xA8E0, 0xA8FF, "Deva"), (0xAB30, 0xAB6F, "Latn"), (0xAB70, 0xABBF, "Cher"),
    (0xAC00, 0xD7AF, "Hang"), (0xF900, 0xFAFF, "Hani"), (0xFB1D, 0xFB4F, "Hebr"), (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"), (0xFF21, 0xFF5A, "Latn"), (0xFF66, 0xFF9F, "Kana"), (0x20000, 0x2FFFF, "Hani"),
]

_NON_LATIN = {
    "am": "Ethi", "ti": "Ethi", "ar": "Arab", "fa": "Arab", "ur": "Arab", "ps": "Arab", "ckb": "Arab",
    "ug": "Arab", "as": "Beng", "bn": "Beng", "mai": "Deva", "hi": "Deva", "mr": "Deva", "ne": "Deva",
    "sa": "Deva", "be": "Cyrl", "bg": "Cyrl", "kk": "Cyrl", "ky": "Cyrl", "mk": "Cyrl", "mn": "Cyrl",
    "ru": "Cyrl", "sr": "Cyrl", "tg": "Cyrl", "tt": "Cyrl", "uk": "Cyrl", "bo": "Tibt", "dz": "Tibt",
    "chr": "Cher", "dv": "Thaa", "el": "Grek", "gu": "Gujr", "he": "Hebr", "yi": "Hebr", "hy": "Armn",
    "ja": "Hani Hira Kana", "zh": "Hani", "ka": "Geor", "km": "Khmr", "kn": "Knda", "ko": "Hang",
    "lo": "Laoo", "ml": "Mlym", "my": "Mymr", "or": "Orya", "pa": "Guru", "si": "Sinh", "ta": "Taml",
    "te": "Telu", "th": "Thai",
}


def scripts_of(label: str) -> list[str]:
    return _NON_LATIN.get(label, "Latn").split()


# Task-layer calibration (src/perch/tasks/language_detector.h), tuned on the `dev` rows of
# tools/langid/everyday_phrases.tsv and the dev half of the held-out family snippets
# (tools/langid/tune_task_layer.py); never on the `test` rows.
CALIBRATION = {"prior_exponent": 0.3, "unknown_letters": 6.0, "unknown_scale": 0.5, "min_letters": 4.0}


def task_metadata(labels: list[str], calibration: dict | None = None) -> dict:
    """The `perch.priors` metadata entry: what the C++ task layer reads."""
    missing = [l for l in labels if l not in SPEAKERS]
    if missing:
        raise SystemExit(f"no speaker figure for {missing}")
    return {
        "version": 1,
        "speakers_millions": {l: SPEAKERS[l] for l in labels},
        "scripts": {l: scripts_of(l) for l in labels},
        "script_ranges": [[a, b, s] for a, b, s in SCRIPT_RANGES],
        **(calibration or CALIBRATION),
    }
