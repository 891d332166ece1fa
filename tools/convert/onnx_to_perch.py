#!/usr/bin/python3
"""Imports an ONNX model as a .perch model (`perch import-onnx` runs this).

    onnx_to_perch.py IN.onnx OUT.perch [--quantize int8] [--shape NAME=D0,D1,...]

What it does, in order (docs/import-onnx.md):
  1. reads and checks the model (a truncated file, a cycle, an unknown input or a huge dim is a
     clear error), sorts the nodes topologically;
  2. walks the nodes with a numpy twin of every supported op: a node whose inputs are all
     constants is folded (so Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains and
     Constant/ConstantOfShape/Range vanish), the others become perch ops; the twin also gives
     every value's static shape;
  3. fuses MatMul + Add into FullyConnected with a bias, the erf Gelu subgraph into Gelu (and
     into the FullyConnected before it), the LayerNorm subgraph into LayerNorm;
  4. INT64 values become i32 (constants are checked to fit; inputs are said to be narrowed);
  5. optionally quantizes FullyConnected and embedding weights to int8 per row;
  6. writes the file only when every node converted: otherwise one error lists every
     unsupported op and attr, and nothing is written.

Input shapes must be static: a dynamic dim (dim_param) needs --shape NAME=... . An input that
decides a shape (a Reshape shape, Slice starts, Squeeze axes ...) must be fixed with --freeze.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from perch_format import quantize_int8_per_channel, to_bytes  # noqa: E402

# The ONNX ops the importer maps (issue 18's list). Constant-only uses of others are not folded:
# an op outside this list is refused even when its inputs are constants.
SUPPORTED_OPS = sorted(
    "MatMul Gemm Add Sub Mul Div Pow Sqrt Reciprocal Neg Abs Exp Log Erf Relu Gelu Sigmoid Tanh "
    "Softmax LogSoftmax LayerNormalization ReduceMean ReduceSum ReduceMax Gather Reshape Flatten "
    "Transpose Concat Split Slice Squeeze Unsqueeze Cast Where Equal Less Greater Expand Identity "
    "Constant ConstantOfShape Shape Range ArgMax Dropout Clip".split())

# Ops folded when every input is a constant (torch exports masks built from constants this way),
# refused when one is computed at run time.
FOLD_ONLY_OPS = sorted("Not And Or Xor Trilu Tile Max Min Floor Ceil Sign CastLike".split())

MAX_ELEMENTS = 1 << 30  # the most elements perch plans for one value

# ONNX TensorProto data types -> numpy, and numpy -> perch dtype.
_ONNX_NP = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64,
            9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64, 4: np.uint16}
_ONNX_TYPE_NAMES = {0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16",
                    6: "INT32", 7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE",
                    12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16"}


def perch_dtype(dt) -> str | None:
    dt = np.dtype(dt)
    if dt == np.float32: return "f32"
    if dt == np.float16: return "f16"
    if dt in (np.int64, np.int32): return "i32"
    if dt in (np.bool_, np.uint8): return "u8"
    if dt == np.int8: return "i8"
    return None


class ImportFailed(Exception):
    """The model cannot be imported; str() is the whole message (every problem)."""


class Refused(Exception):
    """One node cannot be converted (an unsupported attr, a dtype, a value only known at run time)."""


# Inputs that decide shapes or attrs: they must fold to constants at import.
_CONST_INPUTS = {"Reshape": (1,), "Expand": (1,), "ConstantOfShape": (0,), "Range": (0, 1, 2),
                 "Slice": (1, 2, 3, 4), "Split": (1,), "Squeeze": (1,), "Unsqueeze": (1,), "ReduceSum": (1,)}


class Const:
    def __init__(self, arr, name: str | None = None):
        self.arr = np.asarray(arr)
        self.name = name  # the ONNX initializer it came from, for the weight's name


class Run:
    """A value computed at run time: its perch name, and a dummy array with its dtype and shape."""

    def __init__(self, pname: str, dummy):
        self.pname = pname
        self.arr = np.asarray(dummy)


def _attrs(node) -> dict:
    from onnx import helper
    out = {}
    for a in node.attribute:
        out[a.name] = helper.get_attribute_value(a)
    return out


def _np_type(onnx_type: int, what: str):
    if onnx_type not in _ONNX_NP:
        raise Refused(f"{what}: data type {_ONNX_TYPE_NAMES.get(onnx_type, onnx_type)} is not supported")
    return _ONNX_NP[onnx_type]


# ---- numpy twins of the ONNX ops: fold constants and give every value's shape ----

def _axes_list(v, rank):
    return [int(a) + rank if int(a) < 0 else int(a) for a in np.asarray(v).reshape(-1)]


def _reduce(fn, x, axes, keepdims, noop_empty):
    if axes is None or len(axes) == 0:
        if noop_empty:
            return x
        axes = list(range(x.ndim))
    axes = tuple(_axes_list(axes, x.ndim))
    if x.size == 0 and fn is np.max:
        shape = [1 if i in axes else d for i, d in enumerate(x.shape)]
        r = np.full(shape, -np.inf, x.dtype)
        return r if keepdims else r.reshape([d for i, d in enumerate(x.shape) if i not in axes])
    return fn(x, axis=axes, keepdims=bool(keepdims)).astype(x.dtype)


def _softmax(x, axis, log):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    s = np.sum(e, axis=axis, keepdims=True)
    return (x - m - np.log(s)) if log else e / s


def _fold_n(f, xs):
    r = xs[0]
    for v in xs[1:]:
        r = f(r, v)
    return r


def _erf(x):
    v = np.vectorize(math.erf, otypes=[np.float64])(x.astype(np.float64)) if x.size else x
    return np.asarray(v).astype(x.dtype)


class Importer:
    def __init__(self, model, input_shapes: dict[str, list[int]] | None = None, source: str = "",
                 frozen: dict[str, np.ndarray] | None = None):
        self.model = model
        self.frozen = frozen or {}
        self.graph = model.graph
        self.input_shapes = input_shapes or {}
        self.source = source
        self.opset = 13
        for imp in model.opset_import:
            if imp.domain in ("", "ai.onnx"):
                self.opset = imp.version
        self.env: dict[str, Const | Run] = {}
        self.nodes: list[dict] = []       # perch nodes
        self.weights: dict[str, np.ndarray] = {}
        self.weight_ids: dict[tuple, str] = {}
        self.names: set[str] = set()
        self.inputs: list[dict] = []
        self.notes: list[str] = []        # said on success (narrowed ints, fusions)
        self.problems: list[str] = []
        self.shapes: dict[str, list[int]] = {}  # static shape of every emitted value

    # ---- names and values ----
    def fresh(self, hint: str) -> str:
        base = hint or "v"
        name, k = base, 1
        while name in self.names:
            k += 1
            name = f"{base}/{k}"
        self.names.add(name)
        return name

    def weight(self, arr: np.ndarray, hint: str) -> str:
        arr = np.asarray(arr)
        pd = perch_dtype(arr.dtype)
        if pd is None:
            raise Refused(f"constant '{hint}' has dtype {arr.dtype}, which perch does not hold")
        if arr.dtype == np.int64:
            if arr.size and (arr.min() < -2**31 or arr.max() >= 2**31):
                raise Refused(f"constant '{hint}' has int64 values outside the i32 range "
                              f"[{arr.min()}, {arr.max()}]")
            arr = arr.astype(np.int32)
        elif arr.dtype == np.bool_:
            arr = arr.astype(np.uint8)
        arr = np.ascontiguousarray(arr)
        key = (arr.dtype.str, arr.shape, arr.tobytes()) if arr.size <= 4096 else (id(arr),)
        if key in self.weight_ids:
            return self.weight_ids[key]
        name = self.fresh(hint)
        self.weights[name] = arr
        self.weight_ids[key] = name
        return name

    def ref(self, v, hint="const") -> str:
        return v.pname if isinstance(v, Run) else self.weight(v.arr, v.name or hint)

    def emit(self, op: str, inputs: list, attrs: dict, dummy, name: str | None = None) -> Run:
        """Adds a perch node; inputs are Run/Const values or perch names ('' = absent)."""
        base = name or op.lower()
        names = [x if isinstance(x, str) else self.ref(x, f"{base}.in{k}") for k, x in enumerate(inputs)]
        out = self.fresh(base)
        self.nodes.append({"op": op, "inputs": names, "outputs": [out], "attrs": attrs})
        self.shapes[out] = list(np.asarray(dummy).shape)
        return Run(out, dummy)

    # ---- reading the model ----
    def check_and_sort(self):
        g = self.graph
        init_names = {t.name for t in g.initializer}
        known = set(init_names)
        for i in g.input:
            known.add(i.name)
        producers = {}
        for idx, n in enumerate(g.node):
            for o in n.output:
                if not o:
                    continue
                if o in producers or o in known:
                    raise ImportFailed(f"value '{o}' is produced twice (node '{n.name or n.op_type}')")
                producers[o] = idx
        for idx, n in enumerate(g.node):
            for i in n.input:
                if i and i not in known and i not in producers:
                    raise ImportFailed(f"node '{n.name or n.op_type}' reads '{i}', which nothing produces")
        for o in g.output:
            if o.name not in known and o.name not in producers:
                raise ImportFailed(f"graph output '{o.name}' is produced by no node")
        # Kahn's algorithm; what is left over sits on a cycle.
        deps = [set(producers[i] for i in n.input if i in producers) for n in g.node]
        users = [[] for _ in g.node]
        for idx, d in enumerate(deps):
            for p in d:
                users[p].append(idx)
        ready = [i for i, d in enumerate(deps) if not d]
        order = []
        remaining = [len(d) for d in deps]
        while ready:
            i = ready.pop(0)
            order.append(i)
            for u in users[i]:
                remaining[u] -= 1
                if remaining[u] == 0:
                    ready.append(u)
        if len(order) != len(g.node):
            cyc = [g.node[i].name or g.node[i].op_type for i in range(len(g.node)) if i not in set(order)]
            raise ImportFailed("the graph has a cycle through nodes " + ", ".join(cyc[:8]))
        return [g.node[i] for i in order]

    def read_inputs(self):
        from onnx import numpy_helper
        init_names = set()
        for t in self.graph.initializer:
            init_names.add(t.name)
            try:
                arr = numpy_helper.to_array(t)
            except Exception as e:  # noqa: BLE001 (a malformed tensor in any way)
                raise ImportFailed(f"initializer '{t.name}' cannot be read: {e}") from None
            if arr.dtype == object:
                self.problems.append(f"initializer '{t.name}': strings are not supported")
                continue
            self.env[t.name] = Const(arr, t.name)
        for vi in self.graph.input:
            if vi.name in init_names:
                continue
            if vi.name in self.frozen:  # an input fixed at import (--freeze): a constant
                self.env[vi.name] = Const(np.asarray(self.frozen[vi.name]))
                self.notes.append(f"input '{vi.name}' frozen to the given value")
                continue
            tt = vi.type.tensor_type
            if not vi.type.HasField("tensor_type"):
                self.problems.append(f"input '{vi.name}': only tensor inputs are supported")
                continue
            try:
                npt = _np_type(tt.elem_type, f"input '{vi.name}'")
            except Refused as e:
                self.problems.append(str(e))
                continue
            pd = perch_dtype(npt)
            if pd is None:
                self.problems.append(f"input '{vi.name}': data type {_ONNX_TYPE_NAMES.get(tt.elem_type)} is not supported")
                continue
            if vi.name in self.input_shapes:
                dims = [int(d) for d in self.input_shapes[vi.name]]
            else:
                if not tt.HasField("shape"):
                    self.problems.append(f"input '{vi.name}' has no shape: give --shape {vi.name}=D0,D1,...")
                    continue
                dims = []
                for k, d in enumerate(tt.shape.dim):
                    if d.HasField("dim_value") and d.dim_value >= 0:
                        dims.append(int(d.dim_value))
                    else:
                        label = d.dim_param or "?"
                        self.problems.append(f"input '{vi.name}' dim {k} is dynamic ('{label}'): give "
                                             f"--shape {vi.name}=D0,D1,... (perch plans static shapes)")
                        dims = None
                        break
                if dims is None:
                    continue
            if len(dims) > 6:
                self.problems.append(f"input '{vi.name}' has rank {len(dims)}; perch allows 6")
                continue
            n = 1
            for d in dims:
                if d < 0:
                    raise ImportFailed(f"input '{vi.name}' has a negative dim {d}")
                n *= d
            if n > MAX_ELEMENTS:
                raise ImportFailed(f"input '{vi.name}' has {n} elements (dims {dims}); perch allows {MAX_ELEMENTS}")
            if npt == np.int64 or npt == np.int32:
                if npt == np.int64:
                    self.notes.append(f"input '{vi.name}' is INT64 in ONNX and i32 in perch: pass ids as int32 "
                                      f"(perch run --inputs-npz narrows int64 arrays whose values fit)")
            self.names.add(vi.name)
            self.inputs.append({"name": vi.name, "dtype": pd, "shape": dims})
            self.env[vi.name] = Run(vi.name, np.zeros(dims, npt))

    # ---- the walk ----
    def run(self):
        order = self.check_and_sort()
        self.read_inputs()
        # Every unsupported op, up front: the message lists them all.
        unsupported: dict[str, list[str]] = {}
        for n in order:
            op = n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}"
            if op not in SUPPORTED_OPS and op not in FOLD_ONLY_OPS:
                unsupported.setdefault(op, []).append(n.name or n.output[0])
        for op, where in sorted(unsupported.items()):
            more = f" (+{len(where) - 3} more)" if len(where) > 3 else ""
            self.problems.append(f"op {op} is not supported (nodes {', '.join(where[:3])}{more})")
        poisoned = set()
        for n in order:
            label = f"node '{n.name or n.output[0]}' ({n.op_type})"
            if any(i in poisoned or (i and i not in self.env) for i in n.input) or \
                    (n.op_type not in SUPPORTED_OPS and n.op_type not in FOLD_ONLY_OPS) or \
                    n.domain not in ("", "ai.onnx"):
                poisoned.update(n.output)
                continue
            ins = [self.env[i] if i else None for i in n.input]
            try:
                outs = self.convert(n, ins, _attrs(n))
            except Refused as e:
                self.problems.append(f"{label}: {e}")
                poisoned.update(n.output)
                continue
            except ImportFailed:
                raise
            except Exception as e:  # noqa: BLE001 (a malformed node: wrong attr types, missing attrs ...)
                why = f"required attr {e} is missing" if isinstance(e, KeyError) else f"{type(e).__name__}: {e}"
                self.problems.append(f"{label}: cannot convert ({why})")
                poisoned.update(n.output)
                continue
            for name, v in zip(n.output, outs):
                if name:
                    if v.arr.size > MAX_ELEMENTS:
                        raise ImportFailed(f"{label}: output '{name}' has {v.arr.size} elements")
                    self.env[name] = v
        if self.problems:
            raise ImportFailed(self.refusal())
        outputs = []
        for o in self.graph.output:
            v = self.env[o.name]
            if isinstance(v, Run) and v.pname == o.name and o.name not in outputs and \
                    o.name not in [i["name"] for i in self.inputs]:
                outputs.append(o.name)
                continue
            # A constant, a graph input or a renamed value: copied into a node named as ONNX names it.
            if o.name in self.names:
                raise ImportFailed(f"graph output '{o.name}' clashes with a name the importer gave an "
                                   f"intermediate value; rename the output")
            src = self.ref(v, o.name + ".value") if isinstance(v, Const) else v.pname
            if isinstance(v, Const) and perch_dtype(v.arr.dtype) is None:
                raise ImportFailed(f"output '{o.name}': dtype {v.arr.dtype} is not supported")
            self.names.add(o.name)
            self.nodes.append({"op": "Expand", "inputs": [src], "outputs": [o.name],
                               "attrs": {"shape": list(v.arr.shape)}})
            outputs.append(o.name)
        self.outputs = outputs
        self.fuse()
        self.prune()

    def refusal(self) -> str:
        lines = [f"cannot import: {len(self.problems)} problem(s); nothing was written"]
        lines += [f"  - {p}" for p in self.problems]
        lines.append(f"supported ONNX ops: {' '.join(SUPPORTED_OPS)}")
        return "\n".join(lines)

    # ---- one node ----
    def convert(self, n, ins, a):
        op = n.op_type
        nout = len(n.output)
        # Constants in, constants out: fold with the numpy twin.
        if op == "Constant":
            return [Const(self.constant_value(a))]
        if all(v is None or isinstance(v, Const) for v in ins) and op not in ("Dropout",):
            vals = self.evaluate(n, [None if v is None else v.arr for v in ins], a)
            return [Const(x) for x in vals]
        for k in _CONST_INPUTS.get(op, ()):
            if k < len(ins) and isinstance(ins[k], Run) and not (op in ("Squeeze", "Unsqueeze", "ReduceSum") and self.opset < 13):
                raise Refused(f"input {k} ('{n.input[k]}') must be a constant, but it is computed at run time "
                              f"(perch plans static shapes)")
        dummies = self.evaluate(n, [None if v is None else v.arr for v in ins], a)
        if dummies and all(d.size == 0 for d in dummies):
            return [Const(d) for d in dummies]  # empty outputs: known from their shapes alone
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            raise Refused(f"{op} is folded only when its inputs are constants; here one is computed at run time")
        out = fn(n, ins, a, dummies)
        if len(out) < nout:
            out = out + [None] * (nout - len(out))
        for k, v in enumerate(out):
            if v is None and n.output[k]:
                raise Refused(f"output {k} ('{n.output[k]}') is not supported")
        return out

    def constant_value(self, a):
        from onnx import numpy_helper
        if "value" in a:
            return numpy_helper.to_array(a["value"])
        if "value_float" in a: return np.array(a["value_float"], np.float32)
        if "value_floats" in a: return np.array(a["value_floats"], np.float32)
        if "value_int" in a: return np.array(a["value_int"], np.int64)
        if "value_ints" in a: return np.array(a["value_ints"], np.int64)
        raise Refused("Constant: only value, value_float(s) and value_int(s) are supported")

    def const_input(self, ins, k, what):
        v = ins[k] if k < len(ins) else None
        if v is None:
            return None
        if not isinstance(v, Const):
            raise Refused(f"{what} must be a constant (it is computed at run time)")
        return v.arr

    # The numpy twin of each op: constants fold, dummies give shapes and dtypes.
    def evaluate(self, n, x, a):
        op = n.op_type
        with np.errstate(all="ignore"):
            if op in ("Add", "Sub", "Mul", "Div", "Pow"):
                p, q = x[0], x[1]
                if op == "Div" and np.issubdtype(p.dtype, np.integer):
                    qq = np.where(q == 0, 1, q)
                    r = np.trunc(p / qq).astype(p.dtype)
                    return [np.where(q == 0, 0, r).astype(p.dtype)]
                if op == "Pow":
                    return [np.power(p.astype(np.float64), q.astype(np.float64)).astype(p.dtype)]
                f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op]
                return [f(p, q).astype(np.result_type(p, q))]
            if op in ("Equal", "Less", "Greater"):
                f = {"Equal": np.equal, "Less": np.less, "Greater": np.greater}[op]
                return [f(x[0], x[1])]
            unary = {"Sqrt": np.sqrt, "Reciprocal": np.reciprocal, "Neg": np.negative, "Abs": np.abs,
                     "Exp": np.exp, "Log": np.log, "Tanh": np.tanh, "Relu": lambda v: np.maximum(v, 0),
                     "Sigmoid": lambda v: 1 / (1 + np.exp(-v)), "Erf": _erf}
            if op in unary:
                return [np.asarray(unary[op](x[0])).astype(x[0].dtype)]
            if op == "Gelu":
                v = x[0].astype(np.float64)
                if a.get("approximate", b"none") in (b"tanh", "tanh"):
                    r = 0.5 * v * (1 + np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))
                else:
                    r = 0.5 * v * (1 + _erf(v / math.sqrt(2)))
                return [r.astype(x[0].dtype)]
            if op in ("Softmax", "LogSoftmax"):
                v = x[0]
                if self.opset < 13:
                    axis = a.get("axis", 1)
                    axis = axis + v.ndim if axis < 0 else axis
                    flat = v.reshape(int(np.prod(v.shape[:axis])), -1)
                    return [_softmax(flat, 1, op == "LogSoftmax").reshape(v.shape).astype(v.dtype)]
                return [_softmax(v, a.get("axis", -1), op == "LogSoftmax").astype(v.dtype)]
            if op == "Clip":
                lo = x[1] if len(x) > 1 and x[1] is not None else a.get("min", None)
                hi = x[2] if len(x) > 2 and x[2] is not None else a.get("max", None)
                v = x[0]
                if lo is not None: v = np.maximum(v, lo)
                if hi is not None: v = np.minimum(v, hi)
                return [v.astype(x[0].dtype)]
            if op in ("ReduceMean", "ReduceSum", "ReduceMax"):
                axes = a.get("axes", None)
                if op == "ReduceSum" and self.opset >= 13:
                    axes = x[1] if len(x) > 1 and x[1] is not None else None
                fn = {"ReduceMean": np.mean, "ReduceSum": np.sum, "ReduceMax": np.max}[op]
                return [_reduce(fn, x[0], None if axes is None else list(np.asarray(axes).reshape(-1)),
                                a.get("keepdims", 1), a.get("noop_with_empty_axes", 0))]
            if op == "ArgMax":
                v = x[0]
                axis = a.get("axis", 0)
                axis = axis + v.ndim if axis < 0 else axis
                if a.get("select_last_index", 0):
                    r = v.shape[axis] - 1 - np.argmax(np.flip(v, axis), axis=axis)
                else:
                    r = np.argmax(v, axis=axis)
                r = r.astype(np.int64)
                return [np.expand_dims(r, axis) if a.get("keepdims", 1) else r]
            if op == "MatMul":
                return [np.matmul(x[0], x[1])]
            if op == "Gemm":
                A = x[0].T if a.get("transA", 0) else x[0]
                B = x[1].T if a.get("transB", 0) else x[1]
                y = a.get("alpha", 1.0) * (A @ B)
                if len(x) > 2 and x[2] is not None:
                    y = y + a.get("beta", 1.0) * x[2]
                return [y.astype(x[0].dtype)]
            if op == "Gather":
                return [np.take(x[0], x[1].astype(np.int64), axis=a.get("axis", 0))]
            if op == "Reshape":
                shape = [int(d) for d in x[1].reshape(-1)]
                if not a.get("allowzero", 0):
                    shape = [x[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
                return [x[0].reshape(shape)]
            if op == "Flatten":
                axis = a.get("axis", 1)
                axis = axis + x[0].ndim if axis < 0 else axis
                return [x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)]
            if op == "Transpose":
                return [np.transpose(x[0], a.get("perm", None))]
            if op == "Concat":
                return [np.concatenate([v for v in x if v is not None], axis=a["axis"])]
            if op == "Split":
                v = x[0]
                axis = a.get("axis", 0)
                axis = axis + v.ndim if axis < 0 else axis
                split = x[1] if len(x) > 1 and x[1] is not None else a.get("split", None)
                if split is None:
                    k = len(n.output)
                    split = [v.shape[axis] // k] * k
                idx = np.cumsum([int(s) for s in split])[:-1]
                return np.split(v, idx, axis=axis)
            if op == "Slice":
                v = x[0]
                if self.opset < 10:
                    starts, ends = a["starts"], a["ends"]
                    axes = a.get("axes", list(range(len(starts))))
                    steps = [1] * len(starts)
                else:
                    starts, ends = x[1].reshape(-1), x[2].reshape(-1)
                    axes = x[3].reshape(-1) if len(x) > 3 and x[3] is not None else range(len(starts))
                    steps = x[4].reshape(-1) if len(x) > 4 and x[4] is not None else [1] * len(starts)
                sl = [slice(None)] * v.ndim
                for s, e, ax, st in zip(starts, ends, axes, steps):
                    ax = int(ax) + v.ndim if int(ax) < 0 else int(ax)
                    s, e, st = int(s), int(e), int(st)
                    dim = v.shape[ax]
                    if st < 0:
                        # numpy's slice end -1 would mean "the last": ONNX's clamped -1 means "before 0".
                        s = s + dim if s < 0 else s
                        e = e + dim if e < 0 else e
                        s = min(max(s, 0), dim - 1)
                        e = min(max(e, -1), dim - 1)
                        sl[ax] = slice(s, None if e < 0 else e, st)
                    else:
                        sl[ax] = slice(max(min(s, 2**62), -2**62), max(min(e, 2**62), -2**62), st)
                return [v[tuple(sl)]]
            if op in ("Squeeze", "Unsqueeze"):
                axes = a.get("axes", None) if self.opset < 13 else (x[1] if len(x) > 1 and x[1] is not None else None)
                v = x[0]
                if op == "Squeeze":
                    if axes is None:
                        return [np.squeeze(v)]
                    return [np.squeeze(v, axis=tuple(_axes_list(axes, v.ndim)))]
                rank = v.ndim + len(np.asarray(axes).reshape(-1))
                for ax in sorted(_axes_list(axes, rank)):
                    v = np.expand_dims(v, ax)
                return [v]
            if op == "Cast":
                to = _np_type(a["to"], "Cast 'to'")
                return [x[0].astype(to)]
            if op == "Where":
                return [np.where(x[0], x[1], x[2])]
            if op == "Expand":
                shape = [int(d) for d in x[1].reshape(-1)]
                return [x[0] * np.ones(shape, x[0].dtype)]
            if op in ("Identity",):
                return [x[0]]
            fold = {"Not": lambda: np.logical_not(x[0]), "And": lambda: np.logical_and(x[0], x[1]),
                    "Or": lambda: np.logical_or(x[0], x[1]), "Xor": lambda: np.logical_xor(x[0], x[1]),
                    "Floor": lambda: np.floor(x[0]), "Ceil": lambda: np.ceil(x[0]), "Sign": lambda: np.sign(x[0]),
                    "Max": lambda: _fold_n(np.maximum, x), "Min": lambda: _fold_n(np.minimum, x),
                    "Tile": lambda: np.tile(x[0], [int(r) for r in x[1].reshape(-1)]),
                    "CastLike": lambda: x[0].astype(x[1].dtype),
                    "Trilu": lambda: (np.triu if a.get("upper", 1) else np.tril)(
                        x[0], int(x[1].reshape(-1)[0]) if len(x) > 1 and x[1] is not None else 0)}
            if op in fold:
                return [np.asarray(fold[op]())]
            if op == "Dropout":
                return [x[0], np.ones(x[0].shape, np.bool_)]
            if op == "Shape":
                s = np.array(x[0].shape, np.int64)
                start, end = a.get("start", 0), a.get("end", None)
                return [s[start:end]]
            if op == "ConstantOfShape":
                from onnx import numpy_helper
                val = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
                shape = [int(d) for d in x[0].reshape(-1)]
                if int(np.prod(shape)) > MAX_ELEMENTS:
                    raise Refused(f"shape {shape} is too large")
                return [np.full(shape, val.reshape(-1)[0], val.dtype)]
            if op == "Range":
                start, limit, delta = (v.reshape(-1)[0] for v in x[:3])
                if delta == 0:
                    raise Refused("Range with delta 0")
                count = max(int(math.ceil((limit - start) / delta)), 0)
                if count > MAX_ELEMENTS:
                    raise Refused(f"Range of {count} elements")
                return [(start + np.arange(count) * delta).astype(x[0].dtype)]
            if op == "LayerNormalization":
                v = x[0]
                axis = a.get("axis", -1)
                axis = axis + v.ndim if axis < 0 else axis
                axes = tuple(range(axis, v.ndim))
                m = v.mean(axis=axes, keepdims=True)
                d = v - m
                inv = 1 / np.sqrt((d * d).mean(axis=axes, keepdims=True) + a.get("epsilon", 1e-5))
                y = d * inv * x[1]
                if len(x) > 2 and x[2] is not None:
                    y = y + x[2]
                return [y.astype(v.dtype), m.astype(np.float32), inv.astype(np.float32)]
        raise Refused(f"op {op} has no evaluator")

    # ---- ops with run-time inputs ----
    def dtype_of(self, v):
        return perch_dtype(v.arr.dtype)

    def need(self, v, allowed, what="input"):
        d = self.dtype_of(v)
        if d not in allowed:
            raise Refused(f"{what} dtype {v.arr.dtype} is not supported (perch runs {'/'.join(allowed)} here)")

    def _binary(self, n, ins, a, d, op):
        x, y = ins[0], ins[1]
        if op == "Pow" and y.arr.dtype != x.arr.dtype:
            y = Const(y.arr.astype(x.arr.dtype)) if isinstance(y, Const) else \
                self.emit("Cast", [y], {"to": self.dtype_of(x)}, y.arr.astype(x.arr.dtype))
        for v in (x, y):
            self.need(v, ("f32", "i32"))
        if self.dtype_of(x) != self.dtype_of(y):
            raise Refused(f"mixed dtypes {x.arr.dtype} and {y.arr.dtype}")
        return [self.emit(op, [x, y], {}, d[0], n.output[0])]

    def op_Add(self, n, ins, a, d): return self._binary(n, ins, a, d, "Add")
    def op_Sub(self, n, ins, a, d): return self._binary(n, ins, a, d, "Sub")
    def op_Mul(self, n, ins, a, d): return self._binary(n, ins, a, d, "Mul")
    def op_Div(self, n, ins, a, d): return self._binary(n, ins, a, d, "Div")
    def op_Pow(self, n, ins, a, d): return self._binary(n, ins, a, d, "Pow")

    def _compare(self, n, ins, a, d, op):
        x, y = ins
        if self.dtype_of(x) == "u8" and self.dtype_of(y) == "u8":  # bools compare as i32
            x, y = (self.cast(v, np.int32) for v in (x, y))
        return self._binary(n, [x, y], a, d, op)

    def op_Equal(self, n, ins, a, d): return self._compare(n, ins, a, d, "Equal")
    def op_Less(self, n, ins, a, d): return self._compare(n, ins, a, d, "Less")
    def op_Greater(self, n, ins, a, d): return self._compare(n, ins, a, d, "Greater")

    def cast(self, v, npt):
        if isinstance(v, Const):
            return Const(v.arr.astype(npt))
        if perch_dtype(npt) == self.dtype_of(v):
            return Run(v.pname, v.arr.astype(npt))
        return self.emit("Cast", [v], {"to": perch_dtype(npt)}, v.arr.astype(npt))

    def _unary(self, n, ins, d, op, attrs=None):
        self.need(ins[0], ("f32",))
        return [self.emit(op, [ins[0]], attrs or {}, d[0], n.output[0])]

    def op_Sqrt(self, n, ins, a, d): return self._unary(n, ins, d, "Sqrt")
    def op_Reciprocal(self, n, ins, a, d): return self._unary(n, ins, d, "Reciprocal")
    def op_Exp(self, n, ins, a, d): return self._unary(n, ins, d, "Exp")
    def op_Log(self, n, ins, a, d): return self._unary(n, ins, d, "Log")
    def op_Erf(self, n, ins, a, d): return self._unary(n, ins, d, "Erf")
    def op_Relu(self, n, ins, a, d): return self._unary(n, ins, d, "Relu")
    def op_Sigmoid(self, n, ins, a, d): return self._unary(n, ins, d, "Sigmoid")
    def op_Tanh(self, n, ins, a, d): return self._unary(n, ins, d, "Tanh")

    def op_Neg(self, n, ins, a, d):
        if self.dtype_of(ins[0]) == "i32":
            return [self.emit("Mul", [ins[0], Const(np.array(-1, ins[0].arr.dtype))], {}, d[0], n.output[0])]
        return self._unary(n, ins, d, "Neg")

    def op_Abs(self, n, ins, a, d): return self._unary(n, ins, d, "Abs")

    def op_Gelu(self, n, ins, a, d):
        approx = a.get("approximate", b"none")
        approx = approx.decode() if isinstance(approx, bytes) else approx
        return self._unary(n, ins, d, "Gelu", {"approximate": approx})

    def op_Clip(self, n, ins, a, d):
        self.need(ins[0], ("f32",))
        attrs = {}
        if self.opset >= 11 and any(isinstance(v, Run) for v in ins[1:3] if v is not None):
            # Bounds computed at run time: where(x < lo, lo, x), then where(y > hi, hi, y).
            y = ins[0]
            for k, cmp in ((1, "Less"), (2, "Greater")):
                if k < len(ins) and ins[k] is not None:
                    bound = ins[k]
                    self.need(bound, ("f32",), "Clip bound")
                    c = self.emit(cmp, [y, bound], {}, np.zeros(d[0].shape, np.bool_))
                    last = k == 2 or len(ins) < 3 or ins[2] is None
                    y = self.emit("Where", [c, bound, y], {}, d[0], n.output[0] if last else None)
            return [y]
        lo = self.const_input(ins, 1, "Clip min") if self.opset >= 11 else a.get("min")
        hi = self.const_input(ins, 2, "Clip max") if self.opset >= 11 else a.get("max")
        if lo is not None: attrs["min"] = float(np.asarray(lo).reshape(-1)[0])
        if hi is not None: attrs["max"] = float(np.asarray(hi).reshape(-1)[0])
        return [self.emit("Clip", [ins[0]], attrs, d[0], n.output[0])]

    def _softmax(self, n, ins, a, d, op):
        x = ins[0]
        self.need(x, ("f32",))
        if self.opset >= 13:
            return [self.emit(op, [x], {"axis": int(a.get("axis", -1))}, d[0], n.output[0])]
        # Before opset 13: softmax of x flattened to 2-D at `axis`.
        axis = a.get("axis", 1)
        axis = axis + x.arr.ndim if axis < 0 else axis
        flat = x.arr.reshape(int(np.prod(x.arr.shape[:axis])), -1)
        r = self.emit("Reshape", [x], {"shape": list(flat.shape)}, flat)
        s = self.emit(op, [r], {"axis": -1}, flat)
        return [self.emit("Reshape", [s], {"shape": list(x.arr.shape)}, d[0], n.output[0])]

    def op_Softmax(self, n, ins, a, d): return self._softmax(n, ins, a, d, "Softmax")
    def op_LogSoftmax(self, n, ins, a, d): return self._softmax(n, ins, a, d, "LogSoftmax")

    def _reduce(self, n, ins, a, d, op):
        x = ins[0]
        self.need(x, ("f32",))
        axes = a.get("axes", None)
        if op == "ReduceSum" and self.opset >= 13:
            axes = self.const_input(ins, 1, "ReduceSum axes")
        axes = [] if axes is None else [int(v) for v in np.asarray(axes).reshape(-1)]
        if not axes and a.get("noop_with_empty_axes", 0):
            return [x]
        attrs = {"keepdims": int(a.get("keepdims", 1))}
        attrs["axes"] = axes if axes else list(range(x.arr.ndim))
        return [self.emit(op, [x], attrs, d[0], n.output[0])]

    def op_ReduceMean(self, n, ins, a, d): return self._reduce(n, ins, a, d, "ReduceMean")
    def op_ReduceSum(self, n, ins, a, d): return self._reduce(n, ins, a, d, "ReduceSum")
    def op_ReduceMax(self, n, ins, a, d): return self._reduce(n, ins, a, d, "ReduceMax")

    def op_ArgMax(self, n, ins, a, d):
        self.need(ins[0], ("f32",))
        attrs = {"axis": int(a.get("axis", 0)), "keepdims": int(a.get("keepdims", 1)),
                 "select_last_index": int(a.get("select_last_index", 0))}
        return [self.emit("ArgMax", [ins[0]], attrs, d[0], n.output[0])]

    def reshape(self, v, dummy, name=None):
        if tuple(v.arr.shape) == tuple(dummy.shape):  # a no-op: the same value
            return Run(v.pname, dummy) if isinstance(v, Run) else Const(v.arr.reshape(dummy.shape))
        return self.emit("Reshape", [v], {"shape": [int(s) for s in dummy.shape]}, dummy, name)

    def _to_shape(self, n, ins, a, d):
        return [self.reshape(ins[0], d[0], n.output[0])]

    op_Reshape = op_Flatten = op_Squeeze = op_Unsqueeze = _to_shape

    def op_Identity(self, n, ins, a, d):
        return [ins[0]]

    def op_Dropout(self, n, ins, a, d):
        training = self.const_input(ins, 2, "Dropout training_mode")
        if training is not None and bool(np.asarray(training).reshape(-1)[0]):
            raise Refused("training_mode = true (perch runs inference only)")
        return [ins[0], Const(d[1])]

    def op_Transpose(self, n, ins, a, d):
        perm = a.get("perm", list(reversed(range(ins[0].arr.ndim))))
        return [self.emit("Transpose", [ins[0]], {"perm": [int(p) for p in perm]}, d[0], n.output[0])]

    def op_Concat(self, n, ins, a, d):
        vals = [v for v in ins if v is not None and v.arr.size > 0] or [v for v in ins if v is not None][:1]
        dts = {self.dtype_of(v) for v in vals}
        if len(dts) != 1 or None in dts:
            raise Refused(f"inputs of dtypes {sorted(str(v.arr.dtype) for v in vals)}")
        if len(vals) == 1:
            return [self.reshape(vals[0], d[0], n.output[0])]
        return [self.emit("Concat", vals, {"axis": int(a["axis"])}, d[0], n.output[0])]

    def op_Split(self, n, ins, a, d):
        x = ins[0]
        axis = a.get("axis", 0)
        axis = axis + x.arr.ndim if axis < 0 else axis
        outs, begin = [], 0
        for k, part in enumerate(d):
            size = part.shape[axis]
            outs.append(self.emit("Slice", [x], {"starts": [begin], "ends": [begin + size], "axes": [axis]},
                                  part, n.output[k] or None))
            begin += size
        return outs

    def op_Slice(self, n, ins, a, d):
        if self.opset < 10:
            starts, ends = list(a["starts"]), list(a["ends"])
            axes = list(a.get("axes", range(len(starts))))
            steps = [1] * len(starts)
        else:
            starts = self.const_input(ins, 1, "Slice starts")
            ends = self.const_input(ins, 2, "Slice ends")
            axes = self.const_input(ins, 3, "Slice axes")
            steps = self.const_input(ins, 4, "Slice steps")
            starts, ends = list(starts.reshape(-1)), list(ends.reshape(-1))
            axes = list(range(len(starts))) if axes is None else list(axes.reshape(-1))
            steps = [1] * len(starts) if steps is None else list(steps.reshape(-1))
        attrs = {"starts": [int(v) for v in starts], "ends": [int(v) for v in ends],
                 "axes": [int(v) for v in axes], "steps": [int(v) for v in steps]}
        return [self.emit("Slice", [ins[0]], attrs, d[0], n.output[0])]

    def op_Cast(self, n, ins, a, d):
        to = d[0].dtype
        pd = perch_dtype(to)
        if pd is None:
            raise Refused(f"cast to {_ONNX_TYPE_NAMES.get(a['to'], a['to'])} is not supported")
        x = ins[0]
        if self.dtype_of(x) is None:
            raise Refused(f"cast from {x.arr.dtype} is not supported")
        if to == np.bool_ and self.dtype_of(x) != "u8":
            # bool(x) is x != 0, not a saturating cast.
            zero = Const(np.zeros((), x.arr.dtype if x.arr.dtype != np.int64 else np.int64))
            if self.dtype_of(x) == "f16":
                x = self.cast(x, np.float32)
                zero = Const(np.zeros((), np.float32))
            is_zero = self.emit("Equal", [x, zero], {}, d[0])
            return [self.emit("Where", [is_zero, Const(np.zeros((), np.uint8)), Const(np.ones((), np.uint8))],
                              {}, d[0], n.output[0])]
        if pd == self.dtype_of(x):
            return [Run(x.pname, d[0])]
        return [self.emit("Cast", [x], {"to": pd}, d[0], n.output[0])]

    def op_Where(self, n, ins, a, d):
        c, x, y = ins
        if self.dtype_of(x) is None or self.dtype_of(x) != self.dtype_of(y):
            raise Refused(f"values of dtypes {x.arr.dtype} and {y.arr.dtype}")
        return [self.emit("Where", [c, x, y], {}, d[0], n.output[0])]

    def op_Expand(self, n, ins, a, d):
        self.const_input(ins, 1, "Expand shape")
        return [self.emit("Expand", [ins[0]], {"shape": [int(s) for s in d[0].shape]}, d[0], n.output[0])]

    def op_Gather(self, n, ins, a, d):
        data, idx = ins
        if self.dtype_of(data) is None:
            raise Refused(f"data dtype {data.arr.dtype}")
        idx = self.cast(idx, np.int32) if idx.arr.dtype != np.int32 else idx
        return [self.emit("Gather", [data, idx], {"axis": int(a.get("axis", 0))}, d[0], n.output[0])]

    def op_Shape(self, n, ins, a, d):
        return [Const(d[0])]  # static shapes: always known at import

    def op_ConstantOfShape(self, n, ins, a, d):
        raise Refused("the shape is computed at run time")

    def op_Range(self, n, ins, a, d):
        raise Refused("start, limit and delta are computed at run time (the output size would be data-dependent)")

    def op_MatMul(self, n, ins, a, d):
        x, w = ins
        self.need(x, ("f32",))
        self.need(w, ("f32",))
        if isinstance(w, Const) and w.arr.ndim == 2 and x.arr.ndim >= 2:
            W = Const(np.ascontiguousarray(w.arr.T), (w.name or n.input[1]) + ".T")
            return [self.emit("FullyConnected", [x, W], {}, d[0], n.output[0])]
        # perch's MatMul wants rank >= 2: 1-D operands are promoted, then the result reshaped.
        xa = self.reshape(x, x.arr.reshape(1, -1)) if x.arr.ndim == 1 else x
        wa = self.reshape(w, w.arr.reshape(-1, 1)) if w.arr.ndim == 1 else w
        if xa is x and wa is w:
            return [self.emit("MatMul", [x, w], {}, d[0], n.output[0])]
        r = self.emit("MatMul", [xa, wa], {}, np.matmul(xa.arr, wa.arr))
        return [self.reshape(r, d[0], n.output[0])]

    def op_Gemm(self, n, ins, a, d):
        A, B = ins[0], ins[1]
        C = ins[2] if len(ins) > 2 else None
        alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
        for v in (A, B):
            self.need(v, ("f32",))
        if a.get("transA", 0):
            A = self.emit("Transpose", [A], {"perm": [1, 0]}, A.arr.T)
        N = d[0].shape[1]
        bias = None
        if C is not None and isinstance(C, Const) and C.arr.size in (1, N) and (C.arr.ndim < 2 or C.arr.shape[0] == 1):
            bias = (np.broadcast_to(C.arr.reshape(-1), (N,)) * beta).astype(np.float32)
            C = None
        if isinstance(B, Const):
            W = (B.arr if a.get("transB", 0) else B.arr.T) * alpha  # [N, K]
            inputs = [A, Const(np.ascontiguousarray(W, np.float32), n.input[1] + ".gemm")] + \
                ([Const(bias, n.input[2] + ".gemm")] if bias is not None else [])
            y = self.emit("FullyConnected", inputs, {}, d[0], None if C is not None else n.output[0])
        else:
            if a.get("transB", 0):
                B = self.emit("Transpose", [B], {"perm": [1, 0]}, B.arr.T)
            y = self.emit("MatMul", [A, B], {}, d[0], None if (C is not None or alpha != 1 or bias is not None) else n.output[0])
            if alpha != 1:
                y = self.emit("Mul", [y, Const(np.array(alpha, np.float32))], {}, d[0])
            if bias is not None:
                y = self.emit("Add", [y, Const(bias)], {}, d[0], None if C is not None else n.output[0])
        if C is not None:
            Cb = Const((C.arr * beta).astype(np.float32)) if isinstance(C, Const) else \
                (C if beta == 1 else self.emit("Mul", [C, Const(np.array(beta, np.float32))], {}, C.arr))
            y = self.emit("Add", [y, Cb], {}, d[0], n.output[0])
        return [y]

    def op_LayerNormalization(self, n, ins, a, d):
        x, scale = ins[0], ins[1]
        bias = ins[2] if len(ins) > 2 else None
        self.need(x, ("f32",))
        eps = float(a.get("epsilon", 1e-5))
        axis = int(a.get("axis", -1))
        axis = axis + x.arr.ndim if axis < 0 else axis
        want_stats = len(n.output) > 1 and any(n.output[1:])
        if (axis == x.arr.ndim - 1 and isinstance(scale, Const) and scale.arr.ndim <= 1 and
                (bias is None or (isinstance(bias, Const) and bias.arr.ndim <= 1)) and not want_stats):
            D = x.arr.shape[-1]
            g = Const(np.broadcast_to(scale.arr.astype(np.float32), (D,)).copy())
            b = "" if bias is None else Const(np.broadcast_to(bias.arr.astype(np.float32), (D,)).copy())
            return [self.emit("LayerNorm", [x, g, b], {"epsilon": eps}, d[0], n.output[0])]
        # The general case (normalized over several axes, run-time scale, mean/inv-std outputs).
        axes = list(range(axis, x.arr.ndim))
        mean = self.emit("ReduceMean", [x], {"axes": axes, "keepdims": 1}, d[1],
                         n.output[1] if len(n.output) > 1 and n.output[1] else None)
        diff = self.emit("Sub", [x, mean], {}, x.arr)
        sq = self.emit("Mul", [diff, diff], {}, x.arr)
        var = self.emit("ReduceMean", [sq], {"axes": axes, "keepdims": 1}, d[1])
        ve = self.emit("Add", [var, Const(np.array(eps, np.float32))], {}, d[1])
        sd = self.emit("Sqrt", [ve], {}, d[1])
        inv = self.emit("Reciprocal", [sd], {}, d[2], n.output[2] if len(n.output) > 2 and n.output[2] else None)
        norm = self.emit("Mul", [diff, inv], {}, x.arr)
        y = self.emit("Mul", [norm, scale], {}, d[0], None if bias is not None else n.output[0])
        if bias is not None:
            y = self.emit("Add", [y, bias], {}, d[0], n.output[0])
        return [y, mean, inv][:len(n.output)]

    # ---- fusions and clean-up on the perch graph ----
    def consumers(self):
        uses: dict[str, list[dict]] = {}
        for nd in self.nodes:
            for i in nd["inputs"]:
                uses.setdefault(i, []).append(nd)
        return uses

    def producer_map(self):
        return {nd["outputs"][0]: nd for nd in self.nodes}

    def single_use(self, name, uses):
        return len(uses.get(name, [])) == 1 and name not in self.outputs

    def scalar_weight(self, name, value, tol=1e-4):
        w = self.weights.get(name)
        return w is not None and w.size == 1 and w.dtype == np.float32 and abs(float(w.reshape(-1)[0]) - value) <= tol * max(1, abs(value))

    def fuse(self):
        counts = {"gelu": 0, "layernorm": 0, "attention": 0, "bias": 0, "activation": 0}
        changed = True
        while changed:
            changed = False
            uses, prod = self.consumers(), self.producer_map()
            for nd in list(self.nodes):
                if nd not in self.nodes:
                    continue
                kind = "gelu" if self.fuse_gelu(nd, uses, prod) else \
                    "layernorm" if self.fuse_layernorm(nd, uses, prod) else \
                    "attention" if self.fuse_attention(nd, uses, prod) else None
                if kind:
                    counts[kind] += 1
                    changed = True
                    break
                if self.fuse_fc(nd, uses, prod, counts):
                    changed = True
                    break
        done = [f"{v} {k}" for k, v in counts.items() if v]
        if done:
            self.notes.append("fused: " + ", ".join(done))

    def replace(self, remove: list[dict], new: dict):
        at = min(self.nodes.index(r) for r in remove)
        for r in remove:
            self.nodes.remove(r)
        self.nodes.insert(at, new)

    def fuse_fc(self, nd, uses, prod, counts):
        if nd["op"] != "FullyConnected" or not self.single_use(nd["outputs"][0], uses):
            return False
        user = uses[nd["outputs"][0]][0]
        act = nd["attrs"].get("activation", "none")
        if user["op"] == "Add" and len(nd["inputs"]) == 2 and act == "none":
            other = user["inputs"][1] if user["inputs"][0] == nd["outputs"][0] else user["inputs"][0]
            w = self.weights.get(other)
            N = self.weights[nd["inputs"][1]].shape[0]
            if w is None or w.dtype != np.float32 or w.size != N or (w.ndim > 1 and w.shape[-1] != N) or \
                    w.ndim > len(self.shapes.get(nd["outputs"][0], [])):  # a bias that adds dims is not a bias
                return False
            bias = self.weight(w.reshape(N).copy(), other + ".bias")
            fused = dict(nd, inputs=nd["inputs"] + [bias], outputs=user["outputs"])
            self.replace([nd, user], fused)
            counts["bias"] += 1
            return True
        if user["op"] in ("Relu", "Gelu", "Silu") and act == "none":
            a = {"Relu": "relu", "Silu": "silu"}.get(user["op"])
            if user["op"] == "Gelu":
                a = "gelu_tanh" if user["attrs"].get("approximate") == "tanh" else "gelu"
            fused = dict(nd, attrs=dict(nd["attrs"], activation=a), outputs=user["outputs"])
            self.replace([nd, user], fused)
            counts["activation"] += 1
            return True
        return False

    def fuse_gelu(self, nd, uses, prod):
        # x * 0.5 * (1 + erf(x / sqrt 2)), as torch exports it (the 0.5 on either side).
        if nd["op"] != "Erf":
            return False
        div = prod.get(nd["inputs"][0])
        if div is None or not self.single_use(nd["outputs"][0], uses):
            return False
        if div["op"] == "Div" and self.scalar_weight(div["inputs"][1], math.sqrt(2)):
            x = div["inputs"][0]
        elif div["op"] == "Mul" and self.scalar_weight(div["inputs"][1], 1 / math.sqrt(2)):
            x = div["inputs"][0]
        else:
            return False
        if not self.single_use(div["outputs"][0], uses):
            return False
        add = uses[nd["outputs"][0]][0]
        if add["op"] != "Add" or not self.scalar_weight([i for i in add["inputs"] if i != nd["outputs"][0]][0], 1.0):
            return False
        if not self.single_use(add["outputs"][0], uses):
            return False
        m1 = uses[add["outputs"][0]][0]
        if m1["op"] != "Mul":
            return False
        other = [i for i in m1["inputs"] if i != add["outputs"][0]][0]
        chain = [div, nd, add, m1]
        if other == x:  # (x * (1 + erf)) * 0.5
            if not self.single_use(m1["outputs"][0], uses):
                return False
            m2 = uses[m1["outputs"][0]][0]
            if m2["op"] != "Mul" or not self.scalar_weight([i for i in m2["inputs"] if i != m1["outputs"][0]][0], 0.5):
                return False
            chain.append(m2)
            out = m2["outputs"]
        else:  # (x * 0.5) * (1 + erf)
            half = prod.get(other)
            if half is None or half["op"] != "Mul" or x not in half["inputs"] or \
                    not self.scalar_weight([i for i in half["inputs"] if i != x][0], 0.5) or \
                    not self.single_use(other, uses):
                return False
            chain.append(half)
            out = m1["outputs"]
        if self.shape_of(x, prod) != self.shapes.get(out[0]):  # constants that broadcast x up: not a Gelu
            return False
        self.replace(chain, {"op": "Gelu", "inputs": [x], "outputs": out, "attrs": {}})
        return True

    def fuse_layernorm(self, nd, uses, prod):
        # mean = ReduceMean(x, -1); d = x - mean; var = ReduceMean(d^2, -1);
        # y = d / sqrt(var + eps) * gamma + beta
        if nd["op"] != "ReduceMean" or nd["attrs"].get("keepdims") != 1:
            return False
        x = nd["inputs"][0]
        prod_x = self.shape_of(x, prod)
        if prod_x is None or nd["attrs"].get("axes") not in ([-1], [len(prod_x) - 1]):
            return False
        subs = uses.get(nd["outputs"][0], [])
        if len(subs) != 1 or subs[0]["op"] != "Sub" or subs[0]["inputs"] != [x, nd["outputs"][0]]:
            return False
        sub = subs[0]
        d = sub["outputs"][0]
        du = uses.get(d, [])
        if len(du) != 2:
            return False
        sq = [u for u in du if (u["op"] == "Pow" and self.scalar_weight(u["inputs"][1], 2.0)) or
              (u["op"] == "Mul" and u["inputs"] == [d, d])]
        div = [u for u in du if u["op"] == "Div" and u["inputs"][0] == d]
        if len(sq) != 1 or len(div) != 1:
            return False
        sq, div = sq[0], div[0]
        var = uses.get(sq["outputs"][0], [])
        if len(var) != 1 or var[0]["op"] != "ReduceMean" or var[0]["attrs"].get("axes") != nd["attrs"]["axes"]:
            return False
        var = var[0]
        add = uses.get(var["outputs"][0], [])
        if len(add) != 1 or add[0]["op"] != "Add":
            return False
        add = add[0]
        eps_name = [i for i in add["inputs"] if i != var["outputs"][0]][0]
        eps = self.weights.get(eps_name)
        if eps is None or eps.size != 1:
            return False
        sqrt = uses.get(add["outputs"][0], [])
        if len(sqrt) != 1 or sqrt[0]["op"] != "Sqrt" or div["inputs"][1] != sqrt[0]["outputs"][0]:
            return False
        sqrt = sqrt[0]
        chain = [nd, sub, sq, var, add, sqrt, div]
        for c in chain[:-1]:
            if c["outputs"][0] in self.outputs:
                return False
        D = prod_x[-1]
        out, gamma, beta = div["outputs"], np.ones(D, np.float32), None
        mul = uses.get(out[0], [])
        if len(mul) == 1 and mul[0]["op"] == "Mul" and out[0] not in self.outputs:
            g = self.weights.get([i for i in mul[0]["inputs"] if i != out[0]][0])
            if g is not None and g.dtype == np.float32 and g.size == D:
                gamma, out = g.reshape(D), mul[0]["outputs"]
                chain.append(mul[0])
                ad = uses.get(out[0], [])
                if len(ad) == 1 and ad[0]["op"] == "Add" and out[0] not in self.outputs:
                    b = self.weights.get([i for i in ad[0]["inputs"] if i != out[0]][0])
                    if b is not None and b.dtype == np.float32 and b.size == D:
                        beta, out = b.reshape(D), ad[0]["outputs"]
                        chain.append(ad[0])
        if self.shapes.get(out[0]) != prod_x:
            return False
        inputs = [x, self.weight(gamma.copy(), "ln.gamma"), "" if beta is None else self.weight(beta.copy(), "ln.beta")]
        self.replace(chain, {"op": "LayerNorm", "inputs": inputs, "outputs": out,
                             "attrs": {"epsilon": float(eps.reshape(-1)[0])}})
        return True

    def fuse_attention(self, sm, uses, prod):
        """softmax(q·kᵀ·scale [masked causally]) · v over heads, batch 1, as exported from
        PyTorch: heads split by Reshape [1, S, H, Dh] + Transpose, merged back by Transpose +
        Reshape [1, S, H·Dh]. Becomes perch's Attention on [S, H·Dh] rows."""
        if sm["op"] != "Softmax" or sm["attrs"].get("axis", -1) not in (-1, 3):
            return False

        def one(name, op):  # the single-use producer of `name` with op `op`
            p = prod.get(name)
            return p if p is not None and p["op"] == op and self.single_use(name, uses) else None

        def heads(name, perm):  # name = Transpose(perm)(Reshape([1, S, H, Dh])(src)): (src, S, H, Dh, nodes)
            t = one(name, "Transpose")
            if t is None or t["attrs"].get("perm") != perm:
                return None
            r = one(t["inputs"][0], "Reshape")
            shape = self.shapes.get(r["outputs"][0]) if r else None
            src_shape = self.shape_of(r["inputs"][0], prod) if r else None
            if not shape or len(shape) != 4 or shape[0] != 1 or src_shape != [1, shape[1], shape[2] * shape[3]]:
                return None
            return r["inputs"][0], shape[1], shape[2], shape[3], [t, r]

        chain = [sm]
        x = sm["inputs"][0]
        causal = 0
        w = one(x, "Where")
        if w is not None:
            cond, neg, scores = w["inputs"]
            c, n = self.weights.get(cond), self.weights.get(neg)
            if c is None or n is None or n.size != 1 or not np.isneginf(n.reshape(-1)[0]) or c.ndim != 2:
                return False
            if c.shape[0] != c.shape[1] or not np.array_equal(c.astype(bool), np.triu(np.ones(c.shape, bool), 1)):
                return False
            causal, x = 1, scores
            chain.append(w)
        sc = one(x, "Div") or one(x, "Mul")
        if sc is None or sc["inputs"][1] not in self.weights or self.weights[sc["inputs"][1]].size != 1:
            return False
        c = float(self.weights[sc["inputs"][1]].reshape(-1)[0])
        scale = 1 / c if sc["op"] == "Div" else c
        chain.append(sc)
        mm1 = one(sc["inputs"][0], "MatMul")
        if mm1 is None:
            return False
        chain.append(mm1)
        q = heads(mm1["inputs"][0], [0, 2, 1, 3])
        k = heads(mm1["inputs"][1], [0, 2, 3, 1])
        users = uses.get(sm["outputs"][0], [])
        if q is None or k is None or len(users) != 1 or users[0]["op"] != "MatMul" or users[0]["inputs"][0] != sm["outputs"][0]:
            return False
        mm2 = users[0]
        v = heads(mm2["inputs"][1], [0, 2, 1, 3])
        if v is None or not self.single_use(mm2["outputs"][0], uses):
            return False
        t = uses[mm2["outputs"][0]][0]
        if t["op"] != "Transpose" or t["attrs"].get("perm") != [0, 2, 1, 3] or not self.single_use(t["outputs"][0], uses):
            return False
        r = uses[t["outputs"][0]][0]
        S, H, Dh = q[1], q[2], q[3]
        if r["op"] != "Reshape" or self.shapes.get(r["outputs"][0]) != [1, S, H * Dh]:
            return False
        if k[1:4] != (S, H, Dh) or v[1:4] != (S, H, Dh) or abs(scale * math.sqrt(Dh) - 1) > 1e-5:
            return False
        chain += [mm2, t, r] + q[4] + k[4] + v[4]
        new = []
        rows = {}
        for key, src in (("q", q[0]), ("k", k[0]), ("v", v[0])):
            rows[key] = self.fresh(src + ".rows")
            new.append({"op": "Reshape", "inputs": [src], "outputs": [rows[key]], "attrs": {"shape": [S, H * Dh]}})
            self.shapes[rows[key]] = [S, H * Dh]
        att = self.fresh(r["outputs"][0] + ".rows")
        self.shapes[att] = [S, H * Dh]
        new.append({"op": "Attention", "inputs": [rows["q"], rows["k"], rows["v"]], "outputs": [att],
                    "attrs": {"num_heads": H, "causal": causal}})
        new.append({"op": "Reshape", "inputs": [att], "outputs": r["outputs"], "attrs": {"shape": [1, S, H * Dh]}})
        at = min(self.nodes.index(c) for c in chain)
        for c in chain:
            self.nodes.remove(c)
        self.nodes[at:at] = new
        return True

    def shape_of(self, name, prod):
        for i in self.inputs:
            if i["name"] == name:
                return i["shape"]
        return self.shapes.get(name)

    def prune(self):
        """Drops nodes no output needs and weights no node reads."""
        needed = set(self.outputs)
        keep = []
        for nd in reversed(self.nodes):
            if any(o in needed for o in nd["outputs"]):
                keep.append(nd)
                needed.update(i for i in nd["inputs"] if i)
        self.nodes = list(reversed(keep))
        self.weights = {k: v for k, v in self.weights.items() if k in needed}

    # ---- output ----
    def graph_json(self) -> dict:
        inputs = [{"name": i["name"], "dtype": i["dtype"], "shape": i["shape"]} for i in self.inputs]
        return {"inputs": inputs, "outputs": self.outputs, "nodes": self.nodes}


