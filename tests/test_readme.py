"""README.md's example spec prints exactly the output README.md shows (times aside)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT, run_cli

TIME = re.compile(r"\(\d+\.\d+s, ")


def _between(text: str, first: str, last: str) -> str:
    start = text.index(first)
    return text[start: text.index(last, start) + len(last)]


def test_readme_example_output(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    (tmp_path / "counter.hp").write_text(_between(readme, "spec counter", "check depth 5") + "\n")
    p = run_cli("prove", "counter.hp", "--no-progress", cwd=tmp_path)
    assert p.returncode == 1
    want = _between(readme, "counter.hp: spec counter", "(1 spec setting)") + "\n"
    assert TIME.sub("(T, ", p.stdout) == TIME.sub("(T, ", want)
