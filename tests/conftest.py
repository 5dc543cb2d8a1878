"""Shared helpers: run the CLI in-process (the default) or as a real subprocess.

NOTE(in process): most tests run `hpverify` through `cli.main` in the test process, with
stdout and stderr captured, and see exactly what a subprocess would print and return. A
subprocess costs ~0.4 s of interpreter start and imports, which for the ~800 CLI runs of
the suite was most of its time. A handful of tests (`run_subprocess`, tests/test_cli.py's
smoke tests, tests/test_package.py) still start real processes, so that `python -m
hpverify`, the console script and the exit status seen by a shell stay covered.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hpverify.cli import main

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def _cwd(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_in_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`hpverify ARGS` through `cli.main`: exit status, stdout and stderr as a subprocess's."""
    out, err = io.StringIO(), io.StringIO()
    with _cwd(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return subprocess.CompletedProcess(["hpverify", *args], code, out.getvalue(),
                                       err.getvalue())


def run_subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m hpverify ARGS` in a real process (for the few smoke tests that need one)."""
    return subprocess.run([sys.executable, "-m", "hpverify", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=600)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_in_process(*args, cwd=cwd or ROOT)


def prove_json(*args: str) -> tuple[int, dict]:
    p = run_cli("prove", "--json", *args)
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else {}


# NOTE(slow): runs of a minute or more on 2 cores. The README's test command deselects them
# (`-m "not slow"`) and .ci/run runs them once (`-m slow`). They are listed here rather than
# decorated in their files so that the files' owners can keep editing them; a test may also
# carry `@pytest.mark.slow` itself.
SLOW = {
    # the whole spec/ directory with bmc, pinning the soft-offline matrix (.ci/run's main job
    # proves spec/ again with --engine auto, but does not pin the matrix)
    ("test_soft_offline.py", "test_prove_spec_dir_exits_0_and_pins_the_matrix"),
    # spec/races/ as one run (each race and variant also has its own quick test)
    ("test_races.py", "test_prove_races_directory_exits_0"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (item.path.name, getattr(item, "originalname", item.name)) in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def tmp_spec(tmp_path: Path):
    def write(text: str, name: str = "t.hp") -> Path:
        f = tmp_path / name
        f.write_text(text)
        return f
    return write
