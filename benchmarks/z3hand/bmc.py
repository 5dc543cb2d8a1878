#!/usr/bin/env python3
"""Hand-written z3py bounded model checker for the first-cut model (benchmarks/first_cut.hp)
(soft-offlining a free hugetlb page), meant as the "physical limit" baseline for the
Z3 route of hpverify.

    python bmc.py --variant patched --npages 2 --nfault 2 --depth 20 --inv no_sigbus
    python bmc.py --variant unpatched --inv all --depth 10
    python bmc.py --variant patched --inv all --kind          # k-induction proof

Encoding (one solver for all depths):
  * state per step k: Bool  free_p, in_pool_p, poison_p (one variable per page, arrays
    scalarised), reserved, consumed, killed, resv_broken;  BitVec (or Int with --enc int)
    cache, free_huge, resv, target (width = bits of NPAGES), so_pc (3 bits), f_pc_c (2 bits).
  * one action selector per step: a BitVec (Int with --enc int) a_k whose value numbers a
    concrete action instance (get_any_page(p), ..., fault_alloc(c,p), ..., stutter).
    Guards are implications  a_k = i  ->  guard_i(s_k);  every next-state variable is one
    equation  v_{k+1} = f_v(a_k, s_k)  built only from the actions that write v (frame
    conditions are implicit in f_v).  A stutter action (changes nothing) makes "no
    successor" harmless, as the reference model asks; --stutter picks where it may occur
    (any: anywhere, the default; tail: only as a suffix; deadlock: only when all are done).
  * back-end: z3.SolverFor("QF_BV") by default, i.e. Z3's incremental bit-blasting SAT
    solver (2-3x faster here than z3.Solver()).
  * BMC: incremental.  For k = 0, 1, ...: check with the assumption literal bad_k, where
    bad_k -> not inv(s_k).  SAT = a counterexample with exactly k actions; it is a shortest
    one because depths 0..k-1 were UNSAT (and it has no stutter step: removing one would give
    a shorter counterexample).  UNSAT: add inv(s_k) as a (sound) lemma, unroll one more step.
  * k-induction (--kind): the BMC solver is the base case; a second incremental solver holds
    the step case: states t_0..t_{k}, P'(t_0..t_{k-1}), transitions, all states pairwise
    distinct (simple path), and the assumption not P'(t_k), where P' = inv /\\ TypeOK.
    "succeeds at k" = k consecutive P'-states force P' in the next one (k = 1 is plain
    induction), and the base case found no violation at depths 0..k-1.
"""
import argparse
import json
import sys
import time

import z3

VARIANTS = ("unpatched", "patched", "patched_norc")
INVS = ("no_sigbus", "resv_honoured", "accounting", "poison_contained")
IDLE, CHECKED, FLAGGED, DISSOLVED, DONE = range(5)
F_IDLE, F_MAPPED, F_DONE = range(3)
SO_NAMES = ("idle", "checked", "flagged", "dissolved", "done")
STUTTER = ("any", "tail", "deadlock")
F_NAMES = ("idle", "mapped", "done")


