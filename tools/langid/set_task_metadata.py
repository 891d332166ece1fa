#!/usr/bin/python3
"""Writes the task layer's `perch.priors` metadata (tools/langid/priors.py: speakers, scripts,
calibration) into a language-detection .perch, leaving its weights as they are.

  /usr/bin/python3 tools/langid/set_task_metadata.py [models/langid/langid.perch]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
from perch_format import canonical_json, read_perch, write_perch  # noqa: E402
from priors import task_metadata  # noqa: E402


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models/langid/langid.perch")
    tensors, meta = read_perch(path)
    meta["perch.priors"] = canonical_json(task_metadata(json.loads(meta["perch.labels"])))
    write_perch(path, tensors, meta)
    print(f"wrote perch.priors into {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