def inputs_needing_constants(model) -> set[str]:
    """Graph inputs that feed an input perch needs as a constant (a Reshape shape, Slice starts,
    Dropout training_mode ...): candidates for freezing."""
    init = {t.name for t in model.graph.initializer}
    names = {i.name for i in model.graph.input if i.name not in init}
    out = set()
    for n in model.graph.node:
        slots = _CONST_INPUTS.get(n.op_type, ()) + ((2,) if n.op_type == "Dropout" else ())
        for k in slots:
            if k < len(n.input) and n.input[k] in names:
                out.add(n.input[k])
    return out


def import_model(model, input_shapes=None, source="", frozen=None) -> tuple[dict, dict, list[str]]:
    """Converts an onnx.ModelProto; returns (tensors, metadata, notes). Raises ImportFailed.
    frozen: {input name: value} inputs fixed at import (they become constants)."""
    imp = Importer(model, input_shapes, source, frozen)
    imp.run()
    producer = model.producer_name + (f" {model.producer_version}" if model.producer_version else "")
    metadata = {
        "perch.format": "1",
        "perch.graph": json.dumps(imp.graph_json(), sort_keys=True, separators=(",", ":")),
        "perch.source": f"imported from ONNX {source or 'model'} (producer: {producer or 'unknown'}, "
                        f"opset {imp.opset}) by tools/convert/onnx_to_perch.py",
        "perch.license": "as the source ONNX model's licence",
    }
    return dict(imp.weights), metadata, imp.notes