class Model:
    def __init__(self, variant, npages, nfault, enc="bv", stutter="any"):
        assert variant in VARIANTS and stutter in STUTTER
        self.variant, self.N, self.F, self.enc, self.stutter = variant, npages, nfault, enc, stutter
        self.pages = range(1, npages + 1)
        self.actors = range(1, nfault + 1)
        acts = []
        acts += [("get_any_page", 0, p) for p in self.pages]
        acts += [("get_any_page_busy", 0, p) for p in self.pages]
        acts += [("set_poison", 0, None), ("dissolve", 0, None)]
        acts += [("mmap", c, None) for c in self.actors]
        acts += [("fault_hit", c, None) for c in self.actors]
        acts += [("fault_alloc", c, p) for c in self.actors for p in self.pages]
        acts += [("fault_nomem", c, None) for c in self.actors]
        acts += [("stutter", None, None)]
        self.acts = acts
        self.idx = {a: i for i, a in enumerate(acts)}
        self.M = len(acts)
        self.W = max(1, npages.bit_length())             # width of page-valued counters
        self.WA = max(1, (self.M - 1).bit_length())      # width of the action selector

    # ---- sorts and constants ----
    def num(self, x, w=None):
        return z3.IntVal(x) if self.enc == "int" else z3.BitVecVal(x, w or self.W)

    def var(self, name, w=None):
        return z3.Int(name) if self.enc == "int" else z3.BitVec(name, w or self.W)

    def gt(self, a, b):
        return a > b if self.enc == "int" else z3.UGT(a, b)

    def le(self, a, b):
        return a <= b if self.enc == "int" else z3.ULE(a, b)

    # ---- state ----
    def new_state(self, tag):
        s = {}
        for p in self.pages:
            s[f"free{p}"] = z3.Bool(f"free{p}_{tag}")
            s[f"in_pool{p}"] = z3.Bool(f"in_pool{p}_{tag}")
            s[f"poison{p}"] = z3.Bool(f"poison{p}_{tag}")
        for v in ("cache", "free_huge", "resv", "target"):
            s[v] = self.var(f"{v}_{tag}")
        for v in ("reserved", "consumed", "killed", "resv_broken"):
            s[v] = z3.Bool(f"{v}_{tag}")
        s["so_pc"] = self.var(f"so_pc_{tag}", 3)
        for c in self.actors:
            s[f"f_pc{c}"] = self.var(f"f_pc{c}_{tag}", 2)
        return s

    def new_selector(self, tag):
        return self.var(f"act_{tag}", self.WA)

    def is_stutter(self, a):
        return a == self.num(self.idx[("stutter", None, None)], self.WA)

    def stutter_link(self, a_prev, a_next):
        """--stutter tail: once the path stutters it stutters for ever (removes the
        equivalent paths that differ only in where stutter steps are interleaved)."""
        if self.stutter == "tail":
            return z3.Implies(self.is_stutter(a_prev), self.is_stutter(a_next))
        return z3.BoolVal(True)

    def init(self, s):
        cs = []
        for p in self.pages:
            cs += [s[f"free{p}"], s[f"in_pool{p}"], z3.Not(s[f"poison{p}"])]
        cs += [s["cache"] == self.num(0), s["free_huge"] == self.num(self.N),
               s["resv"] == self.num(0), s["target"] == self.num(0),
               s["so_pc"] == self.num(IDLE, 3)]
        cs += [z3.Not(s[v]) for v in ("reserved", "consumed", "killed", "resv_broken")]
        cs += [s[f"f_pc{c}"] == self.num(F_IDLE, 2) for c in self.actors]
        return z3.And(cs)

    def type_ok(self, s):
        """Every counter in its declared range (needed for induction over arbitrary states)."""
        N = self.num(self.N)
        cs = [self.le(s[v], N) for v in ("cache", "free_huge", "resv", "target")]
        cs.append(self.le(s["so_pc"], self.num(DONE, 3)))
        cs += [self.le(s[f"f_pc{c}"], self.num(F_DONE, 2)) for c in self.actors]
        if self.enc == "int":
            cs += [s[v] >= 0 for v in ("cache", "free_huge", "resv", "target", "so_pc")]
            cs += [s[f"f_pc{c}"] >= 0 for c in self.actors]
        return z3.And(cs)

    def selector_ok(self, a):
        ok = self.le(a, self.num(self.M - 1, self.WA))
        if self.enc == "int":
            ok = z3.And(a >= 0, ok)
        return ok

    def at(self, s, arr, idx):
        """arr[idx] for a symbolic page index (False for 0 / out of range)."""
        return z3.Or([z3.And(idx == self.num(p), s[f"{arr}{p}"]) for p in self.pages])

    def avail(self, s, p):
        return z3.And(s[f"free{p}"], z3.Not(s[f"poison{p}"]))

    # ---- transition relation: list of constraints ----
    def trans(self, s, a, t):
        num, so, A = self.num, s["so_pc"], {}
        for act, i in self.idx.items():
            A[act] = a == self.num(i, self.WA)
        so_is = lambda v: so == num(v, 3)
        fpc_is = lambda c, v: s[f"f_pc{c}"] == num(v, 2)
        unpatched = self.variant == "unpatched"
        alloc_p = {p: z3.Or([A[("fault_alloc", c, p)] for c in self.actors]) for p in self.pages}
        alloc_c = {c: z3.Or([A[("fault_alloc", c, p)] for p in self.pages]) for c in self.actors}
        any_alloc = z3.Or(list(alloc_p.values()))
        any_hit = z3.Or([A[("fault_hit", c, None)] for c in self.actors])
        any_nomem = z3.Or([A[("fault_nomem", c, None)] for c in self.actors])
        any_mmap = z3.Or([A[("mmap", c, None)] for c in self.actors])
        gap = z3.Or([A[("get_any_page", 0, p)] for p in self.pages])
        gapb = z3.Or([A[("get_any_page_busy", 0, p)] for p in self.pages])
        a_poison, a_dissolve = A[("set_poison", 0, None)], A[("dissolve", 0, None)]
        tgt_free = self.at(s, "free", s["target"])
        can_dissolve = z3.And(tgt_free, self.gt(s["free_huge"], s["resv"]))
        dsucc = z3.And(a_dissolve, can_dissolve)
        room = self.gt(s["free_huge"], s["resv"])                  # free_huge - resv >= 1
        mmap_res = z3.And(any_mmap, z3.Not(s["reserved"]), room)
        take = z3.And(any_alloc, s["reserved"], z3.Not(s["consumed"]))
        no_avail = z3.Not(z3.Or([self.avail(s, p) for p in self.pages]))
        cache0 = s["cache"] == num(0)

        cs = [self.selector_ok(a)]
        # guards
        g = {}
        for p in self.pages:
            g[("get_any_page", 0, p)] = z3.And(so_is(IDLE), s[f"free{p}"])
            g[("get_any_page_busy", 0, p)] = z3.And(so_is(IDLE), z3.Not(s[f"free{p}"]))
        g[("set_poison", 0, None)] = so_is(CHECKED if unpatched else DISSOLVED)
        g[("dissolve", 0, None)] = so_is(FLAGGED if unpatched else CHECKED)
        for c in self.actors:
            g[("mmap", c, None)] = fpc_is(c, F_IDLE)
            g[("fault_hit", c, None)] = z3.And(fpc_is(c, F_MAPPED), z3.Not(cache0))
            for p in self.pages:
                g[("fault_alloc", c, p)] = z3.And(fpc_is(c, F_MAPPED), cache0, self.avail(s, p))
            g[("fault_nomem", c, None)] = z3.And(fpc_is(c, F_MAPPED), cache0, no_avail)
        if self.stutter == "deadlock":
            # stutter only where no action is enabled: since every actor's guards cover all
            # its non-final program counters, "deadlock" = every program counter final.
            g[("stutter", None, None)] = z3.And([so_is(DONE)] + [fpc_is(c, F_DONE) for c in self.actors])
        for act, guard in g.items():
            cs.append(z3.Implies(A[act], guard))
        # next-state functions
        for p in self.pages:
            hit_p = z3.And(dsucc, s["target"] == num(p))
            cs.append(t[f"free{p}"] == z3.And(s[f"free{p}"], z3.Not(alloc_p[p]), z3.Not(hit_p)))
            cs.append(t[f"in_pool{p}"] == z3.And(s[f"in_pool{p}"], z3.Not(hit_p)))
            cs.append(t[f"poison{p}"] == z3.Or(s[f"poison{p}"], z3.And(a_poison, s["target"] == num(p))))
        cache_n, target_n = s["cache"], s["target"]
        for p in reversed(list(self.pages)):
            cache_n = z3.If(alloc_p[p], num(p), cache_n)
            target_n = z3.If(A[("get_any_page", 0, p)], num(p), target_n)
        cs.append(t["cache"] == cache_n)
        cs.append(t["target"] == target_n)
        cs.append(t["free_huge"] == z3.If(z3.Or(any_alloc, dsucc), s["free_huge"] - num(1), s["free_huge"]))
        cs.append(t["resv"] == z3.If(mmap_res, s["resv"] + num(1),
                                     z3.If(take, s["resv"] - num(1), s["resv"])))
        cs.append(t["reserved"] == z3.Or(s["reserved"], mmap_res))
        cs.append(t["consumed"] == z3.Or(s["consumed"], take))
        cs.append(t["killed"] == z3.Or(s["killed"], z3.And(any_hit, self.at(s, "poison", s["cache"]))))
        cs.append(t["resv_broken"] == z3.Or(s["resv_broken"],
                                            z3.And(any_nomem, s["reserved"], z3.Not(s["consumed"]))))
        if unpatched:
            so_d = num(DONE, 3)
            so_p = num(FLAGGED, 3)
        else:
            ok = can_dissolve if self.variant == "patched" else z3.Or(can_dissolve, z3.Not(tgt_free))
            so_d = z3.If(ok, num(DISSOLVED, 3), num(DONE, 3))
            so_p = num(DONE, 3)
        cs.append(t["so_pc"] == z3.If(gap, num(CHECKED, 3),
                                      z3.If(gapb, num(DONE, 3),
                                            z3.If(a_poison, so_p,
                                                  z3.If(a_dissolve, so_d, so)))))
        for c in self.actors:
            mm = A[("mmap", c, None)]
            fin = z3.Or(A[("fault_hit", c, None)], A[("fault_nomem", c, None)], alloc_c[c])
            cs.append(t[f"f_pc{c}"] == z3.If(mm, z3.If(z3.Or(s["reserved"], room), num(F_MAPPED, 2), num(F_DONE, 2)),
                                             z3.If(fin, num(F_DONE, 2), s[f"f_pc{c}"])))
        return cs

    # ---- invariants ----
    def inv(self, name, s):
        if name == "no_sigbus":
            return z3.Not(s["killed"])
        if name == "resv_honoured":
            return z3.Not(s["resv_broken"])
        if name == "accounting":
            cnt = z3.Sum([z3.If(s[f"free{p}"], self.num(1), self.num(0)) for p in self.pages]) \
                if self.N > 1 else z3.If(s["free1"], self.num(1), self.num(0))
            return z3.And(s["free_huge"] == cnt, self.le(s["resv"], s["free_huge"]))
        if name == "poison_contained":
            return z3.And([z3.Implies(s[f"poison{p}"], z3.Not(s[f"in_pool{p}"])) for p in self.pages])
        raise ValueError(name)

    def distinct(self, s, t):
        return z3.Or([s[k] != t[k] for k in s])

    # ---- decoding ----
    def decode(self, m, states, sels):
        ev = lambda e: m.eval(e, model_completion=True)
        out = []
        for k, a in enumerate(sels):
            i = ev(a).as_long()
            name, actor, p = self.acts[i]
            s = states[k]
            if name in ("set_poison", "dissolve"):
                txt = f"{name}(target={ev(s['target']).as_long()}) [CPU0 soft-offline]"
            elif name in ("get_any_page", "get_any_page_busy"):
                txt = f"{name}(p={p}) [CPU0 soft-offline]"
            elif name == "fault_alloc":
                txt = f"fault_alloc(c={actor}, p={p}) [CPU{actor} fault]"
            elif name == "fault_hit":
                txt = f"fault_hit(c={actor}) cache={ev(s['cache']).as_long()} [CPU{actor} fault]"
            elif name == "stutter":
                txt = "stutter"
            else:
                txt = f"{name}(c={actor}) [CPU{actor} fault]"
            out.append(txt)
        return out

    def show_state(self, m, s):
        ev = lambda e: m.eval(e, model_completion=True)
        b = lambda e: int(z3.is_true(ev(e)))
        pages = " ".join(f"p{p}:free={b(s[f'free{p}'])},pool={b(s[f'in_pool{p}'])},poison={b(s[f'poison{p}'])}"
                         for p in self.pages)
        fp = " ".join(f"f{c}={F_NAMES[ev(s[f'f_pc{c}']).as_long()]}" for c in self.actors)
        return (f"{pages} cache={ev(s['cache'])} free_huge={ev(s['free_huge'])} resv={ev(s['resv'])} "
                f"reserved={b(s['reserved'])} consumed={b(s['consumed'])} target={ev(s['target'])} "
                f"so={SO_NAMES[ev(s['so_pc']).as_long()]} {fp} killed={b(s['killed'])} "
                f"resv_broken={b(s['resv_broken'])}")


