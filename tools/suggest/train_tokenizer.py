#!/usr/bin/python3
"""Trains the suggestion tokenizer: sentencepiece BPE, 4096 pieces, byte fallback.

Normalisation is `identity` with no extra-whitespace removal, so the C++ tokenizer
(src/perch/text/tokenizer.*) reproduces the encoding exactly: ' ' becomes U+2581 and a dummy
U+2581 is prepended; everything else is the input's own code points. Digits are split.

    /usr/bin/python3 tools/suggest/train_tokenizer.py  ->  data/suggest/spm.model (+ .vocab)
"""
import argparse

import sentencepiece as spm

ap = argparse.ArgumentParser()
ap.add_argument("--corpus", default="data/suggest/train.txt")
ap.add_argument("--prefix", default="data/suggest/spm")
ap.add_argument("--vocab-size", type=int, default=4096)
args = ap.parse_args()

spm.SentencePieceTrainer.train(
    input=args.corpus,
    model_prefix=args.prefix,
    model_type="bpe",
    vocab_size=args.vocab_size,
    character_coverage=0.9995,
    byte_fallback=True,
    normalization_rule_name="identity",
    remove_extra_whitespaces=False,
    add_dummy_prefix=True,
    split_digits=True,
    split_by_whitespace=True,
    unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
    input_sentence_size=2000000,
    shuffle_input_sentence=True,
    seed_sentencepiece_size=1000000,
    num_threads=1,
    minloglevel=1,
)
print("wrote", args.prefix + ".model")