def quantize(tensors: dict, metadata: dict) -> list[str]:
    """int8 per-row weights for FullyConnected W and Gather (axis 0) tables read only there."""
    graph = json.loads(metadata["perch.graph"])
    readers: dict[str, list[tuple[dict, int]]] = {}
    for nd in graph["nodes"]:
        for k, i in enumerate(nd["inputs"]):
            readers.setdefault(i, []).append((nd, k))
    done = []
    for name, w in list(tensors.items()):
        if w.dtype != np.float32 or w.ndim != 2 or name + ".scale" in tensors:
            continue
        uses = readers.get(name, [])
        ok = bool(uses) and all((nd["op"] == "FullyConnected" and k == 1) or
                                (nd["op"] == "Gather" and k == 0 and nd["attrs"].get("axis", 0) == 0)
                                for nd, k in uses)
        if not ok:
            continue
        q, scale = quantize_int8_per_channel(w)
        tensors[name] = q
        tensors[name + ".scale"] = scale
        done.append(name)
    return done


def load_onnx(path: str):
    import onnx
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ImportFailed(f"cannot read '{path}': {e.strerror}") from None
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as e:  # noqa: BLE001 (protobuf raises DecodeError and others)
        raise ImportFailed(f"'{path}' is not an ONNX model (protobuf parse failed: {e})") from None
    if not model.HasField("graph") or (len(model.graph.node) == 0 and len(model.graph.output) == 0):
        raise ImportFailed(f"'{path}' is not an ONNX model (no graph)")
    # Weights stored beside the model (external data) are read from the model's folder.
    try:
        from onnx.external_data_helper import load_external_data_for_model
        load_external_data_for_model(model, os.path.dirname(os.path.abspath(path)))
    except Exception as e:  # noqa: BLE001
        raise ImportFailed(f"external data of '{path}' cannot be read: {e}") from None
    return model


