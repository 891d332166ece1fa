"""Read and write .perch files (safetensors + perch metadata), byte-identical to the C++ writer.

The canonical layout is described in docs/model-format.md. Only numpy is needed, so this module
works in the test path (no torch).

    from perch_format import write_perch, read_perch, quantize_int8_per_channel
    write_perch("m.perch", {"fc.weight": w}, {"perch.graph": json.dumps(graph)})
    tensors, metadata = read_perch("m.perch")
"""
from __future__ import annotations

import json
import struct

import numpy as np

_DTYPES = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I32": np.dtype("<i4"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def canonical_json(obj) -> str:
    """JSON as perch writes it: sorted keys, no spaces, raw UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sort_key(name: str) -> bytes:
    return name.encode("utf-8")


def to_bytes(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    header: dict = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(f"metadata {k!r}: keys and values must be str")
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name in sorted(tensors, key=_sort_key):
        if name == "__metadata__":
            raise ValueError("a tensor cannot be named __metadata__")
        arr = np.asarray(tensors[name])
        dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder not in ("<", "=", "|") else arr.dtype
        if dt not in _NAMES:
            raise TypeError(f"tensor {name!r}: unsupported dtype {arr.dtype}")
        data = np.ascontiguousarray(arr, dtype=dt).tobytes()
        header[name] = {
            "data_offsets": [offset, offset + len(data)],
            "dtype": _NAMES[dt],
            "shape": [int(d) for d in arr.shape],
        }
        blobs.append(data)
        offset += len(data)
    # Sort keys by UTF-8 bytes (Python's str sort is code-point order, identical for UTF-8).
    text = canonical_json(header).encode("utf-8")
    pad = (-(8 + len(text))) % 8
    text += b" " * pad
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_perch(path: str, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    with open(path, "wb") as f:
        f.write(to_bytes(tensors, metadata))


def from_bytes(buf: bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    if len(buf) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > len(buf) - 8:
        raise ValueError(f"header length {n} runs past the end of the file ({len(buf)} bytes)")
    header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    data = memoryview(buf)[8 + n :]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        dt = _DTYPES[info["dtype"]]
        b, e = info["data_offsets"]
        if not (0 <= b <= e <= len(data)):
            raise ValueError(f"tensor {name!r}: data_offsets [{b}, {e}) outside the data")
        shape = tuple(info["shape"])
        arr = np.frombuffer(data[b:e], dtype=dt)
        tensors[name] = arr.reshape(shape).copy()
    return tensors, metadata


def read_perch(path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    with open(path, "rb") as f:
        return from_bytes(f.read())


def quantize_int8_per_channel(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-row int8: w[n, :] ~= q[n, :] * scale[n]. Rows of zeros get scale 1."""
    w = np.asarray(w, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError("quantize_int8_per_channel expects a 2-D [N, K] weight")
    amax = np.abs(w).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale
