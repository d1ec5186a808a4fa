"""Every exercise's reference solution — the code inside its ``{solution}`` dropdown — passes
the chapter's checker, and every checker the chapters call has such a solution.

Convention (see README, "Exercises"): the visible code cell after an exercise holds a stub the
reader fills in (``raise NotImplementedError``) and calls ``chNN.check_xxx(fn)``; the reference
solution appears only inside the ``:::{solution}`` dropdown, as a self-contained ```python block
that ends with the same ``chNN.check_xxx(...)`` call. This test runs those blocks.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))

PRELUDE = """
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import ganlib
from ganlib import data, models, losses, theory, metrics, train
from ganlib.exercises import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09
"""

SOLUTION = re.compile(r"^(:{3,}|`{3,})\{solution\}.*?$(.*?)^\1\s*$", re.S | re.M)
PY_BLOCK = re.compile(r"^```(?:python|ipython3?)\s*$(.*?)^```\s*$", re.S | re.M)
CHECK_CALL = re.compile(r"\b(ch0\d)\.(check_\w+)\(")


def _cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        src = cell["source"]
        yield cell["cell_type"], "".join(src) if isinstance(src, list) else src


def _solution_blocks(path):
    for kind, src in _cells(path):
        if kind != "markdown":
            continue
        for sol in SOLUTION.finditer(src):
            for block in PY_BLOCK.finditer(sol.group(2)):
                yield block.group(1)


def _visible_checks(path):
    return {m.group(0)[:-1] for kind, src in _cells(path) if kind == "code"
            for m in CHECK_CALL.finditer(src)}


def _run_block(code: str) -> list:
    """Execute a solution block; return the values of its top-level check_xxx(...) calls."""
    tree = ast.parse(code)
    for i, node in enumerate(tree.body):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and CHECK_CALL.search(ast.unparse(node.value))):
            tree.body[i] = ast.parse(f"__results__.append({ast.unparse(node.value)})").body[0]
    ns = {"__results__": []}
    exec(PRELUDE, ns)
    exec(compile(ast.fix_missing_locations(tree), "<solution>", "exec"), ns)
    return ns["__results__"]


CASES = [(p.name, i, code) for p in NOTEBOOKS for i, code in enumerate(_solution_blocks(p))
         if CHECK_CALL.search(code)]


@pytest.mark.parametrize("notebook, index, code", CASES,
                         ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_solution_passes_its_checker(notebook, index, code):
    results = _run_block(code)
    assert results and all(results), f"{notebook} solution #{index}: checker returned {results}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_checker_called_has_a_solution(path):
    solved = {m.group(0)[:-1] for code in _solution_blocks(path) for m in CHECK_CALL.finditer(code)}
    missing = _visible_checks(path) - solved
    assert not missing, f"{path.name}: no {{solution}} block runs {sorted(missing)}"
