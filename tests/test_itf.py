"""`hpverify prove --itf DIR`: parse the files and check them against the ITF rules
(Apalache ADR-015), and that they carry the same trace as the contract JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hpverify.cli import main

SPEC = """\
spec pages
const N = 2
type Page = 1..N
type Cpu = {c0, c1}
var used: Page -> bool
var owner: Page -> 0..2
var n: 0..N
var grid: bool -> Page -> bool
init { forall p in Page: not used[p] and owner[p] = 0  n = 0
       forall b in bool: forall p in Page: not grid[b][p] }
action take(c: Cpu, p: Page) by c {
  require not used[p]
  used'[p] = true
  owner'[p] = if c = c0 then 1 else 2
  n' = n + 1
  grid'[true][p] = true
}
action tick { require n = N  n' = 0 }
invariant few: n < 2
check depth 4
"""

ITF_KEYS = {"#bigint", "#tup", "#set", "#map", "#unserializable"}


def check_itf_value(v: object) -> None:
    """The ITF value grammar: bool, string, number (a safe integer), list, record, or one
    of the tagged forms; #bigint holds a decimal string."""
    if isinstance(v, bool | str):
        return
    if isinstance(v, int):
        assert -(2**53) < v < 2**53
        return
    if isinstance(v, list):
        for x in v:
            check_itf_value(x)
        return
    assert isinstance(v, dict), v
    tagged = ITF_KEYS & set(v)
    if tagged:
        assert len(v) == 1, v
        (key,) = tagged
        if key == "#bigint":
            assert isinstance(v[key], str) and re.fullmatch(r"-?[0-9]+", v[key])
        elif key == "#map":
            for pair in v[key]:
                assert isinstance(pair, list) and len(pair) == 2
                check_itf_value(pair[0])
                check_itf_value(pair[1])
        elif key in ("#tup", "#set"):
            assert isinstance(v[key], list)
            for x in v[key]:
                check_itf_value(x)
        else:
            assert isinstance(v[key], str)
        return
    for k, x in v.items():  # a record
        assert isinstance(k, str) and not k.startswith("#")
        check_itf_value(x)


def check_itf_trace(doc: dict) -> None:
    assert set(doc) <= {"#meta", "params", "vars", "states", "loop"}
    assert isinstance(doc["vars"], list) and all(isinstance(x, str) for x in doc["vars"])
    params = doc.get("params", [])
    assert isinstance(doc["states"], list) and doc["states"]
    for i, st in enumerate(doc["states"]):
        assert st["#meta"]["index"] == i
        assert set(st) == {"#meta", *doc["vars"], *params}
        for name in (*doc["vars"], *params):
            check_itf_value(st[name])


def decode(v: object) -> object:
    """ITF → the contract JSON's rendering (functions as objects keyed by strings)."""
    if isinstance(v, dict) and "#bigint" in v:
        return int(v["#bigint"])
    if isinstance(v, dict) and "#map" in v:
        return {("true" if k is True else "false" if k is False else str(decode(k))): decode(x)
                for k, x in v["#map"]}
    return v


def test_itf_files_follow_the_format_and_match_the_json(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("pages.hp").write_text(SPEC)
    code = main(["prove", "pages.hp", "--itf", "traces", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    files = sorted(p.name for p in Path("traces").iterdir())
    assert files == ["pages_N=2_few.itf.json"]
    itf = json.loads(Path("traces/pages_N=2_few.itf.json").read_text())
    check_itf_trace(itf)
    meta = itf["#meta"]
    assert meta["format"] == "ITF"
    assert meta["source"] == "pages.hp" and meta["invariant"] == "few"
    assert meta["consts"] == {"N": 2} and meta["engine"] == "bmc" and meta["length"] == 2
    assert itf["params"] == ["N"]
    assert itf["vars"] == ["used", "owner", "n", "grid"]

    (result,) = [r for r in doc["specs"][0]["results"] if r["invariant"] == "few"]
    trace = result["trace"]
    assert len(itf["states"]) == trace["length"] + 1 == 3
    for st, want in zip(itf["states"], trace["states"], strict=True):
        assert {k: decode(st[k]) for k in itf["vars"]} == want
        assert decode(st["N"]) == 2
    for st, step in zip(itf["states"][1:], trace["steps"], strict=True):
        m = st["#meta"]
        assert (m["action"], m["actor"]) == (step["action"], step["actor"])
        assert {k: decode(v) for k, v in m["params"].items()} == step["params"]
    assert "action" not in itf["states"][0]["#meta"]
    # functions are #map with keys in domain order, nested for A -> B -> T
    grid = itf["states"][0]["grid"]["#map"]
    assert [k for k, _ in grid] == [False, True]
    assert grid[0][1] == {"#map": [[{"#bigint": "1"}, False], [{"#bigint": "2"}, False]]}
    first = itf["states"][1]["#meta"]
    assert first["params"]["c"] in ("c0", "c1") and "#bigint" in first["params"]["p"]


def test_itf_one_file_per_counterexample_none_without(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("pages.hp").write_text(SPEC)
    assert main(["prove", "pages.hp", "--itf", "out", "--const", "N=1..2", "--quiet"]) == 1
    names = sorted(p.name for p in Path("out").iterdir())
    # N=1: n reaches 1 only, but `tick` resets; 'few' holds, and types holds
    assert names == ["pages_N=2_few.itf.json"]
    assert "ITF traces: 1 file in out" in capsys.readouterr().out
    assert main(["prove", "pages.hp", "--itf", "none", "--inv", "types", "--quiet"]) == 0
    assert list(Path("none").iterdir()) == []
