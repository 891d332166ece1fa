#!/usr/bin/python3
"""Converts a .perch model's graph to an ONNX model (opset 17) that computes the same outputs.

    perch_to_onnx.py MODEL.perch OUT.onnx

Weights: int8 weights with per-row scales are stored pre-dequantized as f32 (W * W.scale), f16
weights as f32, so any ONNX runtime runs the model without perch's kernels. Every op of
docs/ops.md maps to standard ONNX ops (Gelu, RMSNorm and Attention are decomposed, since opset 17
has no such ops). An Attention with a KV cache (`cache: c`) becomes explicit state: inputs
`past_key.c` / `past_value.c` [P, Hkv*Dh] and outputs `present_key.c` / `present_value.c`
[P+S, Hkv*Dh]; feed the presents back as the next call's pasts (P=0: empty [0, Hkv*Dh]).
EmbeddingBag is converted for one bag per call (offsets of shape [1]), which is how the
language-detection model runs.
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from perch_format import read_perch  # noqa: E402

OPSET = 17
_ONNX_DTYPES = {"f32": TensorProto.FLOAT, "f16": TensorProto.FLOAT16, "i32": TensorProto.INT32,
                "i8": TensorProto.INT8, "u8": TensorProto.UINT8}


class Converter:
    def __init__(self, tensors: dict[str, np.ndarray], graph: dict):
        self.tensors = tensors
        self.graph = graph
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, onnx.TensorProto] = {}
        self.extra_inputs: list[onnx.ValueInfoProto] = []
        self.extra_outputs: list[onnx.ValueInfoProto] = []
        self.counter = 0

    # ---- helpers ----
    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"_{hint}_{self.counter}"

    def node(self, op: str, inputs: list[str], outputs: list[str] | None = None, **attrs) -> str:
        outputs = outputs or [self.fresh(op.lower())]
        self.nodes.append(helper.make_node(op, inputs, outputs, **attrs))
        return outputs[0]

    def const(self, value, dtype=np.float32, hint="c") -> str:
        name = self.fresh(hint)
        self.initializers[name] = numpy_helper.from_array(np.asarray(value, dtype=dtype), name)
        return name

    def weight(self, name: str, transpose: bool = False) -> str:
        """A file tensor as an initializer: int8 dequantized with its .scale, f16 widened."""
        key = name + (".T" if transpose else "")
        if key in self.initializers:
            return key
        w = self.tensors[name]
        if w.dtype == np.int8 and name + ".scale" in self.tensors:
            scale = self.tensors[name + ".scale"].astype(np.float32)
            w = w.astype(np.float32) * scale.reshape((-1,) + (1,) * (w.ndim - 1))
        elif w.dtype == np.float16:
            w = w.astype(np.float32)
        if transpose:
            w = np.ascontiguousarray(w.T)
        self.initializers[key] = numpy_helper.from_array(w, key)
        return key

    def value(self, name: str) -> str:
        """A node input: a weight becomes an initializer, anything else is a graph value."""
        if name in self.tensors:
            return self.weight(name)
        return name

    def activation(self, x: str, kind: str, out: str) -> str:
        if kind in ("none", "", None):
            return self.node("Identity", [x], [out])
        if kind == "relu":
            return self.node("Relu", [x], [out])
        if kind == "silu":
            return self.node("Mul", [x, self.node("Sigmoid", [x])], [out])
        if kind in ("gelu", "gelu_erf"):
            # 0.5 x (1 + erf(x / sqrt 2))
            e = self.node("Erf", [self.node("Mul", [x, self.const(1 / math.sqrt(2))])])
            h = self.node("Mul", [x, self.node("Add", [e, self.const(1.0)])])
            return self.node("Mul", [h, self.const(0.5)], [out])
        if kind == "gelu_tanh":
            # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            x3 = self.node("Mul", [self.node("Mul", [x, x]), x])
            inner = self.node("Add", [x, self.node("Mul", [x3, self.const(0.044715)])])
            t = self.node("Tanh", [self.node("Mul", [inner, self.const(math.sqrt(2 / math.pi))])])
            h = self.node("Mul", [x, self.node("Add", [t, self.const(1.0)])])
            return self.node("Mul", [h, self.const(0.5)], [out])
        raise ValueError(f"activation {kind!r} has no ONNX form")

    # ---- ops ----
    def op_FullyConnected(self, ins, outs, attrs):
        y = self.node("MatMul", [self.value(ins[0]), self.weight(ins[1], transpose=True)])
        if len(ins) > 2 and ins[2]:
            y = self.node("Add", [y, self.value(ins[2])])
        self.activation(y, attrs.get("activation", "none"), outs[0])

    def op_MatMul(self, ins, outs, attrs):
        self.node("MatMul", [self.value(ins[0]), self.value(ins[1])], outs)

    def _binary(op):  # noqa: N805
        def f(self, ins, outs, attrs):
            self.node(op, [self.value(ins[0]), self.value(ins[1])], outs)
        return f

    op_Add, op_Sub, op_Mul, op_Div = _binary("Add"), _binary("Sub"), _binary("Mul"), _binary("Div")

    def _unary(op):  # noqa: N805
        def f(self, ins, outs, attrs):
            self.node(op, [self.value(ins[0])], outs)
        return f

    op_Relu, op_Tanh, op_Sigmoid = _unary("Relu"), _unary("Tanh"), _unary("Sigmoid")

    # The ops that came with the ONNX importer map back one to one.
    op_Pow, op_Equal, op_Less, op_Greater = _binary("Pow"), _binary("Equal"), _binary("Less"), _binary("Greater")
    op_Sqrt, op_Reciprocal, op_Neg, op_Abs = _unary("Sqrt"), _unary("Reciprocal"), _unary("Neg"), _unary("Abs")
    op_Exp, op_Log, op_Erf = _unary("Exp"), _unary("Log"), _unary("Erf")

    def op_Where(self, ins, outs, attrs):
        cond = self.node("Cast", [self.value(ins[0])], to=TensorProto.BOOL)
        self.node("Where", [cond, self.value(ins[1]), self.value(ins[2])], outs)

    def op_Expand(self, ins, outs, attrs):
        self.node("Expand", [self.value(ins[0]), self.const(attrs["shape"], np.int64)], outs)

    def op_Cast(self, ins, outs, attrs):
        self.node("Cast", [self.value(ins[0])], outs, to=_ONNX_DTYPES[attrs["to"]])

    def op_Clip(self, ins, outs, attrs):
        lo = self.const(float(attrs["min"])) if "min" in attrs else ""
        hi = self.const(float(attrs["max"])) if "max" in attrs else ""
        self.node("Clip", [self.value(ins[0]), lo, hi], outs)

    def op_LogSoftmax(self, ins, outs, attrs):
        self.node("LogSoftmax", [self.value(ins[0])], outs, axis=int(attrs.get("axis", -1)))

    def op_ReduceSum(self, ins, outs, attrs):
        args = [self.value(ins[0])] + ([self.const(list(attrs["axes"]), np.int64)] if attrs.get("axes") else [])
        self.node("ReduceSum", args, outs, keepdims=int(attrs.get("keepdims", 1)))

    def op_ReduceMax(self, ins, outs, attrs):
        kw = {"keepdims": int(attrs.get("keepdims", 1))}
        if attrs.get("axes"):
            kw["axes"] = list(attrs["axes"])
        self.node("ReduceMax", [self.value(ins[0])], outs, **kw)

    def op_ArgMax(self, ins, outs, attrs):
        idx = self.node("ArgMax", [self.value(ins[0])], axis=int(attrs.get("axis", 0)),
                        keepdims=int(attrs.get("keepdims", 1)), select_last_index=int(attrs.get("select_last_index", 0)))
        self.node("Cast", [idx], outs, to=TensorProto.INT32)  # perch's ArgMax gives i32

    def op_Silu(self, ins, outs, attrs):
        self.activation(self.value(ins[0]), "silu", outs[0])

    def op_Gelu(self, ins, outs, attrs):
        kind = "gelu_tanh" if attrs.get("approximate", "none") == "tanh" else "gelu"
        self.activation(self.value(ins[0]), kind, outs[0])

    def op_Softmax(self, ins, outs, attrs):
        self.node("Softmax", [self.value(ins[0])], outs, axis=int(attrs.get("axis", -1)))

    def op_LayerNorm(self, ins, outs, attrs):
        args = [self.value(ins[0]), self.value(ins[1])]
        if len(ins) > 2 and ins[2]:
            args.append(self.value(ins[2]))
        self.node("LayerNormalization", args, outs, axis=-1, epsilon=float(attrs.get("epsilon", 1e-5)))

    def op_RMSNorm(self, ins, outs, attrs):
        x = self.value(ins[0])
        ms = self.node("ReduceMean", [self.node("Mul", [x, x])], axes=[-1], keepdims=1)
        rms = self.node("Sqrt", [self.node("Add", [ms, self.const(float(attrs.get("epsilon", 1e-6)))])])
        self.node("Mul", [self.node("Div", [x, rms]), self.value(ins[1])], outs)

    def op_Gather(self, ins, outs, attrs):
        self.node("Gather", [self.value(ins[0]), self.value(ins[1])], outs, axis=int(attrs.get("axis", 0)))

    def op_EmbeddingBag(self, ins, outs, attrs):
        offsets = self._input_info(ins[2])
        if offsets is None or offsets["shape"] != [1]:
            raise ValueError("EmbeddingBag: only one bag per call (offsets of shape [1]) converts to ONNX")
        rows = self.node("Gather", [self.weight(ins[0]), self.value(ins[1])], axis=0)  # [n, D]
        total = self.node("ReduceSum", [rows, self.const([0], np.int64)], keepdims=1)  # [1, D]; 0 when n = 0
        if attrs.get("mode", "mean") == "sum":
            self.node("Identity", [total], outs)
            return
        n = self.node("Cast", [self.node("Shape", [self.value(ins[1])])], to=TensorProto.FLOAT)
        self.node("Div", [total, self.node("Max", [n, self.const([1.0])])], outs)

    def op_Reshape(self, ins, outs, attrs):
        self.node("Reshape", [self.value(ins[0]), self.const(attrs["shape"], np.int64)], outs)

    def op_Transpose(self, ins, outs, attrs):
        kw = {"perm": list(attrs["perm"])} if "perm" in attrs else {}
        self.node("Transpose", [self.value(ins[0])], outs, **kw)

    def op_Concat(self, ins, outs, attrs):
        self.node("Concat", [self.value(i) for i in ins], outs, axis=int(attrs["axis"]))

    def op_Slice(self, ins, outs, attrs):
        starts, ends = attrs["starts"], attrs["ends"]
        axes = attrs.get("axes", list(range(len(starts))))
        steps = attrs.get("steps", [1] * len(starts))
        self.node("Slice", [self.value(ins[0]), self.const(starts, np.int64), self.const(ends, np.int64),
                            self.const(axes, np.int64), self.const(steps, np.int64)], outs)

    def op_ReduceMean(self, ins, outs, attrs):
        kw = {"keepdims": int(attrs.get("keepdims", 1))}
        if attrs.get("axes"):
            kw["axes"] = list(attrs["axes"])
        self.node("ReduceMean", [self.value(ins[0])], outs, **kw)

    def op_Attention(self, ins, outs, attrs):
        heads = int(attrs["num_heads"])
        kv_heads = int(attrs.get("num_kv_heads", heads))
        causal = int(attrs.get("causal", 1))
        q, k, v = (self.value(i) for i in ins[:3])
        width = self._width(ins[1])  # Hkv * Dh
        dh = width // kv_heads
        if "cache" in attrs:
            slot = int(attrs["cache"])
            past_k, past_v = f"past_key.{slot}", f"past_value.{slot}"
            present_k, present_v = f"present_key.{slot}", f"present_value.{slot}"
            for name in (past_k, past_v):
                self.extra_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["past", width]))
            for name in (present_k, present_v):
                self.extra_outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["total", width]))
            k = self.node("Concat", [past_k, k], [present_k], axis=0)
            v = self.node("Concat", [past_v, v], [present_v], axis=0)
            past_len = self.node("Slice", [self.node("Shape", [past_k]), self.const([0], np.int64),
                                           self.const([1], np.int64)])
        else:
            past_len = self.const([0], np.int64)

        def heads_first(x, h):  # [T, h*Dh] -> [h, T, Dh]
            r = self.node("Reshape", [x, self.const([0, h, dh], np.int64)])
            return self.node("Transpose", [r], perm=[1, 0, 2])

        qh = heads_first(q, heads)
        kh, vh = heads_first(k, kv_heads), heads_first(v, kv_heads)
        if kv_heads != heads:  # query head h reads kv head h // (H / Hkv)
            group = heads // kv_heads
            def repeat(x):
                x4 = self.node("Unsqueeze", [x, self.const([1], np.int64)])  # [Hkv, 1, T, Dh]
                shape = self.node("Concat", [self.const([kv_heads, group], np.int64),
                                             self.node("Slice", [self.node("Shape", [x]), self.const([1], np.int64),
                                                                 self.const([3], np.int64)])], axis=0)
                return self.node("Reshape", [self.node("Expand", [x4, shape]), self.const([heads, -1, dh], np.int64)])
            kh, vh = repeat(kh), repeat(vh)
        scores = self.node("MatMul", [qh, self.node("Transpose", [kh], perm=[0, 2, 1])])  # [H, S, T]
        scores = self.node("Mul", [scores, self.const(1.0 / math.sqrt(dh))])
        if causal:
            s_len = self.node("Slice", [self.node("Shape", [q]), self.const([0], np.int64), self.const([1], np.int64)])
            t_len = self.node("Slice", [self.node("Shape", [k]), self.const([0], np.int64), self.const([1], np.int64)])
            zero, one = self.const(0, np.int64), self.const(1, np.int64)
            rows = self.node("Add", [self.node("Range", [zero, self.node("Squeeze", [s_len]), one]),
                                     self.node("Squeeze", [past_len])])
            cols = self.node("Range", [zero, self.node("Squeeze", [t_len]), one])
            future = self.node("Greater", [self.node("Unsqueeze", [cols, self.const([0], np.int64)]),
                                           self.node("Unsqueeze", [rows, self.const([1], np.int64)])])  # [S, T]
            scores = self.node("Where", [future, self.const(-np.inf), scores])
        probs = self.node("Softmax", [scores], axis=-1)
        ctx = self.node("MatMul", [probs, vh])  # [H, S, Dh]
        ctx = self.node("Transpose", [ctx], perm=[1, 0, 2])
        self.node("Reshape", [ctx, self.const([0, heads * dh], np.int64)], outs)

    # ---- graph ----
    def _input_info(self, name):
        for i in self.graph["inputs"]:
            if i["name"] == name:
                return i
        return None

    def _width(self, name):
        """Last dim of a value: known for graph inputs and FullyConnected/Gather outputs."""
        info = self._input_info(name)
        if info is not None:
            return int(info["shape"][-1])
        for n in self.graph["nodes"]:
            if name in n["outputs"]:
                if n["op"] == "FullyConnected":
                    return int(self.tensors[n["inputs"][1]].shape[0])
                if n["op"] in ("Add", "Sub", "Mul", "Div", "LayerNorm", "RMSNorm", "Relu", "Gelu", "Silu",
                               "Tanh", "Sigmoid", "Softmax"):
                    return self._width(n["inputs"][0])
                if n["op"] == "Reshape":
                    return int(n["attrs"]["shape"][-1])
        raise ValueError(f"cannot tell the width of {name!r}")

    def convert(self, name: str) -> onnx.ModelProto:
        for n in self.graph["nodes"]:
            handler = getattr(self, "op_" + n["op"], None)
            if handler is None:
                raise ValueError(f"op {n['op']!r} has no ONNX conversion")
            handler(n["inputs"], n["outputs"], n.get("attrs", {}) or {})
        inputs = [helper.make_tensor_value_info(i["name"], _ONNX_DTYPES[i["dtype"]],
                                                [d if d >= 0 else f"{i['name']}_{k}" for k, d in enumerate(i["shape"])])
                  for i in self.graph["inputs"]] + self.extra_inputs
        # Output types (and shapes) come from shape inference below: ArgMax or Equal outputs are not f32.
        outputs = [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in self.graph["outputs"]]
        outputs += self.extra_outputs
        g = helper.make_graph(self.nodes, name, inputs, outputs, list(self.initializers.values()))
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="perch tools/convert/perch_to_onnx.py")
        model.ir_version = 8
        # Output shapes come from ONNX shape inference (the checker wants one on every output).
        inferred = onnx.shape_inference.infer_shapes(model)
        known = {vi.name: vi for vi in list(inferred.graph.value_info) + list(inferred.graph.output)}
        for out in model.graph.output:
            if not out.type.tensor_type.HasField("shape"):
                if out.name not in known or not known[out.name].type.tensor_type.HasField("shape"):
                    raise ValueError(f"cannot infer the shape of output {out.name!r}")
                out.type.CopyFrom(known[out.name].type)  # dtype too: i32/u8 outputs (ArgMax, Equal)
        onnx.checker.check_model(model, full_check=True)
        return model


def convert_file(path: str) -> tuple[onnx.ModelProto, dict[str, str]]:
    tensors, metadata = read_perch(path)
    graph = json.loads(metadata["perch.graph"])
    name = os.path.splitext(os.path.basename(path))[0]
    model = Converter(tensors, graph).convert(name)
    for key in ("perch.task", "perch.license", "perch.source", "perch.labels"):
        if key in metadata:
            entry = model.metadata_props.add()
            entry.key, entry.value = key, metadata[key]
    return model, metadata


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    model, _ = convert_file(argv[1])
    onnx.save(model, argv[2])
    print(f"{argv[1]} -> {argv[2]} ({len(model.graph.node)} ONNX nodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
