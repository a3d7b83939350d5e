"""The results folder: one record (JSON) per column and test, written by
the engine (evconform/engine.py) and read by the runner and the report.

    <results>/<column, with / as +>/<Suite.Case, other characters as _>.json
"""
import json
import os
import re

from . import expectations
from . import status as st
from .cli import ToolError
from .registry import column_name


def record_path(results_dir, column, test):
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", test)
    return os.path.join(results_dir, column.replace("/", "+"), f"{safe}.json")


def record(impl, backend, area, kind, test, outcome, entry):
    """The record of one run: `outcome` from gtest_run, `entry` the
    expectation that governs the test (None: expected PASS)."""
    return {
        "impl": impl, "backend": backend or "", "column": column_name(impl, backend),
        "area": area, "kind": kind, "test": test,
        "status": outcome["status"], "expected": expectations.expected_of(entry),
        "expectation_reason": entry["reason"] if entry else "",
        "message": outcome["message"], "rule_id": outcome.get("rule_id", ""), "rule": outcome["rule"],
        "duration_s": outcome["duration_s"],
    }


def write(results_dir, rec):
    """Writes `rec` atomically. Raises OSError."""
    path = record_path(results_dir, rec["column"], rec["test"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(rec, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def find(results_dir, columns, ctest_name):
    """The record of the CTest test '<column>.<Suite>.<Case>', or None."""
    for column in columns:
        if ctest_name.startswith(column + "."):
            path = record_path(results_dir, column, ctest_name[len(column) + 1:])
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    return json.load(f)
    return None


def load_all(results_dir):
    """Every record of the folder. Raises ToolError."""
    if not os.path.isdir(results_dir):
        raise ToolError(f"results folder not found: {results_dir} (run the tests first)")
    records = []
    for column in sorted(os.listdir(results_dir)):
        folder = os.path.join(results_dir, column)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8") as f:
                    records.append(json.load(f))
            except ValueError as e:
                raise ToolError(f"result record {path} is malformed: {e}") from None
    return records
