#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/TARGET/) and is kept so that they can
be regenerated: small valid and hostile models, texts, tokenizer JSON and server requests. The
fuzzers add what they find to build/fuzz-corpus/, never here."""
import hashlib
import json
import os
import random
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import perch_format  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(15)


def put(target, data, name=None):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def model(graph, tensors=None, meta=None):
    m = {"perch.format": "1", "perch.graph": json.dumps(graph)}
    m.update(meta or {})
    return perch_format.to_bytes(tensors or {}, m)


def raw_seed(bytes_, mode=1):
    return bytes([mode]) + bytes(rng.randrange(256) for _ in range(8)) + bytes_


f32 = np.float32
# ---- (a) model_load: raw models (mode 1 / 3) and generator choices (mode 0 / 2) ----
mlp = model({"inputs": [{"name": "x", "dtype": "f32", "shape": [-1, 4], "max_shape": [16, 4]}], "outputs": ["y"],
             "nodes": [{"op": "FullyConnected", "inputs": ["x", "w", "b"], "outputs": ["h"], "attrs": {"activation": "relu"}},
                       {"op": "FullyConnected", "inputs": ["h", "q"], "outputs": ["z"]},
                       {"op": "Softmax", "inputs": ["z"], "outputs": ["y"]}]},
            {"w": np.ones((8, 4), f32), "b": np.zeros(8, f32), "q": np.ones((3, 8), np.int8), "q.scale": np.full(3, 0.1, f32)})
put("model_load", raw_seed(mlp), "mlp")
put("model_load", raw_seed(mlp, 3), "mlp-reference")
hostile1 = model({"inputs": [{"name": "x", "dtype": "f32", "shape": [-1, -1], "max_shape": [1990, 1000]}], "outputs": ["y"],
                  "nodes": [{"op": "Slice", "inputs": ["x"], "outputs": ["s"], "attrs": {"starts": [-1000], "ends": [1000], "axes": [0]}},
                            {"op": "Attention", "inputs": ["s", "s", "s"], "outputs": ["y"], "attrs": {"num_heads": 1}}]})
put("model_load", raw_seed(hostile1), "hostile1-slice-attention")
for heads, width in ((1, 1024), (1025, 1025)):
    put("model_load", raw_seed(model({"inputs": [{"name": "q", "dtype": "f32", "shape": [-1, width], "max_shape": [1, width]}],
                                      "outputs": ["y"], "nodes": [{"op": "Attention", "inputs": ["q", "q", "q"], "outputs": ["y"],
                                                                    "attrs": {"num_heads": heads, "cache": 0, "max_context": 1 << 20}}]})),
        f"hostile2-kv-{heads}-heads")
put("model_load", raw_seed(model({"inputs": [{"name": "x", "dtype": "f32", "shape": [-1, -1], "max_shape": [32768, 32768]}],
                                  "outputs": ["y"], "nodes": [{"op": "Relu", "inputs": ["x"], "outputs": ["y"]}]})), "hostile4-huge-arena")
emb = model({"inputs": [{"name": "ids", "dtype": "i32", "shape": [-1], "max_shape": [32]},
                        {"name": "offsets", "dtype": "i32", "shape": [-1], "max_shape": [4]}], "outputs": ["y"],
             "nodes": [{"op": "EmbeddingBag", "inputs": ["e", "ids", "offsets"], "outputs": ["b"], "attrs": {"mode": "sum"}},
                       {"op": "LayerNorm", "inputs": ["b", "g"], "outputs": ["n"]},
                       {"op": "Reshape", "inputs": ["n"], "outputs": ["r"], "attrs": {"shape": [-1]}},
                       {"op": "ReduceMean", "inputs": ["r"], "outputs": ["y"]}]},
            {"e": np.arange(40, dtype=f32).reshape(10, 4), "g": np.ones(4, f32)})
put("model_load", raw_seed(emb), "embedding-bag")
kv = model({"inputs": [{"name": "q", "dtype": "f32", "shape": [-1, 8], "max_shape": [4, 8]}], "outputs": ["y"],
            "nodes": [{"op": "Attention", "inputs": ["q", "q", "q"], "outputs": ["a"], "attrs": {"num_heads": 2, "cache": 0, "max_context": 8}},
                      {"op": "Transpose", "inputs": ["a"], "outputs": ["t"]},
                      {"op": "Concat", "inputs": ["t", "t"], "outputs": ["c"], "attrs": {"axis": 1}},
                      {"op": "Gelu", "inputs": ["c"], "outputs": ["y"], "attrs": {"approximate": "tanh"}}]})
put("model_load", raw_seed(kv), "attention-cache")
for i in range(8):
    put("model_load", bytes([2 * (i % 2)]) + bytes(rng.randrange(256) for _ in range(8 + 40 + 30 * i)), f"generated-{i}")

# ---- (b) tokenizer ----
texts = ["hello world", "The quick brown fox, isn't it?", "  spaces  and\ttabs\n", "caf\u00e9 na\u00efve \u65e5\u672c\u8a9e",
         "emoji \U0001F600 and \u200d joiners", "", "a" * 300]
for t in texts:
    put("tokenizer", b"\x01" + t.encode())
put("tokenizer", b"\x01" + b"bad \xc3\x28 utf8 \xed\xa0\x80", "invalid-utf8")
small_tok = json.dumps({"type": "bpe", "pieces": ["<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "ab", "<0x41>"],
                        "scores": [0, 0, 0, 0, -1, -2, -0.5, -0.7, 0], "types": [2, 3, 3, 1, 1, 1, 1, 1, 6],
                        "unk_id": 0, "bos_id": 1, "eos_id": 2, "add_dummy_prefix": True})
put("tokenizer", b"\x00" + small_tok.encode() + b"\x00ab aab ba", "small-tokenizer")
bytes_tok = json.dumps({"type": "bpe", "pieces": ["<unk>"] + [f"<0x{b:02X}>" for b in range(256)] + ["\u2581the"],
                        "scores": [0] * 257 + [-1], "types": [2] + [6] * 256 + [1]})
put("tokenizer", b"\x00" + bytes_tok.encode() + "\x00the \u00e9t\u00e9".encode(), "byte-tokenizer")

# ---- (c) ngram_utf8 ----
for t in texts + ["\xff\xfe", "\u0130stanbul \u00df \u03a3\u03a3"]:
    put("ngram_utf8", bytes([3, 0x31, 1, 64]) + t.encode("utf-8", "surrogatepass"))
for bad in (b"\xc0\xaf", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98", b"ok\x80"):
    put("ngram_utf8", bytes([1, 0x12, 0, 8]) + bad)

# ---- (d) text_suggester ----
for flags, text in ((0x0b, "the"), (0x1f, "then th"), (0x8d, "in the "), (0x03, "he"), (0x27, "\u00e9t\u00e9 a")):
    vals = bytes(rng.randrange(256) for _ in range(40))
    put("text_suggester", bytes([flags, rng.randrange(4), len(vals) - 1]) + vals + text.encode())
put("text_suggester", bytes([0x0b, 1, 0, 0]) + b"the", "all-nan")  # value 0 -> NaN everywhere
# NaN logits where the lexicon rejects the candidates (issue 15, case 3): typed prefixes of
# lexicon words, and a word outside it.
for text in (b"th", b"he", b"in th", b"zz", b"the q"):
    put("text_suggester", bytes([0x0b, 1, 0, 0]) + text, "nan-lexicon-" + text.decode().replace(" ", "_"))

# ---- (e) server_request: generated (byte 0 even: route byte 1, header byte 2) and raw ----
tiny_infer = {"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6, 7, 8]},
                         {"name": "ids", "shape": [2], "datatype": "INT32", "data": [0, 4]}]}
bodies = [(0, tiny_infer),
          (0, {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64", "data": [[0.5, 1e300, -1, 0]]},
                          {"name": "ids", "shape": [1], "datatype": "INT64", "data": [9]}], "outputs": [{"name": "e"}]}),
          (2, {"inputs": [{"name": "text", "shape": [2], "datatype": "BYTES", "data": ["bonjour le monde", "hello"]}],
               "parameters": {"top": 2}}),
          (3, {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["the "]}]}),
          (4, {"text": "Guten Morgen", "top": 3}),
          (4, {"texts": ["hola", "ciao", ""]}),
          (5, {"text": "I would like to", "count": 3, "maxWords": 2}),
          (5, {"texts": ["th", "in the"], "count": 1}),
          (1, {"inputs": [{"name": "ids", "shape": [3], "datatype": "INT32", "data": [1, 2, 3]},
                          {"name": "offsets", "shape": [1], "datatype": "INT32", "data": [0]}]})]
for route, body in bodies:
    put("server_request", bytes([0, route, 0]) + json.dumps(body).encode())
put("server_request", bytes([0, 6, 0]), "get-metadata")
put("server_request", bytes([0, 0, 6]) + b'{"inputs":[]}', "binary-header")
put("server_request", bytes([1, 0, 0]) + b"POST /v1/language:detect HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    b"Content-Length: 17\r\n\r\n{\"text\":\"salut\"}", "raw-detect")
put("server_request", bytes([1, 0, 0]) + b"GET /v2/models/tiny/versions/1 HTTP/1.1\r\nHost: localhost\r\n\r\n", "raw-get")
# ---- (f) json: documents the core reads, number and escape edge cases, near misses ----
json_seeds = {
    "graph": json.dumps({"inputs": [{"name": "x", "dtype": "f32", "shape": [-1, 4], "max_shape": [16, 4]}],
                         "outputs": ["y"], "nodes": [{"op": "Relu", "inputs": ["x"], "outputs": ["y"], "attrs": {}}]}),
    "tokenizer": small_tok,
    "numbers": "[0,-0,-0.0,1e2,1E-2,2.5e+3,9007199254740993,9223372036854775807,-9223372036854775808,"
               "18446744073709551616,1.7976931348623157e308,4.9406564584124654e-324,2.2250738585072011e-308,"
               "0.500000000000000166533453693773481063544750213623046875,1e-400,123456789012345678901234567890]",
    "escapes": '{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u00e9\\ud83d\\ude00","\u00e9t\u00e9":[true,false,null]}',
    "nested": "[" * 64 + "]" * 64,
    "too-deep": "[" * 65 + "]" * 65,
    "duplicate": '{"a":1,"b":2,"a":3}',
    "big-object": "{" + ",".join(f'"k{i}":{i}' for i in range(20)) + "}",
    "near-misses": '[1,]',
}
for name, text in json_seeds.items():
    put("json", text, name)
print("seeds written")
