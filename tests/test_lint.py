"""The lint configuration (`make lint`, run first by `make test`) does what it says.

`make lint` runs ``ruff check ganlib tests scripts benchmarks book`` and ``check-jsonschema`` (GitHub
Actions schema) over .github/workflows. These tests check that ruff is pinned where CI installs it, that the
notebooks are held to 85-character lines (the HTML code column) and .py files to 110, and, by
running ruff on small planted files, that each limit really fails a file that breaks it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_linters_are_pinned_in_the_test_extra_and_constraints():
    test_extra = PYPROJECT["project"]["optional-dependencies"]["test"]
    for name in ("ruff", "check-jsonschema"):
        req = next((r for r in test_extra if r.split("==")[0].strip() == name), None)
        assert req and "==" in req, f"{name} must be pinned exactly in the test extra"
        assert _pins().get(name) == req.split("==")[1].strip(), f"{name}: constraints.txt differs"


def test_line_lengths_configured():
    assert PYPROJECT["tool"]["ruff"]["line-length"] == 110
    assert "E501" in PYPROJECT["tool"]["ruff"]["lint"]["select"]
    book = tomllib.loads((ROOT / "book" / "ruff.toml").read_text())
    assert book["line-length"] == 85 and book["extend"] == "../pyproject.toml"


def _ruff(*paths: Path, cwd: Path) -> subprocess.CompletedProcess:
    if not Path(RUFF).exists():
        pytest.skip("ruff is not installed (make setup installs it from the test extra)")
    return subprocess.run([RUFF, "check", "--no-cache", "--output-format", "concise",
                           *map(str, paths)], cwd=cwd, capture_output=True, text=True)


def _notebook(code: str) -> str:
    cell = {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {},
            "outputs": [], "source": code}
    return json.dumps({"cells": [cell], "metadata": {"language_info": {"name": "python"}},
                       "nbformat": 4, "nbformat_minor": 5})


def test_ruff_holds_notebooks_to_85_and_python_files_to_110(tmp_path):
    """A copy of the two config files in a scratch tree: 86 characters fail in a notebook,
    pass in a .py file; 111 characters fail in a .py file."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "book" / "ruff.toml", tmp_path / "book" / "ruff.toml")
    line86 = "x = " + repr("a" * 80)              # 86 characters
    line111 = "x = " + repr("a" * 105)            # 111 characters
    assert (len(line86), len(line111)) == (86, 111)
    (tmp_path / "book" / "ok.ipynb").write_text(_notebook("x = 1\n"))
    (tmp_path / "book" / "wide.ipynb").write_text(_notebook(line86 + "\n"))
    (tmp_path / "fine.py").write_text(line86 + "\n")
    (tmp_path / "wide.py").write_text(line111 + "\n")
    out = _ruff(Path("."), cwd=tmp_path).stdout
    assert "wide.ipynb:cell 1:1:86: E501" in out, out
    assert "wide.py:1:111: E501" in out, out
    assert "ok.ipynb" not in out and "fine.py" not in out, out


def test_workflow_linter_is_available_and_bites():
    workflow = ROOT / ".github" / "workflows" / "book.yml"
    assert workflow.exists()
    exe = shutil.which("check-jsonschema") or str(
        Path(sys.executable).with_name("check-jsonschema"))
    if not Path(exe).exists():
        pytest.skip("check-jsonschema is not installed (make setup installs the test extra)")
    cmd = [exe, "--builtin-schema", "vendor.github-workflows"]
    result = subprocess.run(cmd + [str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = workflow.read_text().replace("runs-on:", "runs-onn:", 1)
    assert broken != workflow.read_text()
    bad_file = ROOT / "_build" / "lint-test" / "broken.yml"
    bad_file.parent.mkdir(parents=True, exist_ok=True)
    bad_file.write_text(broken)
    bad = subprocess.run(cmd + [str(bad_file)], capture_output=True, text=True)
    assert bad.returncode != 0, "the workflow linter accepted a workflow without runs-on"
