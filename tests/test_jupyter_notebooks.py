"""The Jupyter-ready notebooks (scripts/jupyter_notebooks.py) that the download button, Colab and
Binder hand out: no raw MyST in any markdown cell, code cells identical to the sources that
nbval executes (so they pass nbval exactly when the sources do), and the numbers they print
(chapters, sections, equations, exercises, theorems) the ones the built HTML shows.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("GANBOOK_HTML", ROOT / "_build" / "html"))
_spec = importlib.util.spec_from_file_location("jupyter_notebooks",
                                               ROOT / "scripts" / "jupyter_notebooks.py")
jn = importlib.util.module_from_spec(_spec)
sys.modules["jupyter_notebooks"] = jn  # dataclasses look their module up in sys.modules
_spec.loader.exec_module(jn)

# Anything MyST-specific that plain Jupyter would show as raw text.
RAW_MYST = {
    "role": re.compile(r"\{[A-Za-z][\w:.-]*\}`"),                       # {eq}`x`, {cite:t}`x`
    "directive": re.compile(r"^\s*(?:>\s*)*(?:`{3,}|~{3,}|:{3,})\s*\{", re.M),  # ```{note}
    "colon fence": re.compile(r"^\s*(?:>\s*)*:{3,}", re.M),                   # ::: blocks
    "target": re.compile(r"^\s*(?:>\s*)*\([^()\s]+\)=\s*$", re.M),          # (label)=
    "equation label": re.compile(r"\$\$\s*\([^()\s]+\)"),                   # $$ (label)
    "option": re.compile(r"^\s*(?:>\s*)*:(?:label|class|nonumber|name|dropdown):", re.M),
}


def _strip_code(md: str) -> str:
    """Markdown without fenced code blocks and inline code (they may show MyST on purpose)."""
    md = re.sub(r"^(\s*(?:>\s*)*)(`{3,}|~{3,})(?!\s*\{)[^`\n]*\n.*?^\s*(?:>\s*)*\2\s*$", "",
                md, flags=re.S | re.M)
    return re.sub(r"(?<![}`])`[^`\n]+`", "", md)


def raw_myst(md: str) -> list[str]:
    text = _strip_code(md)
    return [f"{kind}: {text[max(0, m.start() - 30):m.end() + 30]!r}"
            for kind, rx in RAW_MYST.items() for m in rx.finditer(text)]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("jupyter")
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in jn.convert_all(out)}


SOURCES = sorted((ROOT / "book").glob("*.ipynb"))


def test_every_chapter_is_converted(converted):
    assert sorted(converted) == sorted(p.name for p in SOURCES)


def test_the_detector_finds_myst():
    sample = ("(ch02-x)=\n# T\n{eq}`ch02-bce` and {cite:t}`goodfellow2014`\n\n"
              ":::{exercise} A\n:label: ex-a\nx\n:::\n\n$$\nx\n$$ (ch02-y)\n"
              "```{prf:theorem} B\ny\n```\n")
    kinds = {hit.split(":")[0] for hit in raw_myst(sample)}
    assert kinds >= {"role", "directive", "colon fence", "target", "equation label", "option"}
    assert len([h for h in raw_myst(sample) if h.startswith("directive")]) == 2
    assert raw_myst("Plain `{eq}` in code, and\n```python\n:::{x}\n```\n") == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_raw_myst_left(converted, path):
    hits = [f"cell {i}: {hit}" for i, cell in enumerate(converted[path.name]["cells"])
            if cell["cell_type"] == "markdown" for hit in raw_myst(jn._src(cell))]
    assert not hits, f"{path.name}: raw MyST in the Jupyter-ready notebook:\n" + "\n".join(hits)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_code_cells_are_the_sources(converted, path):
    """Same cells in the same order; code cells byte-identical (source, metadata, outputs)."""
    source = json.loads(path.read_text(encoding="utf-8"))
    ours = converted[path.name]
    assert [c["cell_type"] for c in ours["cells"]] == [c["cell_type"] for c in source["cells"]]
    assert ours["metadata"] == source["metadata"]
    for a, b in zip(ours["cells"], source["cells"]):
        if b["cell_type"] == "code":
            assert a == b, f"{path.name}: code cell {b.get('id')} changed by the conversion"


def test_conversion_examples():
    book = jn.Book(chapters=[], bib={"goodfellow2014": ("Goodfellow et al.", "2014"),
                                     "arjovsky2017": ("Arjovsky et al.", "2017")})
    book.labels.update({"ch02-bce": jn.Target("equation", "2.3"),
                        "ch03-optimal-discriminator": jn.Target("chapter", "3"),
                        "ex-ch02-bce": jn.Target("exercise", "2.1")})
    r = jn.Renderer(book, chapter=2)
    out = r.render("See {eq}`ch02-bce`, {ref}`ch03-optimal-discriminator` and "
                   "{cite:t}`goodfellow2014`; {cite:p}`goodfellow2014,arjovsky2017`.")
    assert out == ("See (2.3), Chapter 3 and Goodfellow et al. (2014); "
                   "(Goodfellow et al., 2014; Arjovsky et al., 2017).")
    sol = r.render(":::{solution} ex-ch02-bce\n:class: dropdown\n\nText.\n:::")
    assert sol.startswith("<details>\n<summary>Solution to Exercise 2.1</summary>")
    assert sol.rstrip().endswith("</details>") and "Text." in sol
    assert r.render("```{note}\nHi.\n```") == "> **Note.** Hi."


# ---- the numbers agree with the HTML book --------------------------------------------------------

def _html_numbers(page: str) -> dict[str, str]:
    """label -> number printed by the HTML (equations, sections, exercises, prf blocks)."""
    found = {}
    for m in re.finditer(r'id="equation-([^"]+)"[^>]*>.*?<span class="eqno">\(([\d.]+)\)',
                         page, re.S):
        found[f"equation-{m[1]}"] = m[2]
    for m in re.finditer(r'<div[^>]* id="([^"]+)"[^>]*>\s*<p class="admonition-title">'
                         r'\s*<span class="caption-number">\s*\w+\s+([\d.]+)', page):
        found[m[1]] = m[2]
    return found


@pytest.mark.skipif(not (HTML / "book").is_dir(), reason="the HTML book is not built")
def test_numbers_match_the_html_book():
    book = jn.scan(ROOT)
    mismatches, compared = [], 0
    for path in book.chapters:
        html = HTML / "book" / f"{path.stem}.html"
        if not html.exists():
            continue
        for key, number in _html_numbers(html.read_text(encoding="utf-8")).items():
            label = key.removeprefix("equation-")
            target = book.labels.get(label)
            if target is None:
                continue
            compared += 1
            if target.number != number:
                mismatches.append(f"{path.stem}: {label} is {number} in the HTML, "
                                  f"{target.number} in the notebook")
    assert compared, "no numbered equation or exercise found in the HTML"
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.skipif(not (HTML / "_sources" / "book").is_dir(), reason="the HTML book is not built")
def test_download_links_serve_the_jupyter_ready_notebooks():
    """`make html` replaces _build/html/_sources/book/*.ipynb (the download button's target)."""
    for path in SOURCES:
        served = HTML / "_sources" / "book" / path.name
        assert served.exists(), f"{served} missing"
        nb = json.loads(served.read_text(encoding="utf-8"))
        hits = [h for c in nb["cells"] if c["cell_type"] == "markdown"
                for h in raw_myst(jn._src(c))]
        assert not hits, (f"{served}: the download is the MyST source (run `make html`, which "
                          f"runs scripts/jupyter_notebooks.py): {hits[:3]}")


def test_the_launch_branch_tree(tmp_path):
    """`--tree` (what CI pushes to the `notebooks` branch that Colab and Binder open): the
    committed tree, so Binder finds environment.yml and the package, with the chapters replaced
    by their Jupyter-ready copies."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tree = tmp_path / "tree"
    assert jn.main(["--out", str(tmp_path / "nb"), "--tree", str(tree)]) == 0
    for name in ("environment.yml", "pyproject.toml", "ganlib/__init__.py", "_config.yml"):
        assert (tree / name).exists(), f"{name} missing from the launch branch tree"
    for path in SOURCES:
        nb = json.loads((tree / "book" / path.name).read_text(encoding="utf-8"))
        assert not [h for c in nb["cells"] if c["cell_type"] == "markdown"
                    for h in raw_myst(jn._src(c))], f"{path.name}: MyST left in the tree"
