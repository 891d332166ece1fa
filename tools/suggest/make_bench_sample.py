#!/usr/bin/python3
"""Picks the benchmark's evaluation texts from the held-out split (never trained on):
tools/suggest/heldout_sample.txt, 150 lines of 6-40 words, by a fixed seed. Committed, so
`make bench` needs no corpus build.

    /usr/bin/python3 tools/suggest/make_bench_sample.py
"""
import random

with open("data/suggest/heldout.txt", encoding="utf-8") as f:
    lines = [l.strip() for l in f if 6 <= len(l.split()) <= 40]
random.Random(7).shuffle(lines)
with open("tools/suggest/heldout_sample.txt", "w", encoding="utf-8") as out:
    out.write("\n".join(lines[:150]) + "\n")
print(f"{min(150, len(lines))} of {len(lines)} eligible held-out lines")
