"""Shared helpers: run the CLI in-process or as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hpverify", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=600)


def prove_json(*args: str) -> tuple[int, dict]:
    p = run_cli("prove", "--json", *args)
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else {}


@pytest.fixture
def tmp_spec(tmp_path: Path):
    def write(text: str, name: str = "t.hp") -> Path:
        f = tmp_path / name
        f.write_text(text)
        return f
    return write