def _parse_shapes(specs):
    shapes = {}
    for s in specs or []:
        name, eq, dims = s.partition("=")
        if not eq:
            raise ImportFailed(f"--shape wants NAME=D0,D1,..., got '{s}'")
        try:
            shapes[name] = [int(d) for d in dims.split(",") if d != ""]
        except ValueError:
            raise ImportFailed(f"--shape {s}: dims must be integers") from None
    return shapes


def save_npz(path: str, arrays: dict):
    """np.savez without its keyword quirks (np.savez(like=...) drops an array named 'like')."""
    import zipfile
    with zipfile.ZipFile(path, "w") as z:
        for name, a in arrays.items():
            with z.open(name + ".npy", "w") as f:
                np.lib.format.write_array(f, np.array(a, order="C", copy=False))  # keeps 0-d arrays 0-d


def _id_ranges(graph: dict, tensors: dict) -> dict[str, int]:
    """i32 inputs used as Gather indices: the table size, so random ids are valid ids."""
    out = {}
    for nd in graph["nodes"]:
        if nd["op"] == "Gather" and nd["inputs"][0] in tensors:
            t = tensors[nd["inputs"][0]]
            out[nd["inputs"][1]] = int(t.shape[nd["attrs"].get("axis", 0)])
    return out


def _quantization_report(float_bytes: bytes, out_path: str, graph: dict, tensors: dict) -> str:
    """Runs the float and the int8 model on the same random inputs through the perch binary."""
    perch = os.environ.get("PERCH_BIN")
    if not perch or not os.path.exists(perch):
        return "int8: accuracy change not measured (run through `perch import-onnx` to measure it)"
    import subprocess
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        fpath = os.path.join(tmp, "float.perch")
        with open(fpath, "wb") as f:
            f.write(float_bytes)
        stats = []
        for trial in range(8):
            feeds = {}
            for i in graph["inputs"]:
                if i["dtype"] == "f32":
                    feeds[i["name"]] = rng.standard_normal(i["shape"]).astype(np.float32)
                elif i["dtype"] == "i32":
                    high = _id_ranges(graph, tensors).get(i["name"], 2)
                    feeds[i["name"]] = rng.integers(0, high, i["shape"]).astype(np.int32)
                else:
                    feeds[i["name"]] = np.zeros(i["shape"], {"u8": np.uint8, "i8": np.int8, "f16": np.float16}[i["dtype"]])
            inp = os.path.join(tmp, "in.npz")
            save_npz(inp, feeds)
            outs = []
            for model in (fpath, out_path):
                o = os.path.join(tmp, "out.npz")
                r = subprocess.run([perch, "run", model, "--inputs-npz", inp, "--outputs-npz", o],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    return f"int8: accuracy change not measured ({r.stderr.strip()})"
                with np.load(o) as z:
                    outs.append({k: z[k] for k in z.files})
            for k in outs[0]:
                a, b = outs[0][k].astype(np.float64), outs[1][k].astype(np.float64)
                stats.append((np.abs(a - b).max() if a.size else 0.0, np.abs(a).max() if a.size else 0.0,
                              bool(a.ndim and a.size and (a.reshape(-1, a.shape[-1]).argmax(-1) ==
                                                          b.reshape(-1, b.shape[-1]).argmax(-1)).all())))
        worst = max(s[0] for s in stats)
        scale = max(s[1] for s in stats) or 1.0
        agree = sum(s[2] for s in stats)
        return (f"int8: on 8 random inputs, outputs differ from float by at most {worst:.4g} "
                f"({100 * worst / scale:.2f}% of the largest output); argmax agrees in {agree}/{len(stats)}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="perch import-onnx", description="Import an ONNX model as .perch")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--quantize", choices=["int8"])
    p.add_argument("--shape", action="append", metavar="NAME=D0,D1,...",
                   help="static shape for an input with dynamic dims (repeatable)")
    p.add_argument("--freeze", action="append", metavar="NAME=V0,V1,...",
                   help="fix an int64 input (a shape, axes, starts ...) to these values (repeatable)")
    args = p.parse_args(argv)
    try:
        model = load_onnx(args.input)
        frozen = {k: np.array(v, np.int64) for k, v in _parse_shapes(args.freeze).items()}
        tensors, metadata, notes = import_model(model, _parse_shapes(args.shape), os.path.basename(args.input), frozen)
        float_bytes = to_bytes(tensors, metadata)
        float_tensors = dict(tensors)
        report = None
        if args.quantize == "int8":
            names = quantize(tensors, metadata)
            notes.append(f"int8: {len(names)} weight(s) quantized per row" + (f" ({', '.join(names[:6])}"
                         f"{', ...' if len(names) > 6 else ''})" if names else ""))
        data = to_bytes(tensors, metadata)
        # Written whole or not at all: a temporary file beside OUT, renamed over it.
        out_dir = os.path.dirname(os.path.abspath(args.output))
        fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".perch", dir=out_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            if args.quantize == "int8":
                report = _quantization_report(float_bytes, tmp, json.loads(metadata["perch.graph"]), float_tensors)
            os.replace(tmp, args.output)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except ImportFailed as e:
        print(f"perch import-onnx: {e}", file=sys.stderr)
        return 1
    except RecursionError:
        print("perch import-onnx: the model nests too deeply to read", file=sys.stderr)
        return 1
    graph = json.loads(metadata["perch.graph"])
    ops = {}
    for nd in graph["nodes"]:
        ops[nd["op"]] = ops.get(nd["op"], 0) + 1
    print(f"wrote {args.output}: {len(graph['nodes'])} nodes "
          f"({', '.join(f'{k} {v}' for k, v in sorted(ops.items()))}), {len(tensors)} weights, {len(data)} bytes")
    for n in notes:
        print("  " + n)
    if report:
        print("  " + report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
