#!/usr/bin/python3
"""Exports .perch models as a Triton (or KServe) model repository of ONNX models.

    triton_repo.py --models DIR --out REPO [NAME ...]

For each DIR/*.perch and DIR/*/*.perch (or only the NAMEs given):
    REPO/<name>/config.pbtxt      platform "onnxruntime_onnx", inputs/outputs with dtypes and dims
    REPO/<name>/1/model.onnx      tools/convert/perch_to_onnx.py's conversion
Triton and KServe (with its Triton or ONNX runtime) then serve each model over the Open
Inference Protocol v2 at /v2/models/<name>/infer, the protocol perch-server speaks for raw
graphs at /v2/models/<name>.graph/infer.
"""
from __future__ import annotations

import argparse
import os
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perch_to_onnx import convert_file  # noqa: E402

_TRITON_TYPES = {
    onnx.TensorProto.FLOAT: "TYPE_FP32", onnx.TensorProto.FLOAT16: "TYPE_FP16",
    onnx.TensorProto.INT32: "TYPE_INT32", onnx.TensorProto.INT64: "TYPE_INT64",
    onnx.TensorProto.INT8: "TYPE_INT8", onnx.TensorProto.UINT8: "TYPE_UINT8",
}


def _dims(value_info) -> list[int]:
    return [d.dim_value if d.HasField("dim_value") else -1 for d in value_info.type.tensor_type.shape.dim]


def _tensor_block(kind: str, value_infos) -> str:
    entries = []
    for vi in value_infos:
        dims = _dims(vi)
        entries.append(
            "  {\n"
            f'    name: "{vi.name}"\n'
            f"    data_type: {_TRITON_TYPES[vi.type.tensor_type.elem_type]}\n"
            f"    dims: [ {', '.join(str(d) for d in dims)} ]\n"
            "  }")
    return f"{kind} [\n" + ",\n".join(entries) + "\n]\n"


def config_pbtxt(name: str, model: onnx.ModelProto) -> str:
    initializers = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    stateful = any(i.name.startswith("past_key.") for i in inputs)
    text = (f'name: "{name}"\n'
            'platform: "onnxruntime_onnx"\n'
            "# perch models take whole sequences (no batch dimension of Triton's own).\n"
            "max_batch_size: 0\n")
    text += _tensor_block("input", inputs)
    text += _tensor_block("output", model.graph.output)
    text += "instance_group [ { kind: KIND_CPU, count: 1 } ]\n"
    if stateful:
        text += ("# The KV cache is explicit: send past_key.N / past_value.N (empty [0, width] at the\n"
                 "# start) and pass the returned present_key.N / present_value.N back next time.\n")
    return text


def find_models(models_dir: str) -> dict[str, str]:
    found = {}
    for root, dirs, files in os.walk(models_dir):
        depth = os.path.relpath(root, models_dir).count(os.sep) + (root != models_dir)
        if depth >= 1:
            dirs[:] = []
        for f in sorted(files):
            if f.endswith(".perch"):
                found.setdefault(f[: -len(".perch")], os.path.join(root, f))
    return found


def export(models_dir: str, out: str, names: list[str]) -> list[str]:
    models = find_models(models_dir)
    if names:
        missing = [n for n in names if n not in models]
        if missing:
            raise SystemExit(f"no such model(s) in {models_dir}: {', '.join(missing)}")
        models = {n: models[n] for n in names}
    written = []
    for name, path in sorted(models.items()):
        model, _ = convert_file(path)
        os.makedirs(os.path.join(out, name, "1"), exist_ok=True)
        onnx.save(model, os.path.join(out, name, "1", "model.onnx"))
        with open(os.path.join(out, name, "config.pbtxt"), "w") as f:
            f.write(config_pbtxt(name, model))
        written.append(name)
        print(f"{path} -> {os.path.join(out, name)}")
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    export(args.models, args.out, args.names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
