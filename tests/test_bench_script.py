"""benchmarks/run.py, the benchmark table of issue 14: a smoke test of the script on tiny rows.
It checks the table's shape, the state counts, the JSON and the SVG; no timings."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "run.py"
HEADER = "| row | work | engine | result | engine s | process s | states | reference |"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env=env)


def table(stdout: str, header: str) -> list[list[str]]:
    """The rows of the markdown table that starts with `header`, as lists of cells."""
    lines = stdout.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def test_quick_rows_table_json_and_svg(tmp_path: Path) -> None:
    p = run("--quick", "--rows", "explicit_8,explicit_8_sym,community,plot", "--sizes", "2",
            "--engines", "explicit,bmc", "--timeout", "120", "--out", str(tmp_path))
    assert p.returncode == 0, p.stderr
    rows = table(p.stdout, HEADER)
    assert all(len(r) == 8 for r in rows), rows
    assert [r[0] for r in rows] == ["explicit_8", "explicit_8", "explicit_8_sym"] + \
        ["community"] * 4
    explicit, rate, sym = rows[:3]
    assert explicit[3].startswith("holds") and explicit[6] == "98"   # TLC's count at 2x2
    assert rate[3].endswith("states/s")
    assert sym[3].startswith(("not available", "holds")), sym       # before / after symmetry
    # the community twins at their quick sizes: 2^(2*2) grids, 3^3 rings, the cans with
    # 1..10 beans (sum of n + 1), and the one-process bakery
    states = [r[6] for r in rows[3:]]
    assert states[:3] == ["16", "27", "65"]
    assert all(r[3].startswith("holds") for r in rows[3:]), rows[3:]
    assert int(states[3].replace(",", "")) > 0

    plot = table(p.stdout, "| n | explicit | bmc |")
    assert len(plot) == 1 and plot[0][0] == "2"
    for cell in plot[0][1:]:
        float(cell)  # a number of seconds: both engines finished

    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["quick"] is True
    assert doc["rows"] == ["explicit_8", "explicit_8_sym", "community", "plot"]
    assert len(doc["lines"]) == 7 + 2
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("matplotlib is not installed: the SVG is not checked")
    svg = (tmp_path / "first_cut_sizes.svg").read_text()
    assert "<svg" in svg


def test_table_without_matplotlib(tmp_path: Path) -> None:
    """A `matplotlib` that fails to import: the table is printed, the plot is not written."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "matplotlib.py").write_text("raise ImportError('no matplotlib here')\n")
    env = {**os.environ, "PYTHONPATH": str(fake)}
    out = tmp_path / "out"
    p = run("--quick", "--rows", "plot", "--sizes", "2", "--engines", "explicit", "--out",
            str(out), env=env)
    assert p.returncode == 0, p.stderr
    assert table(p.stdout, "| n | explicit |")[0][0] == "2"
    assert "plot not written: matplotlib is not installed" in p.stdout
    assert not (out / "first_cut_sizes.svg").exists()
    assert (out / "results.json").exists()


def test_unknown_row_is_a_usage_error(tmp_path: Path) -> None:
    p = run("--rows", "nope", "--out", str(tmp_path))
    assert p.returncode == 2
    assert "unknown row(s) nope" in p.stderr
