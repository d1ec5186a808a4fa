"""What the chapters' Colab setup cell would install, resolved offline from package metadata.

The setup cell (tests/test_book_meta.py) runs ``pip install "ganlib @ git+<repository>"`` on a
running Colab runtime. Colab pins its own kernel stack (``google-colab`` requires e.g.
``ipykernel==5.5.6``/``6.17.1`` and ``ipython==7.34.0``) and warns that upgrading it "can cause
your runtime to repeatedly crash"; see googlecolab/colabtools#2837, where installing a package
that needs ``ipython>=8.10`` pulled ipykernel 6.29, ipython 8.26 and jupyter-client 8.

What "touch" means here. pip's default upgrade strategy (``only-if-needed``) keeps every
installed distribution whose version satisfies all the specifiers in the resolution, and
replaces it only when some requirement excludes the installed version. So the cell leaves
Colab's kernel stack alone exactly when no requirement reachable from ``ganlib`` (ganlib's own
dependencies and, transitively, theirs) carries a specifier on ipykernel, ipython, tornado,
pyzmq, prompt-toolkit, jupyter-client or notebook that Colab's installed version fails. A mere
*dependency* on one of them is harmless: ``ipywidgets`` (needed by the chapters' sliders)
requires ``ipython>=6.1.0``, which Colab's 7.34 satisfies. An exact pin, a lower bound above
Colab's version, or an upper bound below it is not. For the same reason ganlib's own
dependencies must carry no pins (``==``, ``~=``, ``===``) and no extras: a pin on anything
Colab already has (torch, numpy, ipywidgets...) would replace Colab's build.

How it is resolved here, offline: the requirement list of ganlib comes from pyproject.toml (the
cell installs from the repository, so that is what pip reads); the requirements of every
dependency come from the metadata of the versions installed in this environment (the exact
versions of requirements/constraints.txt, i.e. what a fresh resolve picks today), walked
recursively with environment markers evaluated and without extras. The protected packages
themselves are not walked into: they stay as Colab has them. The test fails if the walk meets
a specifier that excludes a Colab version in COLAB_KERNEL_STACK, or if the cell asks for extras
(``ganlib[book]`` would bring ipykernel==7.4 and the whole Sphinx toolchain).
"""
from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from test_book_meta import REPO_URL, SETUP_CELL

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# Versions Colab runtimes have shipped (2024: colabtools#2837's pip log; 2025 runtime).
# A requirement must admit every one of them, so the cell works on old and current runtimes.
COLAB_KERNEL_STACK = {
    "ipykernel": ["5.5.6", "6.17.1"],
    "ipython": ["7.34.0"],
    "tornado": ["6.3.3", "6.4.2"],
    "pyzmq": ["24.0.1"],
    "prompt-toolkit": ["3.0.47", "3.0.51"],
    "jupyter-client": ["6.1.12"],
    "notebook": ["6.5.5", "6.5.7"],
}
PROTECTED = set(COLAB_KERNEL_STACK)
# Packages Colab has preinstalled that ganlib depends on directly, at versions we must accept.
COLAB_PREINSTALLED = {"torch": "2.3.0", "numpy": "1.26.4", "ipywidgets": "7.7.1",
                      "matplotlib": "3.7.1", "pandas": "2.0.3", "scipy": "1.11.4",
                      "scikit-learn": "1.2.2", "tqdm": "4.66.1"}


def _cell_requirement() -> Requirement:
    cell = SETUP_CELL.format(url=REPO_URL)
    specs = re.findall(r'"(ganlib[^"]*)"', cell)
    specs = [s for s in specs if "git+" in s]
    assert len(specs) == 1, f"the setup cell should install exactly one ganlib requirement: {specs}"
    return Requirement(specs[0])


def _applies(req: Requirement) -> bool:
    return req.marker is None or req.marker.evaluate({"extra": ""})


def _walk(requirements: list[Requirement]) -> list[tuple[str, Requirement]]:
    """Every (who requires, requirement) pair reachable from `requirements`, without extras."""
    seen: set[str] = set()
    found: list[tuple[str, Requirement]] = []
    queue = [("ganlib", r) for r in requirements]
    while queue:
        parent, req = queue.pop()
        if not _applies(req):
            continue
        found.append((parent, req))
        name = canonicalize_name(req.name)
        if name in seen or name in PROTECTED:
            continue
        seen.add(name)
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            pytest.fail(f"{req.name} (required by {parent}) is not installed here, so its "
                        "requirements cannot be resolved offline; run `make setup`")
        for line in dist.requires or []:
            queue.append((f"{name} {dist.version}", Requirement(line)))
    return found


def test_setup_cell_installs_the_runtime_package_without_extras():
    req = _cell_requirement()
    assert canonicalize_name(req.name) == "ganlib"
    assert not req.extras, (f"the setup cell installs ganlib[{','.join(req.extras)}]: extras "
                            "bring the book toolchain (exact ipykernel, sphinx, ...) onto Colab")
    assert req.url == f"git+{REPO_URL}"


def test_runtime_dependencies_are_loose():
    for line in PYPROJECT["project"]["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name not in PROTECTED, f"ganlib must not depend on {name} directly"
        assert not req.extras, f"{line}: no extras in runtime dependencies"
        bad = [s for s in req.specifier if s.operator in ("==", "===", "~=", "<", "<=", "!=")]
        assert not bad, f"{line}: runtime dependencies take lower bounds only (Colab keeps its own)"
        if name in COLAB_PREINSTALLED:
            assert req.specifier.contains(COLAB_PREINSTALLED[name], prereleases=True), (
                f"{line} excludes Colab's {name}=={COLAB_PREINSTALLED[name]}: pip would replace it")


def test_runtime_dependencies_exclude_the_toolchain():
    runtime = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    toolchain = {canonicalize_name(Requirement(r).name)
                 for r in PYPROJECT["project"]["optional-dependencies"]["book"]}
    assert not runtime & toolchain, f"toolchain packages among runtime deps: {runtime & toolchain}"


def test_setup_cell_leaves_colabs_kernel_stack_alone():
    runtime = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    pairs = _walk(runtime)
    assert len({canonicalize_name(r.name) for _, r in pairs}) > len(runtime), "walk found nothing"
    conflicts = []
    for parent, req in pairs:
        name = canonicalize_name(req.name)
        for version in COLAB_KERNEL_STACK.get(name, []):
            if not req.specifier.contains(Version(version), prereleases=True):
                conflicts.append(f"{parent} requires {req} (Colab has {name}=={version})")
    assert not conflicts, ("installing ganlib on Colab would replace its kernel stack:\n  "
                           + "\n  ".join(conflicts))


def test_the_check_catches_a_pin():
    """The walk itself can fail: ganlib[book]'s ipykernel==7.4.0 is reported."""
    book = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["book"]]
    hits = [r for _, r in _walk(book) if canonicalize_name(r.name) == "ipykernel"
            and not r.specifier.contains("5.5.6")]
    assert hits, "the book extra pins ipykernel; the check should have flagged it"
