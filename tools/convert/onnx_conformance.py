#!/usr/bin/python3
"""ONNX's backend node tests through perch: import (onnx_to_perch) + `perch run`, outputs compared.

    onnx_conformance.py [--perch build/native/perch] [--data DIR] [--expected FILE] [--write FILE]

Runs every node test in Debian's libonnx-testdata whose ops are all in the importer's supported
list (issue 18's list), with each test_data_set_*'s inputs, and compares perch's outputs with the
stored ones (rtol 1e-4, atol 1e-5; INT64/BOOL outputs compare as perch's i32/u8 values). Each
test ends as:
  pass     every output of every data set matches
  fail     a mismatch, or perch run failed on a file the importer wrote (a crash is a fail too)
  refused  the importer refused the model with its error message (nothing written)
Prints passed / failed / refused per op and the refusal reasons. With --expected, exits 1 when a
test listed as pass there does not pass now (a regression), or a fail appears.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from onnx_to_perch import SUPPORTED_OPS, ImportFailed, import_model, inputs_needing_constants, save_npz  # noqa: E402
from perch_format import to_bytes  # noqa: E402

DATA = "/usr/lib/python3/dist-packages/onnx/backend/test/data/node"
RTOL, ATOL = 1e-4, 1e-5


def selected_tests(data: str) -> list[tuple[str, onnx.ModelProto]]:
    out = []
    for d in sorted(os.listdir(data)):
        path = os.path.join(data, d, "model.onnx")
        if not os.path.exists(path):
            continue
        m = onnx.load(path)
        if {n.op_type for n in m.graph.node} <= set(SUPPORTED_OPS):
            out.append((d, m))
    return out


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def compare(want: np.ndarray, got: np.ndarray) -> str | None:
    if want.dtype == np.bool_:
        want = want.astype(np.uint8)
    if tuple(want.shape) != tuple(got.shape):
        return f"shape {got.shape} != expected {want.shape}"
    if want.dtype.kind in "iub":
        if not np.array_equal(want.astype(np.int64), got.astype(np.int64)):
            return "integer values differ"
        return None
    w, g = want.astype(np.float64), got.astype(np.float64)
    ok = np.isclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True)
    if not ok.all():
        i = int(np.argmin(ok.reshape(-1)))
        return f"{int((~ok).sum())} values differ (first at {i}: got {g.reshape(-1)[i]}, want {w.reshape(-1)[i]})"
    return None


def run_test(name: str, model, data: str, perch: str) -> tuple[str, str, str]:
    """(name, status, detail)."""
    tdir = os.path.join(data, name)
    sets = sorted(glob.glob(os.path.join(tdir, "test_data_set_*")))
    init = {t.name for t in model.graph.initializer}
    in_names = [i.name for i in model.graph.input if i.name not in init]
    out_names = [o.name for o in model.graph.output]
    try:
        first = [read_pb(p) for p in sorted(glob.glob(os.path.join(sets[0], "input_*.pb")),
                                            key=lambda p: int(p.rsplit("_", 1)[1][:-3]))] if sets else []
    except Exception:  # noqa: BLE001 (string tensors numpy_helper cannot read): the model's shapes
        first = []
    shapes = {n: list(a.shape) for n, a in zip(in_names, first)}
    # Inputs that set a shape or an attr (a Reshape's shape, Slice's starts ...) are fixed to the
    # test's values at import, as `perch import-onnx --freeze` does: perch plans static shapes.
    frozen = {n: a for n, a in zip(in_names, first) if n in inputs_needing_constants(model)}
    note = f"frozen: {', '.join(sorted(frozen))}" if frozen else ""
    try:
        tensors, metadata, _ = import_model(model, shapes, name, frozen)
    except ImportFailed as e:
        lines = [l.strip()[2:] for l in str(e).splitlines() if l.strip().startswith("- ")]
        return name, "refused", "; ".join(lines) or str(e)
    with tempfile.TemporaryDirectory() as tmp:
        mpath = os.path.join(tmp, "model.perch")
        with open(mpath, "wb") as f:
            f.write(to_bytes(tensors, metadata))
        for s in sets:
            inputs = [read_pb(p) for p in sorted(glob.glob(os.path.join(s, "input_*.pb")),
                                                 key=lambda p: int(p.rsplit("_", 1)[1][:-3]))]
            wants = [read_pb(p) for p in sorted(glob.glob(os.path.join(s, "output_*.pb")),
                                                key=lambda p: int(p.rsplit("_", 1)[1][:-3]))]
            ipath, opath = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
            if any(not np.array_equal(a, frozen[n]) for n, a in zip(in_names, inputs) if n in frozen):
                return name, "fail", f"{os.path.basename(s)} has other values for the frozen inputs"
            save_npz(ipath, {n: a for n, a in zip(in_names, inputs) if n not in frozen})
            r = subprocess.run([perch, "run", mpath, "--inputs-npz", ipath, "--outputs-npz", opath],
                               capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                why = "crashed (signal %d)" % -r.returncode if r.returncode < 0 else r.stderr.strip()
                return name, "fail", f"perch run: {why}"
            with np.load(opath) as z:
                got = {k: z[k] for k in z.files}
            for oname, want in zip(out_names, wants):
                if oname not in got:
                    return name, "fail", f"output '{oname}' missing"
                err = compare(want, got[oname])
                if err:
                    return name, "fail", f"{os.path.basename(s)} output '{oname}': {err}"
    return name, "pass", note


def _json_values(a: np.ndarray) -> list:
    flat = a.reshape(-1)
    if a.dtype.kind == "f":
        return [("NaN" if np.isnan(v) else ("Infinity" if v > 0 else "-Infinity")) if not np.isfinite(v) else float(v)
                for v in flat.astype(np.float64)]
    return [int(v) for v in flat.astype(np.int64)]


def export_sample(tests, data: str, out: str, count: int) -> list[str]:
    """Writes `count` importable tests, evenly spread over the list, as OUT/NAME/model.perch +
    io.json ({inputs: {name: {dtype, shape, data}}, outputs: {name: {shape, data}}}) for the wasm
    run in Node (js-bindings/test/onnx_conformance_wasm.test.mjs). Tests with f16 inputs are
    skipped (JSON carries numbers)."""
    import json
    written = []
    usable = []
    for name, model in tests:
        if "frozen" in name or any(i.type.tensor_type.elem_type == 10 for i in model.graph.input):
            continue
        usable.append((name, model))
    step = max(1, len(usable) // count)
    for name, model in usable[::step]:
        if len(written) >= count:
            break
        tdir = os.path.join(data, name, "test_data_set_0")
        init = {t.name for t in model.graph.initializer}
        in_names = [i.name for i in model.graph.input if i.name not in init]
        try:
            inputs = [read_pb(p) for p in sorted(glob.glob(os.path.join(tdir, "input_*.pb")))]
            outputs = [read_pb(p) for p in sorted(glob.glob(os.path.join(tdir, "output_*.pb")))]
        except Exception:  # noqa: BLE001
            continue
        frozen = {n: a for n, a in zip(in_names, inputs) if n in inputs_needing_constants(model)}
        try:
            tensors, metadata, _ = import_model(model, {n: list(a.shape) for n, a in zip(in_names, inputs)}, name, frozen)
        except ImportFailed:
            continue
        os.makedirs(os.path.join(out, name), exist_ok=True)
        with open(os.path.join(out, name, "model.perch"), "wb") as f:
            f.write(to_bytes(tensors, metadata))
        graph = json.loads(metadata["perch.graph"])
        dtypes = {i["name"]: i["dtype"] for i in graph["inputs"]}
        io = {"inputs": {n: {"dtype": dtypes[n], "shape": list(a.shape), "data": _json_values(a)}
                         for n, a in zip(in_names, inputs) if n not in frozen},
              "outputs": {o.name: {"shape": list(a.shape), "data": _json_values(a)}
                          for o, a in zip(model.graph.output, outputs)}}
        with open(os.path.join(out, name, "io.json"), "w") as f:
            json.dump(io, f)
        written.append(name)
    return written


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--perch", default=os.path.join(HERE, "..", "..", "build", "native", "perch"))
    p.add_argument("--data", default=DATA)
    p.add_argument("--expected", help="the committed pass/refused list; exit 1 on a regression")
    p.add_argument("--write", help="write the results as an expected list")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--export-sample", metavar="DIR", help="write a sample of imported tests for the wasm run and exit")
    p.add_argument("--sample", type=int, default=40)
    args = p.parse_args(argv)
    if not os.path.isdir(args.data):
        print(f"no ONNX test data at {args.data} (Debian package libonnx-testdata)", file=sys.stderr)
        return 2
    tests = selected_tests(args.data)
    if args.export_sample:
        names = export_sample(tests, args.data, args.export_sample, args.sample)
        print(f"wrote {len(names)} tests to {args.export_sample}")
        return 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        results = list(ex.map(lambda t: run_test(t[0], t[1], args.data, args.perch), tests))
    ops_of = {name: sorted({n.op_type for n in m.graph.node}) for name, m in tests}
    per_op = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    for name, status, _ in results:
        total[status] += 1
        for op in ops_of[name]:
            per_op[op][status] += 1
    if not args.quiet:
        print(f"{'op':<20} {'pass':>5} {'fail':>5} {'refused':>8}")
        for op in sorted(per_op):
            c = per_op[op]
            print(f"{op:<20} {c['pass']:>5} {c['fail']:>5} {c['refused']:>8}")
        for name, status, detail in results:
            if status != "pass":
                print(f"{status:8} {name}: {detail}")
        frozen = sum(1 for _, s, d in results if s == "pass" and d.startswith("frozen"))
        print(f"(of the passes, {frozen} ran with shape/axes inputs frozen to the test's values)")
    print(f"ONNX node tests with supported ops: {len(results)}; passed {total['pass']}, "
          f"failed {total['fail']}, refused {total['refused']}")
    if args.write:
        with open(args.write, "w") as f:
            f.write("# tools/convert/onnx_conformance.py --write: ONNX backend node tests (libonnx-testdata "
                    "1.12) through perch import-onnx + perch run. status name [reason]\n")
            for name, status, detail in results:
                f.write(f"{status} {name}" + (f"  # {detail[:200]}" if detail else "") + "\n")
    if args.expected:
        expected = {}
        with open(args.expected) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    status, name = line.split()[:2]
                    expected[name] = status
        got = {name: status for name, status, _ in results}
        bad = [f"{n}: expected {s}, got {got.get(n, 'missing')}" for n, s in expected.items()
               if s == "pass" and got.get(n) != "pass"]
        bad += [f"{n}: fail" for n, s in got.items() if s == "fail" and expected.get(n) != "fail"]
        if bad:
            print("REGRESSIONS:\n  " + "\n  ".join(bad))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
