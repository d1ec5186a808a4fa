"""Checks on the book's sources and metadata (no execution, no network).

- every chapter notebook is stored without outputs, begins with the exact Colab setup cell,
  and never edits ``sys.path``;
- the setup cell does nothing outside Colab, and installs from the repository in _config.yml
  on Colab;
- _toc.yml and the notebooks in book/ agree;
- environment.yml (Binder), pyproject.toml and requirements/constraints.txt do not drift.
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPO_URL = CONFIG["repository"]["url"]

# The exact first cell of every chapter; {url} is the repository URL. It installs the runtime
# package only (no extras: the book toolchain in [book] would replace Colab's kernel stack).
SETUP_CELL = """\
# Setup: on Colab, install the book's package (ganlib); elsewhere this does nothing.
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("ganlib") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "ganlib @ git+{url}"], check=True)"""

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _toc_files(node) -> list[str]:
    """All `file:` entries of a jb-book _toc.yml, root included."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root") and isinstance(value, str):
                found.append(value)
            else:
                found += _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            found += _toc_files(item)
    return found


def _requirement_name(req: str) -> str:
    return re.split(r"[\s\[<>=!~;@]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_requirement_name(name)] = version.strip()
    return pins


# ---- notebooks ---------------------------------------------------------------------------------

def test_there_are_chapters():
    assert NOTEBOOKS, "no chapter notebooks in book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(path):
    dirty = [i for i, c in enumerate(_nb(path)["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} have stored outputs or execution "
                       "counts; commit notebooks stripped (e.g. `jupyter nbconvert "
                       "--clear-output --inplace`)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_begins_with_setup_cell(path):
    first = _nb(path)["cells"][0]
    assert first["cell_type"] == "code", f"{path.name}: the first cell must be the setup cell"
    assert _source(first).strip() == SETUP_CELL.format(url=REPO_URL), (
        f"{path.name}: the first cell differs from the setup cell in tests/test_book_meta.py "
        f"(install URL must be the repository URL of _config.yml: {REPO_URL})")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_does_not_edit_sys_path(path):
    bad = [i for i, c in enumerate(_nb(path)["cells"]) if "sys.path" in _source(c)]
    assert not bad, f"{path.name}: cells {bad} mention sys.path; import the installed ganlib"


# ---- the setup cell's logic --------------------------------------------------------------------

def _run_setup_cell(monkeypatch, on_colab: bool, ganlib_installed: bool) -> list:
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: (
        (real_find_spec(name, *a) if ganlib_installed else None) if name == "ganlib"
        else real_find_spec(name, *a)))
    exec(compile(SETUP_CELL.format(url=REPO_URL), "<setup cell>", "exec"), {})
    return calls


def test_setup_cell_is_a_no_op_outside_colab(monkeypatch):
    assert _run_setup_cell(monkeypatch, on_colab=False, ganlib_installed=False) == []
    assert _run_setup_cell(monkeypatch, on_colab=False, ganlib_installed=True) == []


def test_setup_cell_is_a_no_op_on_colab_when_ganlib_is_installed(monkeypatch):
    assert _run_setup_cell(monkeypatch, on_colab=True, ganlib_installed=True) == []


def test_setup_cell_installs_from_the_repository_on_colab(monkeypatch):
    calls = _run_setup_cell(monkeypatch, on_colab=True, ganlib_installed=False)
    assert len(calls) == 1
    (argv,), kwargs = calls[0]
    assert argv[:4] == [sys.executable, "-m", "pip", "install"]
    assert argv[-1] == f"ganlib @ git+{REPO_URL}"
    assert kwargs == {"check": True}


def test_setup_cell_lines_fit_the_code_column():
    long = [line for line in SETUP_CELL.format(url=REPO_URL).splitlines() if len(line) > 85]
    assert not long, f"setup cell lines longer than 85 characters: {long}"


# ---- table of contents and configuration -------------------------------------------------------

def test_toc_lists_every_notebook_and_only_existing_files():
    listed = _toc_files(TOC)
    assert len(listed) == len(set(listed)), f"duplicate entries in _toc.yml: {listed}"
    missing = [f for f in listed if not any((ROOT / (f + ext)).exists()
                                            for ext in ("", ".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"
    in_toc = {str(Path(f).with_suffix("")) for f in listed}
    orphans = [p.name for p in NOTEBOOKS if str(p.relative_to(ROOT).with_suffix("")) not in in_toc]
    assert not orphans, f"notebooks missing from _toc.yml: {orphans}"


def test_config_essentials():
    assert CONFIG["only_build_toc_files"] is True
    assert CONFIG["execute"]["execute_notebooks"] == "cache"
    assert 0 < CONFIG["execute"]["timeout"] <= 600
    assert REPO_URL == "https://github.com/gan-book/gan-book"
    # Launch buttons open the Jupyter-ready copies that CI publishes to the `notebooks` branch.
    assert CONFIG["repository"]["branch"] == "notebooks"
    assert CONFIG["repository"]["path_to_book"] == ""
    workflow = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    assert "--branch notebooks" in workflow and "--branch notebooks" in (
        ROOT / "Makefile").read_text(), "CI and `make publish` must fill the launch branch"
    assert CONFIG["launch_buttons"]["colab_url"] and CONFIG["launch_buttons"]["binderhub_url"]
    extensions = CONFIG["sphinx"]["extra_extensions"]
    for ext in ("sphinx_exercise", "sphinx_proof", "sphinx-mathjax-offline",
                "sphinx.ext.autodoc", "sphinx.ext.napoleon"):
        assert ext in extensions
    # The widget JavaScript is served locally, never from a CDN.
    assert all("://" not in src for src in CONFIG["sphinx"]["config"]["nb_ipywidgets_js"])


def test_repository_url_is_stated_once():
    """Only _config.yml (and the setup cells, checked above) carry the repository URL."""
    url = REPO_URL.removeprefix("https://")
    for name in ("_toc.yml", "Makefile", "environment.yml"):
        assert url not in (ROOT / name).read_text(), f"{name} repeats the repository URL"


def test_no_static_folder_at_the_book_root():
    # jupyter-book adds every .js under <root>/_static to every page.
    assert not list((ROOT / "_static").rglob("*.js")), "move scripts out of _static/"
    assert not (BOOK / ".pytest_cache").exists(), "book/.pytest_cache breaks -W builds"


# ---- dependencies: pyproject.toml vs environment.yml vs requirements/constraints.txt ------------

def test_pyproject_dependencies():
    deps = {_requirement_name(d): d for d in PYPROJECT["project"]["dependencies"]}
    for name in ("torch", "numpy", "scipy", "matplotlib", "tqdm", "pot", "scikit-learn",
                 "ipywidgets", "pandas", "torchmetrics"):
        assert name in deps, f"pyproject.toml: {name} missing from dependencies"
    assert deps["torch"].replace(" ", "") == "torch>=2.3", "keep torch loose (Colab has its own)"
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"book", "test"} <= set(extras)
    assert "jupyter-book==1.0.4.post1" in extras["book"]


def test_pinned_extras_agree_with_constraints():
    pins = _constraints()
    assert pins.get("torch") == "2.13.0", "requirements/constraints.txt must pin the CPU torch"
    for extra, reqs in PYPROJECT["project"]["optional-dependencies"].items():
        for req in reqs:
            if "==" in req:
                name, version = _requirement_name(req), req.split("==", 1)[1].strip()
                assert pins.get(name) == version, (
                    f"pyproject [{extra}] pins {req} but constraints.txt has "
                    f"{name}=={pins.get(name)}")
    for req in PYPROJECT["project"]["dependencies"]:
        assert _requirement_name(req) in pins, f"{req} is not in requirements/constraints.txt"


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert sorted(conda) == ["pip", "python=3.11"], (
        f"environment.yml conda dependencies should be python=3.11 and pip only, got {conda}; "
        "add packages to pyproject.toml instead")
    assert PYPROJECT["project"]["requires-python"] in (">=3.10", ">=3.11", ">=3.9")
    packages = [p for p in pip if not p.startswith("--")]
    options = [p for p in pip if p.startswith("--")]
    assert options in ([], ["--extra-index-url https://download.pytorch.org/whl/cpu"])
    installs = [p for p in packages if p.replace("-e ", "").strip() in (".[book]", ".")]
    assert len(installs) == 1 and "[book]" in installs[0], (
        f"environment.yml must install the package with its book extras (-e .[book]): {pip}")
    others = [p for p in packages if p not in installs]
    assert others == [f"torch=={_constraints()['torch']}"], (
        f"environment.yml pip section drifted: {others}; the only extra pin allowed is "
        "the CPU torch of requirements/constraints.txt")


def test_api_reference_covers_every_module():
    api = (BOOK / "api.md").read_text()
    modules = sorted(p.stem for p in (ROOT / "ganlib").glob("*.py") if not p.stem.startswith("_"))
    missing = [m for m in modules if f".. automodule:: ganlib.{m}\n" not in api]
    assert not missing, f"book/api.md has no automodule for: {missing}"


# ---- what a reader meets first, and citations ---------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_title_follows_the_setup_cell(path):
    """The title is the first thing on the page: any cell between the (removed) setup cell and
    the title would render above it (a hide-input cell shows a "Show code cell source" bar)."""
    second = _nb(path)["cells"][1]
    lines = [line for line in _source(second).splitlines() if line.strip()]
    if lines and re.fullmatch(r"\([^()\s]+\)=", lines[0].strip()):
        lines = lines[1:]
    assert second["cell_type"] == "markdown" and lines and lines[0].startswith("# "), (
        f"{path.name}: the cell after the setup cell must be the chapter's title (# ...); "
        f"move cell {second.get('id')} ({second['cell_type']}) below the title")


def _cited_keys() -> set[str]:
    keys = set()
    texts = [_source(c) for p in NOTEBOOKS for c in _nb(p)["cells"]]
    texts += [p.read_text() for p in BOOK.glob("*.md")]
    for text in texts:
        for group in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", text):
            keys |= {k.strip() for k in group.split(",")}
    return keys


def _bib_keys() -> list[str]:
    return re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", (BOOK / "references.bib").read_text(), re.M)


def test_every_citation_is_in_references_bib():
    missing = sorted(_cited_keys() - set(_bib_keys()))
    assert not missing, f"cited but not in book/references.bib: {missing}"


def test_every_reference_is_cited():
    uncited = sorted(set(_bib_keys()) - _cited_keys())
    assert not uncited, (f"book/references.bib entries cited nowhere (cite them with "
                         f"{{cite:t}}/{{cite:p}} or remove them): {uncited}")


def test_citations_use_one_style():
    """Citations are {cite:t}/{cite:p} roles (rendered author-year), not typed by hand."""
    assert CONFIG["sphinx"]["config"]["bibtex_reference_style"] == "author_year"
    by_hand = re.compile(r"\[[A-Z][A-Za-z]+\d{2}\]|^\**References?\.|"
                         r"[A-Z][a-z]+ (?:et al\.|and [A-Z][a-z]+),? \(?(?:19|20)\d\d", re.M)
    typed = [(p.name, m) for p in NOTEBOOKS for c in _nb(p)["cells"]
             if c["cell_type"] == "markdown" for m in by_hand.findall(_source(c))]
    assert not typed, f"hand-typed citation keys or run-on reference lists: {typed[:10]}"
