"""The built wheel ships the grammar: build with `pip wheel`, install it (not editable) into a
fresh virtual environment, and parse and check a spec from a directory outside the repository.
Takes 20-40 s; it runs in CI like every other test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{' '.join(cmd)}\n{p.stdout}\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy, so that the build leaves no build/ or *.egg-info in the checkout
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("hpverify", "grammar"):
        shutil.copytree(ROOT / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-w", str(out), "-q"],
         cwd=src)
    (whl,) = out.glob("hpverify-*.whl")
    return whl


def test_wheel_contains_the_grammar_and_py_typed(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "hpverify/grammar/hp.lark" in names
    assert "hpverify/py.typed" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_wheel_parses_and_checks_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], cwd=tmp_path)
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall", "-q",
          str(wheel)], cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import hpverify, hpverify.parse as p; p._parser(); "
            "print(hpverify.__file__)")
    where = _run([str(py), "-c", code], cwd=elsewhere).stdout.strip()
    assert str(venv) in where and str(ROOT) not in where, where
    spec = elsewhere / "s.hp"
    spec.write_text("spec s\nvar x: 0..2\ninit { x = 0 }\naction a { require x < 2  x' = x + 1 }\n"
                    "invariant small: x <= 2\n")
    p = _run([str(venv / "bin" / "hpverify"), "prove", "s.hp", "--depth", "3"], cwd=elsewhere)
    assert "holds up to depth 3" in p.stdout
