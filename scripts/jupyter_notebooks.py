"""Jupyter-ready copies of the chapters: MyST rendered to plain Markdown, code untouched.

The HTML book is built from ``book/*.ipynb`` with MyST directives and roles (exercises,
solutions, theorems, ``{eq}`` references, ``{cite:t}`` citations, ``(label)=`` targets,
``$$ … $$ (label)`` numbered equations). Plain Jupyter, Colab and Binder show those as raw
text. Like QuantEcon's generated "Jupyter-ready" notebooks, this script writes a copy of each
chapter in which every markdown cell is plain CommonMark + HTML that classic Jupyter renders:

- ``(label)=``                      -> ``<a id="label"></a>`` (in-notebook links still work)
- headings                          -> numbered as the HTML book numbers them ("2.3. Title")
- ``$$ … $$ (label)``, ``{math}``   -> ``$$ … \\tag{N.k} $$`` (the HTML's number)
- ``{eq}`label```                   -> ``(N.k)``
- ``{ref}``/``{numref}``/``{doc}``  -> "Chapter N", "Section N.k", "Exercise N.k", "Theorem N.k"
- ``{cite:t}``/``{cite:p}``         -> "Goodfellow et al. (2014)" / "(Goodfellow et al., 2014)"
                                       (author-year, the style of the HTML book)
- ``{exercise}``                    -> a quoted block "**Exercise N.k** (title)"
- ``{solution}`` / ``:class: dropdown`` / ``{dropdown}`` -> ``<details><summary>…</summary>``
- ``{prf:theorem}`` and friends     -> a quoted block "**Theorem N.k** (title)"; proofs end ∎
- admonitions (note, tip, ...)      -> a quoted block with a bold title
- any other role                    -> its text; any other directive -> its content

Code cells (source, tags, metadata) are copied unchanged, so the copies execute exactly as the
sources that nbval tests. Numbers follow Sphinx's rules for this book (numbered toctree,
``numfig_secnum_depth`` 1): chapter N in _toc.yml order, labelled equations, exercises and each
prf kind counted per chapter as N.k, sections N.k(.j). tests/test_jupyter_notebooks.py checks
that no MyST is left and that the numbers agree with the built HTML.

Usage::

    python scripts/jupyter_notebooks.py [--out _build/jupyter]     # -> <out>/book/*.ipynb
    python scripts/jupyter_notebooks.py --tree _build/notebooks-branch
        # a copy of the committed tree (git archive HEAD) with book/*.ipynb replaced: what the
        # `notebooks` branch holds for the Colab and Binder launch buttons (see README).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

FENCE = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[A-Za-z][\w:.-]*)\}\s*(?P<arg>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
TARGET = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
ROLE = re.compile(r"\{(?P<name>[A-Za-z][\w:.-]*)\}`(?P<body>[^`]*)`")
LABELLED_MATH = re.compile(r"\$\$(?P<body>.+?)\$\$[ \t]*\((?P<label>[^()\s]+)\)", re.S)
DOUBLED = re.compile(r"\b((?:exercise|theorem|section|chapter|proposition|definition)s?)\s+"
                     r"(?:Exercise|Theorem|Section|Chapter|Proposition|Definition)(?= \d)",
                     re.I)
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)

ADMONITIONS = {"note": "Note", "tip": "Tip", "important": "Important", "warning": "Warning",
               "caution": "Caution", "attention": "Attention", "danger": "Danger",
               "error": "Error", "hint": "Hint", "seealso": "See also", "admonition": ""}
PRF_KINDS = {"theorem", "lemma", "proposition", "corollary", "definition", "conjecture",
             "axiom", "example", "property", "observation", "remark", "criterion", "algorithm",
             "assumption", "notation"}


# ---- the book: chapters, labels and their numbers ---------------------------------------------

@dataclass
class Target:
    kind: str          # "chapter", "section", "equation", "exercise", "theorem", ...
    number: str        # "2", "2.3", "2.1"
    title: str = ""


@dataclass
class Book:
    chapters: list[Path]
    labels: dict[str, Target] = field(default_factory=dict)
    docs: dict[str, Target] = field(default_factory=dict)       # "book/02_minimax_game" -> ch.
    bib: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (authors, year)


def _toc_chapters(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = []
    for part in toc.get("parts", []):
        if part.get("numbered"):
            files += [c["file"] for c in part.get("chapters", [])]
    return files


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _strip_latex(text: str) -> str:
    text = re.sub(r"\\[`'^\"~=.uvHckbdrt]\s*\{?(\w)\}?", r"\1", text)  # accents: Husz{\'a}r
    return text.replace("{", "").replace("}", "").replace("\\", "").strip()


def read_bib(path: Path) -> dict[str, tuple[str, str]]:
    """key -> ("Goodfellow et al.", "2014"), read with a small parser (no pybtex needed)."""
    text = path.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r"@\w+\s*\{\s*([^,\s]+)\s*,(.*?)\n\}", text, re.S):
        key, body = m.group(1), m.group(2)
        fields = {k.lower(): v for k, v in re.findall(
            r"(\w+)\s*=\s*(\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}|\"[^\"]*\"|\d+)", body)}
        authors = fields.get("author", "").strip("{}\"")
        names = [a.strip() for a in re.split(r"\s+and\s+", authors) if a.strip()]
        lasts = [_strip_latex(n.split(",")[0] if "," in n else n.split()[-1]) for n in names]
        if not lasts:
            who = _strip_latex(fields.get("title", key).strip("{}\""))
        elif len(lasts) == 1:
            who = lasts[0]
        elif len(lasts) == 2:
            who = f"{lasts[0]} and {lasts[1]}"
        else:
            who = f"{lasts[0]} et al."
        out[key] = (who, fields.get("year", "n.d.").strip("{}\""))
    return out


def _iter_blocks(text: str):
    """Yield ("text", lines) and ("fence", info, indent, fence, body_lines) blocks of markdown."""
    lines = text.split("\n")
    i, buf = 0, []
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m and not (m["fence"][0] == "`" and "`" in m["info"]):
            if buf:
                yield ("text", buf)
                buf = []
            ch, n = m["fence"][0], len(m["fence"])
            close = re.compile(rf"^[ \t]{{0,3}}{re.escape(ch)}{{{n},}}\s*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j]):
                j += 1
            yield ("fence", m["info"].strip(), m["indent"], m["fence"], lines[i + 1:j])
            i = j + 1
            continue
        buf.append(lines[i])
        i += 1
    if buf:
        yield ("text", buf)


def _split_options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """MyST directive options: leading `:key: value` lines or a leading `---` YAML block."""
    opts: dict[str, str] = {}
    k = 0
    if body and body[0].strip() == "---":
        end = next((j for j in range(1, len(body)) if body[j].strip() == "---"), None)
        if end is not None:
            data = yaml.safe_load("\n".join(body[1:end])) or {}
            return {str(a): str(b) for a, b in data.items()}, body[end + 1:]
    while k < len(body) and (m := OPTION.match(body[k].strip())):
        opts[m["key"]] = m["value"].strip()
        k += 1
    return opts, body[k:]


def scan(root: Path = ROOT) -> Book:
    """First pass: number every chapter, section, equation, exercise and prf block."""
    chapters = [root / f"{f}.ipynb" for f in _toc_chapters(root)]
    book = Book(chapters=chapters, bib=read_bib(root / "book" / "references.bib"))
    for n, path in enumerate(chapters, start=1):
        counters: dict[str, int] = {}
        sections = [0, 0, 0, 0, 0]
        pending: list[str] = []

        def count(kind: str) -> str:
            counters[kind] = counters.get(kind, 0) + 1
            return f"{n}.{counters[kind]}"

        def walk(text: str):
            nonlocal pending
            for block in _iter_blocks(text):
                if block[0] == "text":
                    body = "\n".join(block[1])
                    for line in block[1]:
                        if t := TARGET.match(line.strip()):
                            pending.append(t["label"])
                        elif h := HEADING.match(line):
                            level, title = len(h["hashes"]), h["title"]
                            if level == 1:
                                target = Target("chapter", str(n), title)
                                book.docs[str(path.relative_to(root).with_suffix(""))] = target
                            else:
                                sections[level - 2] += 1
                                for d in range(level - 1, len(sections)):
                                    sections[d] = 0
                                num = ".".join(str(s) for s in [n, *sections[:level - 1]])
                                target = Target("section", num, title)
                            for label in pending:
                                book.labels[label] = target
                            pending = []
                        elif line.strip():
                            pending = []
                    for m in LABELLED_MATH.finditer(body):
                        book.labels[m["label"]] = Target("equation", count("equation"))
                    continue
                _, info, _, _, lines = block
                d = DIRECTIVE_INFO.match(info)
                if not d:
                    continue
                name = d["name"]
                opts, content = _split_options(lines)
                kind = name.split(":", 1)[1] if name.startswith("prf:") else name
                if name == "exercise" or (name.startswith("prf:") and kind in PRF_KINDS):
                    num = "" if "nonumber" in opts else count(kind)
                    if "label" in opts:
                        book.labels[opts["label"]] = Target(kind, num, d["arg"])
                elif name == "math" and "label" in opts:
                    book.labels[opts["label"]] = Target("equation", count("equation"))
                walk("\n".join(content))

        for cell in _cells(path):
            if cell["cell_type"] == "markdown":
                walk(_src(cell))
    return book


# ---- second pass: render one markdown cell ------------------------------------------------------

def _quote(text: str) -> str:
    return "\n".join(("> " + line).rstrip() for line in text.strip("\n").split("\n"))


class Renderer:
    def __init__(self, book: Book, chapter: int):
        self.book, self.chapter = book, chapter
        self.sections = [0, 0, 0, 0, 0]
        self.counters: dict[str, int] = {}

    # roles ---------------------------------------------------------------------------------
    def _ref_text(self, label: str) -> str:
        t = self.book.labels.get(label)
        if t is None:
            return label
        if t.kind == "chapter":
            return f"Chapter {t.number}"
        if t.kind == "section":
            return f"Section {t.number}"
        if t.kind == "equation":
            return f"({t.number})"
        return f"{t.kind.capitalize()} {t.number}".strip()

    def _cite(self, keys: str, parenthetical: bool) -> str:
        parts = []
        for key in (k.strip() for k in keys.split(",")):
            who, year = self.book.bib.get(key, (key, "n.d."))
            parts.append(f"{who}, {year}" if parenthetical else f"{who} ({year})")
        return f"({'; '.join(parts)})" if parenthetical else ", ".join(parts)

    def role(self, m: re.Match) -> str:
        name, body = m["name"], m["body"]
        explicit = EXPLICIT.match(body)
        text, target = (explicit["text"], explicit["target"]) if explicit else (None, body)
        if name == "eq":
            return self._ref_text(target)
        if name in ("cite:t", "cite:ts", "cite:author", "cite:year"):
            return self._cite(target, parenthetical=False)
        if name.startswith("cite"):
            return self._cite(target, parenthetical=True)
        if name in ("ref", "numref", "prf:ref", "doc", "any"):
            if text:
                return text.replace("%s", self._ref_text(target).split()[-1])
            if name == "doc":
                doc = str((Path("book") / target).as_posix()).replace("book/book/", "book/")
                t = self.book.docs.get(doc) or self.book.docs.get(target)
                return f"Chapter {t.number}" if t else Path(target).name
            return self._ref_text(target)
        if name == "math":
            return f"${body}$"
        if name in ("code", "literal", "samp", "file", "command", "kbd"):
            return f"`{body}`"
        if name == "sub":
            return f"<sub>{body}</sub>"
        if name == "sup":
            return f"<sup>{body}</sup>"
        return text or body

    # text blocks ---------------------------------------------------------------------------
    def text(self, lines: list[str]) -> str:
        out = []
        for line in lines:
            if t := TARGET.match(line.strip()):
                out.append(f'<a id="{t["label"]}"></a>')
                continue
            if h := HEADING.match(line):
                level = len(h["hashes"])
                if level == 1:
                    out.append(f"# {self.chapter}. {h['title']}")
                else:
                    self.sections[level - 2] += 1
                    for d in range(level - 1, len(self.sections)):
                        self.sections[d] = 0
                    num = ".".join(str(s) for s in [self.chapter, *self.sections[:level - 1]])
                    out.append(f"{h['hashes']} {num}. {h['title']}")
                continue
            out.append(line)
        body = "\n".join(out)

        def labelled(m: re.Match) -> str:
            t = self.book.labels.get(m["label"])
            tag = f"\\tag{{{t.number}}}" if t else ""
            return f'<a id="equation-{m["label"]}"></a>\n\n$${m["body"].rstrip()}\n{tag}\n$$'

        body = ROLE.sub(self.role, LABELLED_MATH.sub(labelled, body))
        # "Exercise {ref}`ex-…`" would read "Exercise Exercise 7.1": keep the author's word.
        return DOUBLED.sub(lambda m: m[1], body)

    # directives ----------------------------------------------------------------------------
    def directive(self, name: str, arg: str, opts: dict[str, str], content: str) -> str:
        inner = self.render(content).strip("\n")
        anchor = f'<a id="{opts["label"]}"></a>\n\n' if "label" in opts else ""
        title = ROLE.sub(self.role, arg) if arg else ""
        kind = name.split(":", 1)[1] if name.startswith("prf:") else name
        if name == "exercise" or (name.startswith("prf:") and kind in PRF_KINDS):
            num = ""
            if "nonumber" not in opts:
                self.counters[kind] = self.counters.get(kind, 0) + 1
                num = f" {self.chapter}.{self.counters[kind]}"
            head = f"**{kind.capitalize()}{num}**" + (f" ({title})" if title else "")
            return anchor + _quote(f"{head}\n\n{inner}")
        if name == "prf:proof":
            return anchor + _quote(f"*Proof.* {inner} $\\blacksquare$")
        if name == "solution":
            of = self._ref_text(arg.strip()) if arg.strip() else ""
            summary = f"Solution to {of}" if of else "Solution"
            return f"{anchor}<details>\n<summary>{summary}</summary>\n\n{inner}\n\n</details>"
        if name in ("dropdown", "toggle") or "dropdown" in opts.get("class", ""):
            summary = title or "Show"
            return f"{anchor}<details>\n<summary>{summary}</summary>\n\n{inner}\n\n</details>"
        if name in ADMONITIONS:
            head = title if name == "admonition" else ADMONITIONS[name]
            return anchor + _quote(f"**{head}.** {inner}" if head else inner)
        if name == "math":
            t = self.book.labels.get(opts.get("label", ""))
            tag = f"\n\\tag{{{t.number}}}" if t else ""
            return f"{anchor}$$\n{content.strip()}{tag}\n$$"
        if name in ("code-block", "code", "sourcecode"):
            return f"```{arg}\n{content}\n```"
        if name in ("figure", "image"):
            return f"![{inner or title}]({arg})"
        if name in ("bibliography", "tableofcontents", "toctree", "glue:figure"):
            return ""
        return anchor + inner

    def render(self, text: str) -> str:
        out = []
        for block in _iter_blocks(text):
            if block[0] == "text":
                out.append(self.text(block[1]))
                continue
            _, info, indent, fence, lines = block
            d = DIRECTIVE_INFO.match(info)
            if d is None:
                # A plain code block: copied verbatim (`:::` without a name: its content).
                if fence[0] == ":":
                    out.append(self.render("\n".join(lines)))
                else:
                    out.append("\n".join([f"{indent}{fence}{info}", *lines, f"{indent}{fence}"]))
                continue
            opts, content = _split_options(lines)
            out.append(self.directive(d["name"], d["arg"], opts, "\n".join(content)))
        return "\n".join(out)


def convert_notebook(path: Path, book: Book) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    chapter = next(i for i, p in enumerate(book.chapters, start=1) if p.name == path.name)
    renderer = Renderer(book, chapter)
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = renderer.render(_src(cell))
    return nb


def convert_all(out: Path, root: Path = ROOT) -> list[Path]:
    """Write <out>/book/<chapter>.ipynb for every chapter; return the written paths."""
    book = scan(root)
    written = []
    for path in book.chapters:
        nb = convert_notebook(path, book)
        dest = out / path.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "jupyter")
    ap.add_argument("--tree", type=Path, help="also write a full tree (git archive HEAD)")
    args = ap.parse_args(argv)
    written = convert_all(args.out)
    if args.tree:
        args.tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(args.tree)], input=archive, check=True)
        convert_all(args.tree)
    print(f"{len(written)} Jupyter-ready notebooks in {args.out}"
          + (f"; full tree in {args.tree}" if args.tree else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
