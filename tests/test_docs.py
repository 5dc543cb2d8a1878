"""Executable documentation: every ```hp block in docs/*.md is run and must do what its
`# expect:` lines say (see "About the examples" in docs/language.md); every error code the
sources can emit is documented in docs/errors.md, and each documented example produces it;
every link and repository path in the docs resolves; every CLI argument has --help text."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hpverify.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```\s*$", re.M | re.S)


@dataclass
class Block:
    doc: str
    index: int
    lang: str
    text: str
    section: str  # the nearest heading above the block
    args: list[str] = field(default_factory=lambda: ["prove"])
    expects: list[str] = field(default_factory=list)
    file: str | None = None
    mkdirs: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.doc}#{self.index}"


def _blocks(doc: Path) -> list[Block]:
    text = doc.read_text()
    out: list[Block] = []
    for n, m in enumerate(FENCE.finditer(text)):
        lang, body = m.group(1), m.group(2)
        if lang not in ("hp", "python"):
            continue
        headings = re.findall(r"^#+ (.*)$", FENCE.sub("", text[: m.start()]), re.M)
        b = Block(doc.name, n, lang, body, headings[-1] if headings else "")
        for line in body.splitlines():
            if not line.startswith("#"):
                break
            key, _, value = line[1:].strip().partition(":")
            value = value.strip()
            if key == "args":
                b.args = shlex.split(value)
            elif key == "expect":
                b.expects.append(value)
            elif key == "file":
                b.file = value
            elif key == "mkdir":
                b.mkdirs.append(value)
        out.append(b)
    return out


OWN_DOCS = ("language.md", "errors.md")  # other docs/ pages have their own conventions
ALL = [b for name in OWN_DOCS if (DOCS / name).exists() for b in _blocks(DOCS / name)]
RUNNABLE = [b for b in ALL if b.file is None]


def cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _spec_text(b: Block) -> str:
    if b.lang == "python":  # a generator for specs too large to show: it binds `text`
        scope: dict[str, object] = {}
        exec(b.text, scope)  # noqa: S102 - the repository's own documentation
        return str(scope["text"])
    return b.text


def run_block(b: Block, tmp: Path) -> tuple[int, str, str]:
    for other in ALL:  # fragments of the same document, for `include`
        if other.doc == b.doc and other.file:
            (tmp / other.file).write_text(other.text)
    for d in b.mkdirs:
        (tmp / d).mkdir(exist_ok=True)
    name = f"example_{b.index}.hp"
    (tmp / name).write_text(_spec_text(b))
    args = list(b.args)
    if any(not e.startswith(("exit", "error")) for e in b.expects):
        args.append("--json")
    target = [] if any("{none}" in a for a in args) else [name]
    args = [a for a in args if a != "{none}"]
    return cli(args + target)


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
def test_doc_example(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert block.expects, f"{block.id} ({block.section}): a runnable example needs # expect: lines"
    monkeypatch.chdir(tmp_path)
    code, out, err = run_block(block, tmp_path)
    where = f"{block.id} ({block.section})\n--- stdout ---\n{out}\n--- stderr ---\n{err}"
    assert "Traceback" not in err and "internal error" not in err, where
    results: dict[str, dict] = {}
    if "--json" in block.args or any(not e.startswith(("exit", "error")) for e in block.expects):
        if out.strip().startswith("{"):
            for spec in json.loads(out)["specs"]:
                for r in spec["results"]:
                    results.setdefault(r["invariant"], r)
                    if r["verdict"] != "holds":
                        results[r["invariant"]] = r  # a sweep: the worst setting speaks
    for e in block.expects:
        if e.startswith("exit "):
            assert code == int(e.split()[1]), f"exit {code}, expected {e}\n{where}"
        elif e.startswith("error "):
            want = e.split()[1]
            assert code == 2, where
            # argparse prints its usage lines before the diagnostic
            first = next((ln for ln in err.splitlines() if "error[HP" in ln), "")
            assert f"error[{want}]" in first, f"first error is not {want}: {first}\n{where}"
        else:
            m = re.fullmatch(r"(\w+) (holds|violated)(?: in (\d+))?", e)
            assert m, f"cannot read '# expect: {e}'"
            name, verdict, length = m.groups()
            r = results.get(name)
            assert r is not None, f"no result for {name}\n{where}"
            assert r["verdict"] == verdict, f"{name}: {r['verdict']}, expected {verdict}\n{where}"
            if length is not None:
                assert r["trace"]["length"] == int(length), where


def test_docs_have_examples() -> None:
    assert len([b for b in RUNNABLE if b.doc == "language.md"]) >= 15
    assert any(b.file for b in ALL), "the include example needs its fragment"


# ---- docs/errors.md covers every code -------------------------------------------------------------
def source_codes() -> set[str]:
    codes: set[str] = set()
    for f in list((ROOT / "hpverify").rglob("*.py")) + [ROOT / "grammar" / "hp.lark"]:
        codes |= set(re.findall(r"\bHP\d{3}\b", f.read_text()))
    return codes


def documented_codes() -> dict[str, str]:
    """Code → its section of docs/errors.md."""
    text = (DOCS / "errors.md").read_text()
    parts = re.split(r"^## (HP\d{3})\b.*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_code_in_the_sources_is_documented() -> None:
    missing = source_codes() - set(documented_codes())
    assert not missing, f"undocumented error codes: {sorted(missing)}"


def test_no_documented_code_is_stale() -> None:
    stale = set(documented_codes()) - source_codes()
    assert not stale, f"documented codes the sources never emit: {sorted(stale)}"


def test_each_documented_code_has_an_example_that_produces_it() -> None:
    by_code: dict[str, list[Block]] = {}
    for b in RUNNABLE:
        if b.doc == "errors.md":
            m = re.match(r"(HP\d{3})", b.section)
            if m:
                by_code.setdefault(m.group(1), []).append(b)
    for code in documented_codes():
        blocks = by_code.get(code, [])
        assert any(f"error {code}" in b.expects for b in blocks), \
            f"{code}: no example with '# expect: error {code}'"


# ---- links inside the repository ----------------------------------------------------------------
LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)|^\[[^\]\n]+\]:\s*(\S+)", re.M)
PAGES = [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted(DOCS.glob("*.md"))]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {_slug(h) for h in re.findall(r"^#+ (.*)$", text, re.M)}


def _links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text())
    text = re.sub(r"`[^`\n]*`", "", text)  # code spans are not links
    return [m.group(1) or m.group(2) for m in LINK.finditer(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    """Every relative link of README.md, ARCHITECTURE.md and docs/*.md names a file (or a
    directory) of the repository, and its #anchor, if any, a heading of that page."""
    bad = []
    for target in _links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists() or not dest.is_relative_to(ROOT):
            bad.append(f"{target}: no such file in the repository")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            bad.append(f"{target}: no heading with anchor #{anchor}")
    assert not bad, f"{page.name}: " + "; ".join(bad)


@pytest.mark.parametrize("page", [*PAGES, ROOT / "grammar" / "hp.lark"], ids=lambda p: p.name)
def test_no_reference_outside_the_repository(page: Path) -> None:
    """Users read these pages without the authors' machine: no machine paths, no notes that
    live elsewhere."""
    text = page.read_text()
    for needle in OUTSIDE:
        assert needle not in text, f"{page.name} mentions {needle}"


# written in pieces, so that this file does not name them itself
OUTSIDE = ("/wo" + "rk/", "../sha" + "red", "hp-lang" + "uage.md", "[K" + "N ")


def test_no_tracked_file_points_outside_the_repository() -> None:
    """No spec, source, test or benchmark cites the authors' notes or machine paths."""
    import subprocess

    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    for name in listed.stdout.split():
        try:
            text = (ROOT / name).read_text()
        except (UnicodeDecodeError, OSError):
            continue
        for needle in OUTSIDE:
            assert needle not in text, f"{name} mentions {needle}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_repository_paths_in_code_spans_exist(page: Path) -> None:
    """`docs/cli.md`, `spec/races/`, `tests/test_docs.py`: a path written as code names a
    file of the repository too (pytest node ids such as `spec/x.hp::INV` are examples)."""
    text = page.read_text()
    spans = re.findall(r"`((?:docs|spec|tests|hpverify|grammar|benchmarks|\.ci)/[^`\s*{}<>]*)`",
                       text)
    missing = [p for p in spans if "::" not in p and not (ROOT / p).exists()]
    assert not missing, f"{page.name}: {missing}"


# ---- --help ---------------------------------------------------------------------------------------
def _subcommands() -> dict[str, argparse.ArgumentParser]:
    from hpverify.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_argument_has_help(command: str) -> None:
    """`hpverify COMMAND --help` explains FILE, --const and every other argument."""
    parser = _subcommands()[command]
    silent = [a.dest for a in parser._actions if not a.help]
    assert not silent, f"hpverify {command}: no help for {silent}"


def test_show_invariant_help_names_every_engine_that_shows_one() -> None:
    code, out, _ = cli(["prove", "--help"])
    assert code == 0
    text = " ".join(out.split())
    assert "--show-invariant after a proof by pdr, or by kind" in text
