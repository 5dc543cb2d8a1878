"""The built wheel ships the grammar: build with `pip wheel`, install it (not editable) into a
fresh virtual environment, and parse and check a spec from a directory outside the repository.
Takes 10-20 s; it runs in CI like every other test.

NOTE(nested venv): the fresh venv must find the wheel's dependencies (lark, z3-solver)
without the network. `venv --system-site-packages` is no help: it sees the *base*
interpreter's packages, not those of the venv running the tests, so on a machine where lark
is installed only in that venv the import fails. Instead the fresh venv gets a .pth file
listing the running interpreter's site-packages directories: they come after the fresh
venv's own site-packages on sys.path (so `import hpverify` finds the wheel just installed),
and .pth files inside them are not processed (so an editable install of the checkout is not
picked up). That the wheel *declares* those dependencies is checked on its METADATA.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
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


def _requirement_name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_wheel_declares_the_dependencies(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        (meta,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        text = z.read(meta).decode()
    declared = {_requirement_name(line.split(":", 1)[1].strip())
                for line in text.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert declared == {_requirement_name(r) for r in project["dependencies"]}
    assert {"lark", "z3-solver"} <= declared


def _site_dirs() -> list[str]:
    """The running interpreter's site-packages directories (where lark and z3 live)."""
    paths = sysconfig.get_paths()
    dirs = [paths["purelib"], paths["platlib"]]
    dirs += [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    return [d for d in dict.fromkeys(dirs) if Path(d).is_dir()]


def test_installed_wheel_parses_and_checks_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    py = venv / "bin" / "python"
    # the running pip installs into the fresh venv (pip >= 22.3), before the .pth file is
    # written: pip sees only the fresh venv and installs the wheel, not "already satisfied"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
          "--no-index", "-q", str(wheel)], cwd=tmp_path)
    site = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=tmp_path).stdout.strip()
    assert not list(Path(site).glob("lark*")), "the fresh venv should not have lark itself"
    (Path(site) / "_outer_site_packages.pth").write_text("\n".join(_site_dirs()) + "\n")
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
