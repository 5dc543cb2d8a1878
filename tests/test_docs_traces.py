"""The traces printed in docs/races.md and docs/soft-offline.md are the tool's real output.

Each race section of docs/races.md names its spec, VARIANT and invariant in its heading;
the block after "hpverify:" must be exactly what `hpverify prove` prints for it (the step
table and the broken state). HPVERIFY_REGEN=1 rewrites the blocks from the tool.
"""

from __future__ import annotations

import os
import re

import pytest
from conftest import ROOT, run_cli

RACES = ROOT / "docs" / "races.md"
HEADING = re.compile(r"^### .*`(?P<file>r\d\d_\w+\.hp)`, VARIANT=(?P<variant>\w+), `(?P<inv>\w+)`",
                     re.M)
BLOCK = re.compile(r"(hpverify:\n\n```\n)(?P<body>.*?)(```)", re.S)


def tool_table(file: str, variant: str, inv: str) -> str:
    p = run_cli("prove", f"spec/races/{file}", "--const", f"VARIANT={variant}", "--inv", inv, "--traces",
                "--no-progress")
    out = p.stdout
    start = out.index(" step |")
    end = out.index("\n\n", out.index(f"breaks {inv}", start))
    return out[start:end + 1]


def sections() -> list[tuple[str, str, str]]:
    return [(m["file"], m["variant"], m["inv"]) for m in HEADING.finditer(RACES.read_text())]


@pytest.mark.parametrize("file,variant,inv", sections(), ids=lambda x: str(x))
def test_race_trace_in_docs_is_current(file: str, variant: str, inv: str) -> None:
    text = RACES.read_text()
    at = text.index(f"`{file}`, VARIANT={variant}")
    m = BLOCK.search(text, at)
    assert m is not None, f"no 'hpverify:' block after the {file} heading"
    want = tool_table(file, variant, inv)
    if os.environ.get("HPVERIFY_REGEN"):
        RACES.write_text(text[: m.start("body")] + want + text[m.end("body"):])
        return
    assert m["body"] == want


def test_every_race_spec_has_a_section() -> None:
    named = {f for f, _, _ in sections()}
    # the rNN_*_proc.hp twins say the same races (docs/races.md, "races as processes")
    assert named == {p.name for p in (ROOT / "spec" / "races").glob("r*.hp")
                     if not p.stem.endswith("_proc")}


# ---- docs/soft-offline.md: each block after a `<!-- trace: ARGS -->` comment ----

SOFT_OFFLINE_DOC = ROOT / "docs" / "soft-offline.md"
MARKED = re.compile(r"<!-- trace: (?P<args>[^>]*?) -->\n```\n(?P<body>.*?)```", re.S)


def soft_offline_blocks() -> list[str]:
    return [m["args"] for m in MARKED.finditer(SOFT_OFFLINE_DOC.read_text())]


@pytest.mark.parametrize("args", soft_offline_blocks())
def test_soft_offline_trace_in_docs_is_current(args: str) -> None:
    text = SOFT_OFFLINE_DOC.read_text()
    m = next(m for m in MARKED.finditer(text) if m["args"] == args)
    argv = args.split()
    inv = argv[argv.index("--inv") + 1]
    out = run_cli("prove", "spec/soft_offline.hp", *argv, "--depth", "10", "--traces",
                  "--no-progress").stdout
    start = out.index(" step |")
    want = out[start:out.index("\n\n", out.index(f"breaks {inv}", start)) + 1]
    if os.environ.get("HPVERIFY_REGEN"):
        SOFT_OFFLINE_DOC.write_text(text[: m.start("body")] + want + text[m.end("body"):])
        return
    assert m["body"] == want


def test_soft_offline_doc_has_the_three_traces() -> None:
    assert len(soft_offline_blocks()) == 3