def make_solver(kind):
    """QF_BV / QF_FD give Z3's incremental SAT solver (bit-blasting, assumptions kept
    between checks); "default" is z3.Solver(), which with assumptions runs the SMT core."""
    if kind == "default":
        return z3.Solver()
    if kind == "simple":
        return z3.SimpleSolver()
    return z3.SolverFor(kind)


def bmc(model, inv, depth, solver="QF_BV", lemmas=True, verbose=True):
    t_start = time.perf_counter()
    c_start = time.process_time()
    solve_t = 0.0
    s = make_solver(solver)
    states = [model.new_state(0)]
    sels = []
    s.add(model.init(states[0]))
    per_depth = []
    for k in range(depth + 1):
        bad = z3.Bool(f"bad_{k}")
        s.add(z3.Implies(bad, z3.Not(model.inv(inv, states[k]))))
        t0 = time.perf_counter()
        r = s.check(bad)
        dt = time.perf_counter() - t0
        solve_t += dt
        per_depth.append((k, str(r), dt))
        if verbose:
            print(f"  depth {k:3d}: {'sat (violation)' if r == z3.sat else str(r):16s} {dt*1000:8.2f} ms", flush=True)
        if r == z3.sat:
            m = s.model()
            return {"verdict": "violated", "length": k, "trace": model.decode(m, states, sels),
                    "final_state": model.show_state(m, states[k]), "solve_s": solve_t,
                    "total_s": time.perf_counter() - t_start, "cpu_s": time.process_time() - c_start,
                    "per_depth": per_depth}
        if r != z3.unsat:
            return {"verdict": "unknown", "depth": k, "reason": s.reason_unknown(), "solve_s": solve_t,
                    "total_s": time.perf_counter() - t_start, "cpu_s": time.process_time() - c_start,
                    "per_depth": per_depth}
        if lemmas:
            s.add(model.inv(inv, states[k]))
        if k < depth:
            nxt = model.new_state(k + 1)
            a = model.new_selector(k)
            s.add(model.trans(states[k], a, nxt))
            if sels:
                s.add(model.stutter_link(sels[-1], a))
            states.append(nxt)
            sels.append(a)
    return {"verdict": "holds", "depth": depth, "solve_s": solve_t,
            "total_s": time.perf_counter() - t_start, "cpu_s": time.process_time() - c_start,
            "per_depth": per_depth}


