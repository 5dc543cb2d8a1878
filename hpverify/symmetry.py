"""Symmetry reduction: one canonical state per orbit of the symmetric types' permutations.

A spec that declares `symmetric type Cpu = 1..N` passed the checks of symcheck.py
(NOTE(symmetry-rules)), so the group G of all permutations of each symmetric type's values
acts on states as automorphisms of the state graph: a permutation p maps the value of an
S-valued cell v to p(v) and moves the cell at index c of a function over S to index p(c).
Initial states, steps and every invariant are invariant under G. The explicit engine
therefore stores one representative per orbit (`Symmetry.canon`) and counts the states a
search without symmetry would count by adding each orbit's size (`Symmetry.orbit_size`,
exactly |G| / |Stab(s)|).

`Symmetry` works on flat tuples of scalar cells, the variables in declaration order, each
function flattened in domain order (nested for `A -> B -> T`). The explicit engine stores
packed ints (NOTE(packed-states) in engines/compiled.py): `KeySymmetry` gives it `canon`
and `orbit` on those keys (NOTE(packed-canon)).

NOTE(canonical-form): two ways, both exact (the same representative for every member of
an orbit, so orbits are counted exactly):
  - *rows and pointers* (the common case: each variable has one symmetric index and
    ordinary values, a *row variable* such as `pc: Cpu -> {...}`, or no symmetric index and
    values of a symmetric type, a *pointer variable* such as `owner: Cpu`): each value c of
    S owns a row, the cells whose S index is c, and is held by some pointer cells. Its key
    is (its row, the pointer cells holding it); a permutation moves keys with the values,
    so the representative is the image that sorts the values by key. Values with equal
    keys are held by no pointer (a cell holds one value) and have equal rows: they are
    interchangeable, so |Stab| is the product of the factorials of the multiplicities.
  - *refine* (anything else: S-valued cells such as `owner: Cpu`, functions `Cpu -> Cpu`,
    two symmetric types in one variable): every value gets a colour that no permutation
    can change (what its cells hold, what the values it meets hold, refined until stable,
    as in graph canonisation). A permutation maps a state to another only by mapping each
    colour class onto itself, so the representative is the least image over the orderings
    that sort the values by colour. A class whose adjacent transpositions all fix the state
    is wholly in the stabiliser and needs one ordering; the other classes are enumerated.
    |Stab| = (the factorials of the first kind of class) x (the orderings of the others
    that reach the least image: a coset of the stabiliser).

NOTE(symmetry-sat): the SAT engines (bmc, kind, pdr) do not use the declaration; their
answers are the same with and without it. What would be sound: a lex-leader constraint
(rows of the state sorted) on the *first* state of an unrolling. For BMC that first state
is the initial one: every violating path of length k from s0 has an image of the same
length from the lex-leader of s0's orbit (invariants are symmetric, steps equivariant), so
the shortest length is kept. But the specs this tool is for start from one state per orbit
(every CPU idle), where the constraint prunes nothing; constraining later states as well,
which would prune, is not justified by that argument (one permutation sorts s0; none need
sort every state of the path), and BMC must still find the shortest trace. Even the
initial-state constraint would change which shortest trace bmc's minimisation picks
(NOTE(canonical-trace) ranges over fewer initial states), and every engine must print the
same trace. For kind, the same constraint on
the first state of the inductive step is sound (a counterexample to induction maps to one
that starts at a lex-leader) and is left to kind's own work with the same metadata
(`Model.symmetric`, `IntT.sym`), together with lemma templates instantiated per orbit.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import ir

Cells = tuple[Any, ...]
BRUTE_GROUP = 24  # NOTE(brute-canon): the most permutations tried one by one


Named = tuple[int, int, int]  # (symmetric type no., position of the value, tag)


@dataclass(frozen=True, slots=True)
class _Pointee:
    """How a cell's scalar values name values of symmetric types: `of[v]` is the value v
    names, `value` the way back. An int of a symmetric type names itself (tag 0); a lock's
    owner `w(2)` names the value 2 with the tag of process w, so that a permutation p maps
    it to `w(p(2))` (NOTE(symmetric-owners) in symcheck.py). Other values name nothing."""

    of: dict[Any, Named]
    value: dict[Named, Any]
    types: frozenset[int]
    plain: bool  # an int of one symmetric type, its digit its position (NOTE(packed-canon))
    order: tuple[Any, ...]  # the cell type's values in digit order (NOTE(packed-states))

    def image(self, v: Any, perms: Sequence[Sequence[int]]) -> Any:
        n = self.of.get(v)
        return v if n is None else self.value[(n[0], perms[n[0]][n[1]], n[2])]

    def digits(self, s: int) -> tuple[list[int], list[int], list[int]]:
        """Per digit: the position of the value of type s it names (-1: none), its tag
        among those naming s (0, 1, ...), and the digit of position 0 with that tag."""
        named = [self.of.get(v) for v in self.order]
        tags = sorted({n[2] for n in named if n is not None and n[0] == s})
        pos, tag, base = [], [], []
        for d, n in enumerate(named):
            ok = n is not None and n[0] == s
            pos.append(n[1] if n is not None and ok else -1)
            tag.append(tags.index(n[2]) if n is not None and ok else 0)
            base.append(d - n[1] if n is not None and ok else 0)
        return pos, tag, base


@dataclass(frozen=True, slots=True)
class _Var:
    """A variable that symmetry moves: its cells, and where S values sit in them."""

    base: int
    dims: tuple[tuple[int | None, int], ...]  # per index level: (symmetric type no., size)
    strides: tuple[int, ...]
    cod: _Pointee | None  # the symmetric values its scalars name, or None
    cells: tuple[tuple[int, tuple[int, ...]], ...]  # (flat offset, position per level)


def _pointee(t: ir.Type, no: dict[str, int], types: Sequence[ir.SymmetricType]) -> _Pointee | None:
    """What the scalars of leaf type t name: values of a symmetric type (an IntT marked
    `sym`), instances of processes over one (the lock owner EnumT), or nothing."""
    pairs: list[tuple[Any, Named]] = []
    if isinstance(t, ir.IntT) and t.sym:
        s = no[t.sym]
        pairs = [(v, (s, i, 0)) for i, v in enumerate(types[s].values)]
    elif isinstance(t, ir.EnumT):
        for tag, (name, first) in enumerate(t.sym):
            s = no[name]
            pairs += [(t.members[first + i], (s, i, tag)) for i in range(len(types[s].values))]
    if not pairs:
        return None
    kinds = {n[0] for _, n in pairs}
    return _Pointee(dict(pairs), {n: v for v, n in pairs}, frozenset(kinds),
                    isinstance(t, ir.IntT), tuple(t.values()))


def _ncells(t: ir.Type) -> int:
    return len(t.dom.values()) * _ncells(t.cod) if isinstance(t, ir.FunT) else 1


class Symmetry:
    """The canonicalisation of one model's states (see the module's NOTEs)."""

    def __init__(self, model: ir.Model, refine_only: bool = False) -> None:
        """`refine_only`: the general method even where rows would do (for tests)."""
        self.types = model.symmetric
        no = {t.name: i for i, t in enumerate(self.types)}
        self.sizes = [len(t.values) for t in self.types]
        self.group_order = math.prod(math.factorial(n) for n in self.sizes)
        self.vars: list[_Var] = []
        off = 0
        for v in model.vars:
            dims: list[tuple[int | None, int]] = []
            t = v.type
            while isinstance(t, ir.FunT):
                d = t.dom
                dims.append((no.get(d.sym) if isinstance(d, ir.IntT) and d.sym else None,
                             len(d.values())))
                t = t.cod
            cod = _pointee(t, no, self.types)
            if cod is not None or any(s is not None for s, _ in dims):
                strides = tuple(math.prod(n for _, n in dims[k + 1:]) for k in range(len(dims)))
                cells = tuple((off + sum(p * st for p, st in zip(pos, strides, strict=True)), pos)
                              for pos in itertools.product(*(range(n) for _, n in dims)))
                self.vars.append(_Var(off, tuple(dims), strides, cod, cells))
            off += _ncells(v.type)
        # NOTE(canonical-form): rows and pointers when every variable is a row variable (one
        # symmetric index, ordinary values) or a pointer variable (no symmetric index,
        # values of a symmetric type: `owner: Cpu`, `holder: Page -> Cpu`)
        self.simple = not refine_only and all(
            (v.cod is None and sum(s is not None for s, _ in v.dims) == 1)
            or (v.cod is not None and all(s is None for s, _ in v.dims)) for v in self.vars)
        # rows: per symmetric type, per value, the flat cells of its row (same order for all)
        self.rows: list[list[list[int]]] = [[[] for _ in range(n)] for n in self.sizes]
        # per symmetric type, the cells that may hold (name) one of its values
        self.pointers: list[list[tuple[int, _Pointee]]] = [[] for _ in self.sizes]
        if self.simple:
            for var in self.vars:
                if var.cod is not None:
                    for named in var.cod.types:
                        self.pointers[named].extend((flat, var.cod) for flat, _ in var.cells)
                    continue
                (k, (s, _)), = [(k, d) for k, d in enumerate(var.dims) if d[0] is not None]
                assert s is not None
                for flat, pos in var.cells:
                    self.rows[s][pos[k]].append(flat)
        self._contiguous = [self._run(rows) for rows in self.rows]
        self.canon: Callable[[Cells], Cells] = self._canon_general
        if self.simple:
            self.canon = self._canon_rows
            if len(self.rows) == 1 and self._contiguous[0] is not None and not self.pointers[0]:
                self.canon = _sort_run(*self._contiguous[0])
        # NOTE(brute-canon) on cells: per permutation other than the identity, where each
        # moved cell's value comes from and how its value maps (None: unchanged)
        self.images: list[list[tuple[int, int, dict[Any, Any] | None]]] | None = None
        if not self.simple and not refine_only and self.group_order <= BRUTE_GROUP:
            self.images = []
            for combo in itertools.product(*(itertools.permutations(range(n))
                                             for n in self.sizes)):
                if all(list(p) == sorted(p) for p in combo):
                    continue
                moves = []
                for var in self.vars:
                    table = None if var.cod is None else \
                        {v: var.cod.image(v, combo) for v in var.cod.of}
                    for flat, pos in var.cells:
                        to = var.base
                        for (dim, _), q, st in zip(var.dims, pos, var.strides, strict=True):
                            to += (combo[dim][q] if dim is not None else q) * st
                        moves.append((to, flat, table))
                self.images.append(moves)
            self.canon = self._canon_brute

    @staticmethod
    def _run(rows: list[list[int]]) -> tuple[int, int] | None:
        """(first, end) when every row is one cell and the rows are adjacent cells."""
        if rows and all(len(r) == 1 for r in rows):
            first = rows[0][0]
            if [r[0] for r in rows] == list(range(first, first + len(rows))):
                return first, first + len(rows)
        return None

    # ---- the canonical representative: `canon` is one of these
    def _canon_general(self, cells: Cells) -> Cells:
        return self._refine(cells)[0]

    def _image(self, cells: Cells, moves: list[tuple[int, int, dict[Any, Any] | None]]
               ) -> Cells:
        out = list(cells)
        for to, src, table in moves:
            v = cells[src]
            out[to] = v if table is None else table.get(v, v)
        return tuple(out)

    def _canon_brute(self, cells: Cells) -> Cells:
        """The least image (NOTE(brute-canon)), in a total order on any cell values (an
        ill-typed state may hold a value of another Python type than its cell's), so
        that every state of an orbit picks the same one."""
        assert self.images is not None
        return min([cells, *(self._image(cells, moves) for moves in self.images)],
                   key=_total_order)

    def orbit_size(self, cells: Cells) -> int:
        """|G| / |Stab(cells)|: how many states the orbit of `cells` holds."""
        if self.images is not None:
            return self.group_order // (1 + sum(self._image(cells, moves) == cells
                                                 for moves in self.images))
        if not self.simple:
            return self.group_order // self._refine(cells)[1]
        stab = 1
        for s in range(len(self.sizes)):
            for m in Counter(self._keys(cells, s)).values():
                stab *= math.factorial(m)
        return self.group_order // stab

    def _keys(self, cells: Cells, s: int) -> Sequence[Any]:
        """Per value of symmetric type s: its row, and which pointer cells hold it. A
        permutation p gives p(i) in the image the key of i; two values with equal keys are
        interchangeable (a pointer cell holds one value, so they are pointed at by none)."""
        run = self._contiguous[s]
        rows: Sequence[Any] = (cells[run[0]:run[1]] if run is not None
                               else [tuple(cells[j] for j in r) for r in self.rows[s]])
        ptrs = self.pointers[s]
        if not ptrs:
            return rows
        marks: list[list[tuple[int, int]]] = [[] for _ in range(self.sizes[s])]
        for k, (j, cod) in enumerate(ptrs):
            named = cod.of.get(cells[j])
            if named is not None and named[0] == s:
                marks[named[1]].append((k, named[2]))
        return [(r, tuple(m)) for r, m in zip(rows, marks, strict=True)]

    def _canon_rows(self, cells: Cells) -> Cells:
        """The image of `cells` under the permutation that sorts the values by key."""
        out: list[Any] | None = None
        for s, rows in enumerate(self.rows):
            keys = self._keys(cells, s)
            order = sorted(range(len(keys)), key=keys.__getitem__)
            if all(i == p for p, i in enumerate(order)):
                continue
            if out is None:
                out = list(cells)
            for p, i in enumerate(order):  # the row of value i moves to position p
                for j_new, j_old in zip(rows[p], rows[i], strict=True):
                    out[j_new] = cells[j_old]
            if self.pointers[s]:
                new_pos = [0] * self.sizes[s]
                for p, i in enumerate(order):
                    new_pos[i] = p
                for j, cod in self.pointers[s]:
                    named = cod.of.get(cells[j])
                    if named is not None and named[0] == s:
                        out[j] = cod.value[(s, new_pos[named[1]], named[2])]
        return cells if out is None else tuple(out)

    # ---- permutations (the refine method, tests)
    def apply(self, cells: Cells, perms: Sequence[Sequence[int]]) -> Cells:
        """The image of a state under the permutation that moves value position i of
        symmetric type s to position perms[s][i]."""
        out = list(cells)
        for var in self.vars:
            for flat, pos in var.cells:
                to = var.base
                for (s, _), p, st in zip(var.dims, pos, var.strides, strict=True):
                    to += (perms[s][p] if s is not None else p) * st
                v = cells[flat]
                out[to] = v if var.cod is None else var.cod.image(v, perms)
        return tuple(out)

    def _colours(self, cells: Cells) -> list[list[int]]:
        """NOTE(canonical-form): a colour per value of each symmetric type, invariant under
        every permutation (a permuted state's values get their originals' colours)."""
        colour = [[0] * n for n in self.sizes]
        classes = -1
        while True:
            bags: list[list[list[Any]]] = [[[] for _ in range(n)] for n in self.sizes]
            for vn, var in enumerate(self.vars):
                for flat, pos in var.cells:
                    v = cells[flat]
                    members: list[tuple[int, int]] = [(s, p) for (s, _), p in
                                                      zip(var.dims, pos, strict=True)
                                                      if s is not None]
                    named = var.cod.of.get(v) if var.cod is not None else None
                    if named is not None:
                        members.append((named[0], named[1]))
                    for s, p in set(members):
                        desc = (vn,
                                tuple((q == p and d == s, colour[d][q]) if d is not None else (False, q)
                                      for (d, _), q in zip(var.dims, pos, strict=True)),
                                ((named[:2] == (s, p), colour[named[0]][named[1]], named[2])
                                 if named is not None else (False, v)))
                        bags[s][p].append(desc)
            new = []
            for s, n in enumerate(self.sizes):
                keys = [(colour[s][p], sorted(bags[s][p], key=repr)) for p in range(n)]
                ranks = {k: r for r, k in enumerate(sorted({repr(k) for k in keys}))}
                new.append([ranks[repr(k)] for k in keys])
            count = sum(len(set(c)) for c in new)
            colour = new
            if count == classes:
                return colour
            classes = count

    def _refine(self, cells: Cells) -> tuple[Cells, int]:
        """(the representative, |Stab|) by colour classes (NOTE(canonical-form))."""
        colour = self._colours(cells)
        stab = 1
        classes: list[tuple[int, list[list[int]]]] = []  # (type, the orderings to try)
        for s, n in enumerate(self.sizes):
            by: dict[int, list[int]] = {}
            for p in range(n):
                by.setdefault(colour[s][p], []).append(p)
            for c in sorted(by):
                members = by[c]
                if all(self._fixes(cells, s, a, b) for a, b in itertools.pairwise(members)):
                    stab *= math.factorial(len(members))
                    classes.append((s, [members]))
                else:
                    classes.append((s, [list(o) for o in itertools.permutations(members)]))
        best: Cells | None = None
        best_key: list[str] = []
        hits = 0
        for combo in itertools.product(*(orders for _, orders in classes)):
            perms = [[0] * n for n in self.sizes]
            filled = [0] * len(self.sizes)
            for (s, _), order in zip(classes, combo, strict=True):
                for p in order:
                    perms[s][p] = filled[s]
                    filled[s] += 1
            img = self.apply(cells, perms)
            key = [repr(x) for x in img]
            if best is None or key < best_key:
                best, best_key, hits = img, key, 1
            elif key == best_key:
                hits += 1
        assert best is not None
        return best, stab * hits

    def _fixes(self, cells: Cells, s: int, a: int, b: int) -> bool:
        perms = [list(range(n)) for n in self.sizes]
        perms[s][a], perms[s][b] = b, a
        return self.apply(cells, perms) == cells


def _total_order(cells: Cells) -> tuple[tuple[int, Any], ...]:
    """A key that orders any tuples of cell values: numbers (bools among them), then
    strings (enum values), then anything else by its text."""
    return tuple((0, v) if isinstance(v, int) else (1, v) if isinstance(v, str) else
                 (2, repr(v)) for v in cells)


def _sort_run(a: int, b: int) -> Callable[[Cells], Cells]:
    """The representative when the rows are the single cells a..b-1 (one symmetric type
    indexing one variable of scalars: `pc: Cpu -> {...}`): those cells sorted."""
    def canon(cells: Cells) -> Cells:
        part = cells[a:b]
        srt = tuple(sorted(part))
        return cells if srt == part else cells[:a] + srt + cells[b:]
    return canon


def symmetry_of(model: ir.Model) -> Symmetry | None:
    """The model's symmetry, or None when it declares no symmetric type."""
    return Symmetry(model) if model.symmetric else None


K = TypeVar("K")


def concrete_path(start: K, reps: Sequence[K],
                  successors: Callable[[K], Iterable[tuple[int, K]]],
                  canon: Callable[[K], K]) -> tuple[list[K], list[int]]:
    """A concrete run along a path of representatives: from `start` (a real state whose
    representative is reps[0]), at each step the first successor whose representative is
    the next one. It exists: if p maps reps[i] to the current state, p maps the step that
    the search took from reps[i] to a step from the current state into the same orbit.
    States are whatever `successors` and `canon` take (the explicit engine's keys).
    Returns the states and the instance indices."""
    states: list[K] = [start]
    steps: list[int] = []
    cur = start
    for rep in reps[1:]:
        for i, nxt in successors(cur):
            if canon(nxt) == rep:
                states.append(nxt)
                steps.append(i)
                cur = nxt
                break
        else:  # pragma: no cover - the rules of symcheck.py make this impossible
            raise AssertionError("symmetry: no concrete step along the orbit path")
    return states, steps


class KeySymmetry:
    """`canon` and `orbit` on the explicit engine's state keys (a packed int, or a tagged
    tuple ('err' / 'bad', *cells): NOTE(packed-states) in engines/compiled.py).

    NOTE(packed-canon): in the rows-and-pointers case of NOTE(canonical-form) (row
    variables `pc: Cpu -> {...}`, `f: Page -> Cpu -> bool`; pointer variables `owner: Cpu`,
    `holder: Page -> Cpu`), the representative is computed on the packed int itself by
    generated code: each value c of a symmetric type owns the same bit fields of every row
    variable at index c; the fields of c's row, concatenated, then one bit per pointer cell
    holding c, are one int, c's key. The representative puts the rows back sorted by key
    and rewrites each pointer to its value's new position. It is exact for the reason
    given there (any total order of the keys picks one arrangement per orbit), though its
    order (by digits) may differ from the tuple method's (by values), so representatives
    may differ too; one search uses one of them throughout. |Stab| is the product of the
    factorials of the runs of equal keys. Tagged tuples go through the cells: unpack,
    `Symmetry.canon`, pack.

    NOTE(brute-canon): outside the rows-and-pointers form (a function `Cpu -> Cpu`, a lock
    family over one symmetric type owned by instances over it or another), the refine
    method costs about 0.4 ms a state in Python. When the group is small (at most
    BRUTE_GROUP permutations: 4 CPUs, or 3 CPUs and 2 pages...), generated code computes
    every image of the packed int instead (each cell's bits moved to its image cell, a
    symmetric value's digit mapped by a table) and keeps the least: exact, since the
    images of any state of an orbit are the whole orbit; |Stab| is the number of
    permutations that map the state to itself. Larger groups go through the cells."""

    def __init__(self, sym: Symmetry, cells_of: Callable[[int], Cells],
                 key: Callable[[Cells, bool], Any], shift: Sequence[int],
                 width: Sequence[int]) -> None:
        self.sym, self.cells_of, self.key = sym, cells_of, key
        self.canon: Callable[[Any], Any] = self._canon_cells
        self.orbit: Callable[[Any], int] = self._orbit_cells
        self.packed = sym.simple
        self.brute = sym.images is not None
        if self.packed or self.brute:
            ns: dict[str, Any] = {"SLOW": self._canon_cells, "SLOWORBIT": self._orbit_cells,
                                  "STAB": _stab}
            source = (_packed_source(sym, shift, width) if self.packed
                      else _brute_source(sym, shift, width))
            exec(compile(source, "<packed-canon>", "exec"), ns)
            self.canon, self.orbit = ns["canon"], ns["orbit"]

    def _canon_cells(self, key: Any) -> Any:
        if type(key) is int:
            cells, err = self.cells_of(key), False
        else:
            cells, err = key[1:], key[0] == "err"
        rep = self.sym.canon(cells)
        return key if rep == cells else self.key(rep, err)

    def _orbit_cells(self, key: Any) -> int:
        return self.sym.orbit_size(self.cells_of(key) if type(key) is int else key[1:])


def _brute_source(sym: Symmetry, shift: Sequence[int], width: Sequence[int]) -> str:
    """`canon(s)` and `orbit(s)` on packed states by every image (NOTE(brute-canon)): the
    moves of `Symmetry.images`, on bit fields, with value tables on digits."""
    assert sym.images is not None
    order = {flat: var.cod.order for var in sym.vars if var.cod is not None
             for flat, _ in var.cells}
    keep = (1 << sum(width)) - 1  # the bits of cells no permutation moves
    for var in sym.vars:
        for flat, _ in var.cells:
            keep &= ~(((1 << width[flat]) - 1) << shift[flat])
    images = []
    for moves in sym.images:
        terms = [f"(s & {keep})"] if keep else []
        for to, flat, table in moves:
            if not width[flat]:
                continue
            x = f"((s >> {shift[flat]}) & {(1 << width[flat]) - 1})"
            if table is not None:
                at = {v: i for i, v in enumerate(order[flat])}
                digits = tuple(at[table.get(v, v)] for v in order[flat])
                if digits != tuple(range(len(digits))):
                    x = f"{digits}[{x}]"
            terms.append(f"({x} << {shift[to]})" if shift[to] else x)
        images.append(" | ".join(terms) or "0")
    canon = ["def canon(s):", "    if type(s) is not int:", "        return SLOW(s)",
             "    best = s"]
    orbit = ["def orbit(s):", "    if type(s) is not int:", "        return SLOWORBIT(s)",
             "    stab = 1"]
    for img in images:
        canon += [f"    x = {img}", "    if x < best:", "        best = x"]
        orbit += [f"    if {img} == s:", "        stab += 1"]
    canon.append("    return best")
    orbit.append(f"    return {sym.group_order} // stab")
    return "\n".join(canon + orbit) + "\n"


def _stab(rows: list[int]) -> int:
    """The product of the factorials of the runs of equal (sorted) rows."""
    out = run = 1
    for a, b in itertools.pairwise(rows):
        if a == b:
            run += 1
            out *= run
        else:
            run = 1
    return out


def _packed_source(sym: Symmetry, shift: Sequence[int], width: Sequence[int]) -> str:
    """`canon(s)` and `orbit(s)` on packed states (NOTE(packed-canon))."""
    canon = ["def canon(s):", "    if type(s) is not int:", "        return SLOW(s)"]
    orbit = ["def orbit(s):", "    if type(s) is not int:", "        return SLOWORBIT(s)",
             "    stab = 1"]

    def read(a: int, w: int) -> str:
        return f"((s >> {a}) & {(1 << w) - 1})" if a else f"(s & {(1 << w) - 1})"

    for s, (rows, ptrs, n) in enumerate(zip(sym.rows, sym.pointers, sym.sizes, strict=True)):
        if n < 2:
            continue
        cols = [j for j in range(len(rows[0])) if width[rows[0][j]]]
        # fields: runs of cells that sit side by side in every row (one read per run)
        fields: list[list[int]] = []
        for j in cols:
            if fields and all(shift[r[fields[-1][-1]]] + width[r[fields[-1][-1]]] == shift[r[j]]
                              for r in rows):
                fields[-1].append(j)
            else:
                fields.append([j])
        if not fields and not ptrs:  # no bits: every row alike
            orbit.append(f"    stab *= {math.factorial(n)}")
            continue
        fw = [sum(width[rows[0][j]] for j in f) for f in fields]
        offs = [sum(fw[:k]) for k in range(len(fw))]
        names = [f"r{c}" for c in range(n)]
        body = []
        if ptrs:  # m[c]: which pointer cells hold value c, one bit per cell (and tag)
            body.append(f"    m = [0] * {n}")
            bit = 0
            for k, (j, cod) in enumerate(ptrs):
                body.append(f"    d{k} = {read(shift[j], width[j])}")
                if cod.plain:
                    body.append(f"    m[d{k}] |= {1 << bit}")
                    bit += 1
                    continue
                # a lock owner (NOTE(symmetric-owners)): digit -> position, tag bit
                pos, tag, _ = cod.digits(s)
                body.append(f"    p{k} = {tuple(pos)}[d{k}]")
                body.append(f"    if p{k} >= 0:")
                body.append(f"        m[p{k}] |= {tuple(1 << (bit + g) for g in tag)}[d{k}]")
                bit += max(tag) + 1
        for c, (nm, row) in enumerate(zip(names, rows, strict=True)):
            # the key of value c: its row's fields concatenated, then its pointer marks
            parts = []
            for f, w, o in zip(fields, fw, offs, strict=True):
                term = read(shift[row[f[0]]], w)
                parts.append(f"({term} << {o})" if o else term)
            if ptrs:
                rb = sum(fw)
                parts.append(f"(m[{c}] << {rb})" if rb else f"m[{c}]")
            body.append(f"    {nm} = {' | '.join(parts)}")
        canon += body
        canon.append(f"    if not ({' <= '.join(names)}):")
        if ptrs:  # u[p] = (key, value): value u[p][1] moves to position p
            canon.append(f"        u = sorted(({', '.join(f'({nm}, {c})' for c, nm in enumerate(names))},))")
            canon.append(f"        q = [0] * {n}")
            canon += [f"        q[u[{p}][1]] = {p}" for p in range(1, n)]
        else:
            canon.append(f"        u = sorted(({', '.join(names)},))")
        clear = 0
        for row in rows:
            for f in fields:
                for j in f:
                    clear |= ((1 << width[row[j]]) - 1) << shift[row[j]]
        for j, _ in ptrs:
            clear |= ((1 << width[j]) - 1) << shift[j]
        puts = []
        for p, row in enumerate(rows):
            for k, (f, w, o) in enumerate(zip(fields, fw, offs, strict=True)):
                x = f"u[{p}][0]" if ptrs else f"u[{p}]"
                if o:
                    x = f"({x} >> {o})"
                if k < len(fields) - 1 or ptrs:
                    x = f"({x} & {(1 << w) - 1})"
                a = shift[row[f[0]]]
                puts.append(f"({x} << {a})" if a else x)
        for k, (j, cod) in enumerate(ptrs):  # a pointer to value i now points to its position
            x = f"q[d{k}]" if cod.plain else \
                f"(d{k} if p{k} < 0 else {tuple(cod.digits(s)[2])}[d{k}] + q[p{k}])"
            puts.append(f"({x} << {shift[j]})" if shift[j] else x)
        canon.append(f"        s = (s & {~clear}) | {' | '.join(puts)}")
        orbit += body
        orbit.append(f"    stab *= STAB(sorted(({', '.join(names)},)))")
    canon.append("    return s")
    orbit.append(f"    return {sym.group_order} // stab")
    return "\n".join(canon + orbit) + "\n"
