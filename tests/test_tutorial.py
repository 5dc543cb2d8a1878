"""docs/tutorial.md is executable: its files are written, its `console` blocks run (in
order, in one scratch directory) and their output compared with the page.

Conventions in the page: `<!-- file: NAME -->` before a code block writes NAME,
`<!-- append: NAME -->` appends to it; in a ```console block, `$ CMD` lines are commands
(run with bash) and the lines up to the next `$ ` are their expected output. Timings
(`0.06s`) are compared as `0.00s`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"


def blocks(text: str) -> list[tuple[str, str, str]]:
    """(marker, language, body) for every fenced block, in order."""
    out = []
    pattern = re.compile(r"(?:<!-- (file|append): (\S+) -->\n)?```(\w*)\n(.*?)```", re.S)
    for m in pattern.finditer(text):
        marker = f"{m.group(1)}:{m.group(2)}" if m.group(1) else ""
        out.append((marker, m.group(3), m.group(4)))
    return out


def normalize(text: str) -> str:
    text = re.sub(r"\d+\.\d\ds\b", "0.00s", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def commands(body: str) -> list[tuple[str, str]]:
    out: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        else:
            assert out, f"output before any command: {line!r}"
            out[-1][1].append(line)
    return [(cmd, "\n".join(lines)) for cmd, lines in out]


def test_tutorial_runs_as_written(tmp_path):
    text = DOC.read_text()
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    ran = 0
    for marker, lang, body in blocks(text):
        if marker.startswith("file:"):
            (tmp_path / marker[5:]).write_text(body)
        elif marker.startswith("append:"):
            with open(tmp_path / marker[7:], "a") as f:
                f.write(body)
        elif lang == "console":
            for cmd, expected in commands(body):
                if cmd.startswith("pytest"):
                    cmd = (f"{sys.executable} -m {cmd} -p no:cacheprovider -p no:hypothesispytest "
                           "-p no:benchmark")
                p = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env,
                                   capture_output=True, text=True, timeout=300)
                assert "Traceback" not in p.stderr, p.stderr
                assert normalize(p.stdout) == normalize(expected), f"$ {cmd}\n{p.stderr}"
                ran += 1
    assert ran >= 9
    assert (tmp_path / "report.xml").exists()
    assert (tmp_path / "tla" / "lost_update.cfg").read_text().count("FIXED = FALSE") == 1