def kind(model, inv, max_k, solver="QF_BV", verbose=True):
    """k-induction with simple-path constraint (Een & Sorensson 2003), both cases incremental."""
    t_start = time.perf_counter()
    c_start = time.process_time()
    solve_t = 0.0
    P = lambda st: z3.And(model.inv(inv, st), model.type_ok(st))
    base = make_solver(solver)
    bs = [model.new_state("b0")]
    bsel = []
    base.add(model.init(bs[0]))
    step = make_solver(solver)
    ts = [model.new_state("t0")]
    for k in range(max_k + 1):
        # base case: no violation of P' at depth k from the initial state
        bad = z3.Bool(f"bbad_{k}")
        base.add(z3.Implies(bad, z3.Not(P(bs[k]))))
        t0 = time.perf_counter()
        r = base.check(bad)
        dtb = time.perf_counter() - t0
        solve_t += dtb
        if r == z3.sat:
            m = base.model()
            if verbose:
                print(f"  k={k}: base case SAT: violation at depth {k}", flush=True)
            return {"verdict": "violated", "length": k, "trace": model.decode(m, bs, bsel),
                    "solve_s": solve_t, "total_s": time.perf_counter() - t_start,
                    "cpu_s": time.process_time() - c_start}
        base.add(P(bs[k]))
        nb = model.new_state(f"b{k+1}")
        a = model.new_selector(f"b{k}")
        base.add(model.trans(bs[k], a, nb))
        if bsel:
            base.add(model.stutter_link(bsel[-1], a))
        bs.append(nb)
        bsel.append(a)
        # step case: t_0..t_k satisfy P', t_{k+1} a successor of t_k, all distinct, not P'(t_{k+1})
        step.add(P(ts[k]))
        nt = model.new_state(f"t{k+1}")
        a = model.new_selector(f"t{k}")
        step.add(model.trans(ts[k], a, nt))
        for j in range(k + 1):
            step.add(model.distinct(ts[j], nt))
        ts.append(nt)
        sbad = z3.Bool(f"sbad_{k}")
        step.add(z3.Implies(sbad, z3.Not(P(nt))))
        t0 = time.perf_counter()
        r2 = step.check(sbad)
        dts = time.perf_counter() - t0
        solve_t += dts
        if verbose:
            print(f"  k={k+1}: base(depth {k}) unsat {dtb*1000:7.2f} ms, step({k+1} P'-states -> next) "
                  f"{str(r2):5s} {dts*1000:7.2f} ms", flush=True)
        if r2 == z3.unsat:
            return {"verdict": "proved", "k": k + 1, "solve_s": solve_t,
                    "total_s": time.perf_counter() - t_start, "cpu_s": time.process_time() - c_start}
    return {"verdict": "unknown", "max_k": max_k, "solve_s": solve_t,
            "total_s": time.perf_counter() - t_start, "cpu_s": time.process_time() - c_start}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=VARIANTS, default="patched")
    ap.add_argument("--npages", type=int, default=2)
    ap.add_argument("--nfault", type=int, default=2)
    ap.add_argument("--depth", type=int, default=20, help="BMC bound (number of actions)")
    ap.add_argument("--inv", choices=INVS + ("all",), default="no_sigbus")
    ap.add_argument("--kind", action="store_true", help="k-induction instead of plain BMC")
    ap.add_argument("--max-k", type=int, default=40, help="largest k tried by --kind")
    ap.add_argument("--enc", choices=("bv", "int"), default="bv")
    ap.add_argument("--stutter", choices=STUTTER, default="any",
                    help="where the no-op step may occur: any (anywhere; default), tail (once a path "
                         "stutters it stutters for ever: path = real prefix + stutter suffix), "
                         "deadlock (only when every actor is done)")
    ap.add_argument("--solver", default="QF_BV",
                    help="QF_BV (z3.SolverFor('QF_BV'): incremental bit-blasting SAT back-end; default), "
                         "default (z3.Solver(): the SMT core), simple (z3.SimpleSolver()) or another logic "
                         "for SolverFor, e.g. QF_FD; with --enc int use default or simple")
    ap.add_argument("--no-lemmas", action="store_true", help="BMC: do not assert inv(s_k) after UNSAT at depth k")
    ap.add_argument("--seed", type=int, default=None,
                    help="set Z3's sat.random_seed and smt.random_seed (solver-variance studies)")
    ap.add_argument("--quiet", action="store_true", help="no per-depth lines")
    ap.add_argument("--json", action="store_true", help="print one JSON line per invariant at the end")
    args = ap.parse_args()
    if args.seed is not None:
        z3.set_param("sat.random_seed", args.seed)
        z3.set_param("smt.random_seed", args.seed)
    t_all = time.perf_counter()
    model = Model(args.variant, args.npages, args.nfault, args.enc, args.stutter)
    invs = INVS if args.inv == "all" else (args.inv,)
    results = []
    for inv in invs:
        print(f"== {args.variant} NPAGES={args.npages} NFAULT={args.nfault} inv={inv} "
              f"{'k-induction' if args.kind else f'BMC depth {args.depth}'} ({model.M} actions, enc={args.enc})",
              flush=True)
        if args.kind:
            r = kind(model, inv, args.max_k, args.solver, not args.quiet)
        else:
            r = bmc(model, inv, args.depth, args.solver, not args.no_lemmas, not args.quiet)
        if r["verdict"] == "violated":
            print(f"VERDICT {inv}: VIOLATED, shortest counterexample has {r['length']} actions:")
            for i, txt in enumerate(r["trace"], 1):
                print(f"  {i:2d}. {txt}")
            if "final_state" in r:
                print(f"  final state: {r['final_state']}")
        elif r["verdict"] == "holds":
            print(f"VERDICT {inv}: holds up to depth {r['depth']}")
        elif r["verdict"] == "proved":
            print(f"VERDICT {inv}: PROVED for all depths by k-induction at k={r['k']}")
        else:
            print(f"VERDICT {inv}: unknown ({r})")
        print(f"  total solve time {r['solve_s']:.4f} s (check() calls), "
              f"{r['total_s']:.4f} s including encoding ({r['cpu_s']:.4f} s CPU)", flush=True)
        r.pop("per_depth", None)
        r.update({"variant": args.variant, "npages": args.npages, "nfault": args.nfault, "inv": inv,
                  "mode": "kind" if args.kind else "bmc", "bound": args.max_k if args.kind else args.depth,
                  "enc": args.enc, "solver": args.solver, "stutter": args.stutter,
                  "lemmas": not args.no_lemmas, "seed": args.seed})
        results.append(r)
    wall = time.perf_counter() - t_all
    print(f"wall time (after import) {wall:.4f} s")
    if args.json:
        for r in results:
            print("JSON " + json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
