"""Known-answer table for tests/known_answers/*.hp.

One entry per (file, constants, depth, invariant) asserted. Answers were derived by hand
from the language's core rules (docs/language.md; each spec's header comment gives the
reasoning) and
cross-checked with an independent throwaway explicit-state enumerator.

* verdict "holds" means: no violation within the bound (check depth / --depth / 10).
* length is the number of steps of the SHORTEST counterexample (states = length + 1).
* exit_code is the expected exit status of the whole `hpverify prove FILE` run with
  those consts/depth (no --inv). Specs are written so that a `--inv NAME` run gives the
  same status whenever the spec has no `expect` on another invariant.
* `types` is checked in every run. When a (file, consts, depth) group has no `types`
  entry, `types` is expected to HOLD in that group.
* met: expected value of the JSON `met` field (None: not asserted / no expect).
* steps/states: the exact shortest trace, given only where it is unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    file: str
    invariant: str
    verdict: str  # "holds" | "violated"
    length: int | None = None
    exit_code: int = 0
    consts: dict[str, Any] = field(default_factory=dict)
    depth: int | None = None
    met: bool | None = None
    # unique shortest trace: steps as (action, actor, params); states as variable dicts
    steps: tuple | None = None
    states: tuple | None = None


def V(file, inv, length, exit_code, **kw):
    return Case(file=file, invariant=inv, verdict="violated", length=length,
                exit_code=exit_code, **kw)


def H(file, inv, exit_code, **kw):
    return Case(file=file, invariant=inv, verdict="holds", length=None,
                exit_code=exit_code, **kw)


G00 = {"1": 0, "2": 0}

CASES: list[Case] = [
    # --- the contract example ---------------------------------------------------------
    V("ka01_contract_example.hp", "small", 2, 0, met=True),
    V("ka01_contract_example.hp", "small", 2, 0, consts={"N": 2}, met=True),
    # --- shortest lengths 0, 1, several ---------------------------------------------------
    V("ka02_init_violates.hp", "low", 0, 1),
    V("ka03_shortest_choice.hp", "below5", 1, 1),
    V("ka03_shortest_choice.hp", "below7", 3, 1),
    H("ka03_shortest_choice.hp", "below5", 0, depth=0),
    H("ka03_shortest_choice.hp", "below7", 0, depth=0),
    V("ka04_two_counters.hp", "not_both2", 4, 1),
    V("ka04_two_counters.hp", "sum_le5", 6, 1),
    # --- reachability corners -------------------------------------------------------------
    V("ka05_deadlock.hp", "not_finished", 4, 1),
    H("ka06_vacuous.hp", "zero", 0, met=True),
    H("ka07_not_inductive.hp", "never10", 0, met=True),
    H("ka07_not_inductive.hp", "never10", 0, depth=25, met=True),
    V("ka08_no_init.hp", "x_small", 0, 0, met=True),
    H("ka08_no_init.hp", "b_total", 0, met=True),
    H("ka09_multi_init.hp", "y_gt_x", 0, met=True),
    V("ka09_multi_init.hp", "y_ne2", 0, 0, met=True),
    V("ka10_unconstrained.hp", "not_blue", 0, 1),
    V("ka10_unconstrained.hp", "some_false", 0, 1),
    # --- parameters and actors ------------------------------------------------------------
    V("ka11_params.hp", "v2_ne3", 1, 0, met=True),
    H("ka11_params.hp", "v0_le1", 0, met=True),
    V("ka11_params.hp", "not_green_flag", 2, 0, met=True),
    V("ka12_by_actors.hp", "x_lt5", 3, 1,
      steps=(("bump", "c0", {}), ("grab", "c1", {"c": "c1"}), ("reset", None, {})),
      states=({"x": 0, "owner": "c0"}, {"x": 1, "owner": "c0"},
              {"x": 1, "owner": "c1"}, {"x": 5, "owner": "c1"})),
    # --- statements: require in if, else-if, let ---------------------------------------
    V("ka13_require_in_if.hp", "x_ne1", 1, 1),
    V("ka13_require_in_if.hp", "x_ne3", 4, 1),
    V("ka14_else_if_chain.hp", "path_ne2", 2, 0, met=True),
    V("ka14_else_if_chain.hp", "x_ne7", 3, 0, met=True),
    H("ka14_else_if_chain.hp", "x_ne3", 0, met=True),
    H("ka14_else_if_chain.hp", "no_2_3", 0, met=True),
    V("ka15_let.hp", "y_ne3", 1, 0, met=True),
    H("ka15_let.hp", "y_le4", 0, met=True),
    # --- frames and update semantics --------------------------------------------------------
    H("ka16_frames.hp", "b_kept", 0, met=True),
    V("ka16_frames.hp", "f_sum", 4, 0, met=True),
    V("ka16_frames.hp", "a_f", 3, 0, met=True),
    V("ka17_later_wins.hp", "reach_20", 1, 0, met=True,
      steps=(("w", None, {"i": 1, "j": 1}),),
      states=({"f": {"1": 0, "2": 0}}, {"f": {"1": 2, "2": 0}})),
    H("ka17_later_wins.hp", "no_10", 0, met=True),
    V("ka18_nested_entries.hp", "inv_row", 1, 1,
      steps=(("setrow", None, {"s": 1, "v": 1}),),
      states=({"g": {"1": G00, "2": G00}},
              {"g": {"1": {"1": 2, "2": 1}, "2": G00}})),
    V("ka18_nested_entries.hp", "inv_other", 3, 1),
    H("ka19_swap.hp", "distinct", 0, met=True),
    V("ka19_swap.hp", "x_ne1", 1, 0, met=True),
    H("ka20_reads_current.hp", "y_iff", 0, met=True),
    V("ka20_reads_current.hp", "x_ne2", 2, 0, met=True),
    # --- the types invariant ----------------------------------------------------------------
    V("ka21_types_write.hp", "types", 2, 1,
      steps=(("inc", None, {}), ("inc", None, {})),
      states=({"x": 0, "y": 0}, {"x": 2, "y": 0}, {"x": 4, "y": 0})),
    H("ka21_types_write.hp", "never6", 1),
    V("ka21_types_write.hp", "y_small", 6, 1),
    V("ka21_types_write.hp", "types", 2, 1, depth=20),
    H("ka21_types_write.hp", "never6", 1, depth=20),
    V("ka21_types_write.hp", "y_small", 6, 1, depth=20),
    V("ka22_types_read.hp", "types", 3, 1),
    V("ka22_types_read.hp", "x_ne3", 2, 1),
    V("ka23_types_write_index.hp", "types", 3, 1),
    V("ka23_types_write_index.hp", "not_f2", 2, 1),
    V("ka24_types_init.hp", "types", 0, 1, states=({"x": 4, "b": False},)),
    H("ka24_types_init.hp", "not_b", 1),
    V("ka24_types_init.hp", "types", 0, 1, consts={"N": 5}),
    H("ka24_types_init.hp", "not_b", 1, consts={"N": 5}),
    V("ka25_types_init_fun.hp", "types", 0, 1),
    # lazy evaluation: types must HOLD in these groups (no `types` entry)
    V("ka26_lazy_guard.hp", "h2", 2, 0, met=True),
    V("ka27_lazy_untaken.hp", "b_false", 1, 0, met=True),
    V("ka28_require_after_read.hp", "b_false", 1, 0, met=True),
    # --- expressions --------------------------------------------------------------------------
    *[H("ka29_prec_bool.hp", n, 0) for n in (
        "imp_right", "imp_below_or", "or_below_and", "not_below_cmp", "not_above_and",
        "not_not", "cmp_eq_bool")],
    *[H("ka30_prec_arith.hp", n, 0) for n in (
        "minus_left", "mul_prec", "unary_plus", "minus_neg", "mul_neg", "mul_left",
        "cmp_arith", "in_bounds", "in_sum", "neg_in", "big")],
    *[H("ka31_open_forms.hp", n, 0) for n in (
        "and_forall", "or_exists", "count_last", "count_paren", "ite_last", "ite_arith",
        "ite_nested", "imp_forall")],
    V("ka32_count_exists.hp", "at_most_one", 2, 0, met=True),
    H("ka32_count_exists.hp", "some_idle", 0, met=True),
    V("ka32_count_exists.hp", "double", 2, 0, met=True),
    V("ka33_membership.hp", "x_in", 4, 0, met=True),
    H("ka33_membership.hp", "c_in_type", 0, met=True),
    H("ka33_membership.hp", "x_plus_in", 0, met=True),
    H("ka33_membership.hp", "b_in_bool", 0, met=True),
    V("ka33_membership.hp", "x_in_small", 5, 0, met=True),
    V("ka34_fun_eq.hp", "differ", 1, 1),
    V("ka34_fun_eq.hp", "g_ctor", 3, 1),
    V("ka35_ite_expr.hp", "le4", 4, 1),
    V("ka35_ite_expr.hp", "no_2_down", 6, 1),
    # --- constants -------------------------------------------------------------------------------
    V("ka36_const_chain.hp", "below", 3, 1),
    V("ka36_const_chain.hp", "below", 4, 1, consts={"N": 3}),
    H("ka36_const_chain.hp", "below", 0, consts={"N": 5}, depth=5),
    V("ka36_const_chain.hp", "below", 6, 1, consts={"N": 5}, depth=6),
    V("ka37_const_flags.hp", "no3", 1, 1),
    V("ka37_const_flags.hp", "no3", 1, 1, consts={"FIXED": True}),
    V("ka37_const_flags.hp", "no3", 2, 1, consts={"VARIANT": "patched"}),
    V("ka37_const_flags.hp", "no3", 3, 1, consts={"FIXED": True, "VARIANT": "patched"}),
    H("ka37_const_flags.hp", "no3", 0, consts={"FIXED": True, "VARIANT": "patched"}, depth=2),
    # --- expect lines -----------------------------------------------------------------------------
    V("ka38a_expect_met.hp", "x_lt3", 3, 0, met=True),
    V("ka38b_expect_wrong_len.hp", "x_lt3", 3, 1, met=False),
    V("ka38c_expect_holds_unmet.hp", "x_lt3", 3, 1, met=False),
    V("ka38d_expect_violated_any.hp", "x_lt3", 3, 0, met=True),
    H("ka38e_expect_violated_unmet.hp", "x_le5", 1, met=False),
    V("ka38f_expect_too_long.hp", "x_lt3", 3, 1, met=False),
    # --- depth bounds -------------------------------------------------------------------------------
    H("ka39_check_depth.hp", "lt7", 0),
    H("ka39_check_depth.hp", "lt7", 0, depth=6),
    V("ka39_check_depth.hp", "lt7", 7, 1, depth=7),
    V("ka39_check_depth.hp", "lt7", 7, 1, depth=20),
    V("ka40_default_depth.hp", "lt10", 10, 0, met=True),
    H("ka40_default_depth.hp", "lt11", 0, met=True),
    V("ka41_expect_vs_depth.hp", "lt7", 7, 0, met=True),  # the expect deepens the search
    V("ka41_expect_vs_depth.hp", "lt7", 7, 0, depth=3, met=True),
    V("ka41_expect_vs_depth.hp", "lt7", 7, 0, depth=7, met=True),
    # --- function types --------------------------------------------------------------------------------
    H("ka42_fun_of_fun.hp", "mutex", 0, met=True),
    V("ka42_fun_of_fun.hp", "last_wait", 3, 0, met=True),
    V("ka42_fun_of_fun.hp", "both_entered", 5, 0, met=True),
    # --- lexical / layout ---------------------------------------------------------------------------------
    V("ka43_semicolons.hp", "t_lt1", 3, 0, met=True),
    V("ka44_identifiers.hp", "thence", 3, 1),
    V("ka45_exact_arith.hp", "y_ne_m1", 1, 1),
    V("ka45_exact_arith.hp", "x_pos", 3, 1),
    V("ka46_types_nested.hp", "types", 2, 1),
    V("ka46_types_nested.hp", "diag", 2, 1),
    V("ka47_by_int_param.hp", "not_3_flag", 3, 1),
    H("ka48_branch_frames.hp", "x_ge_y", 0, met=True),
    V("ka48_branch_frames.hp", "y_ne2", 4, 0, met=True),
    V("ka49_quant_domains.hp", "distinct", 1, 1),
    V("ka49_quant_domains.hp", "two_max", 3, 1),
    V("ka49_quant_domains.hp", "distinct", 1, 1, consts={"N": 2}),
    V("ka49_quant_domains.hp", "two_max", 3, 1, consts={"N": 2}),
    V("ka49_quant_domains.hp", "distinct", 1, 1, consts={"N": 4}),
    V("ka49_quant_domains.hp", "two_max", 3, 1, consts={"N": 4}),
    V("ka50_init_constraints.hp", "x_ne1", 0, 0, met=True),
    H("ka50_init_constraints.hp", "y_ge2", 0, met=True),
    H("ka51_whole_then_entry.hp", "shape", 0, met=True),
    V("ka51_whole_then_entry.hp", "f1_ne2", 1, 0, met=True),
    V("ka52_types_dead_end.hp", "types", 1, 1),
    H("ka52_types_dead_end.hp", "no_after", 1),
    V("ka52_types_dead_end.hp", "x_ne1", 1, 1),
    V("ka53_lost_update.hp", "no_lost", 4, 1),
    H("ka53_lost_update.hp", "no_lost", 0, consts={"ATOMIC": True}),
    V("ka54_unique_trace.hp", "x_lt3", 4, 1,
      steps=(("setx", None, {"v": 1}), ("setb", None, {"nb": True}),
             ("setx", None, {"v": 2}), ("setx", None, {"v": 3})),
      states=({"x": 0, "b": False}, {"x": 1, "b": False}, {"x": 1, "b": True},
              {"x": 2, "b": True}, {"x": 3, "b": True})),
    V("ka55_bool_domain.hp", "not_full", 3, 1,
      steps=(("bump", None, {"b": True}), ("bump", None, {"b": True}),
             ("bump", None, {"b": False})),
      states=({"h": {"true": 0, "false": 0}}, {"h": {"true": 1, "false": 0}},
              {"h": {"true": 2, "false": 0}}, {"h": {"true": 2, "false": 1}})),
    V("ka56_layout.hp", "sum", 4, 1),
    H("ka57_no_actions.hp", "one", 0, met=True),
    V("ka57_no_actions.hp", "b_false", 0, 0, met=True),
    V("ka58_by_const.hp", "x_lt2", 2, 1,
      steps=(("lead", "c1", {}), ("follow", "c0", {"c": "c0"})),
      states=({"x": 0}, {"x": 1}, {"x": 2})),
    V("ka58_by_const.hp", "x_lt2", 2, 1, consts={"LEADER": "c0"},
      steps=(("lead", "c0", {}), ("follow", "c1", {"c": "c1"}))),
    # --- more corners ------------------------------------------------------------------------------
    V("ka59_overwrite_in_range.hp", "f1_lt2", 2, 0, met=True),
    V("ka60_init_pred_shortest.hp", "lt5", 3, 1),
    V("ka61_by_expr.hp", "x_lt2", 2, 1,
      steps=(("hand", "c1", {"c": "c0"}), ("fin", "c1", {"c": "c1"}))),
    H("ka62_fun_exprs.hp", "ctor_idx", 0, met=True),
    V("ka62_fun_exprs.hp", "not_all", 2, 0, met=True),
    V("ka62_fun_exprs.hp", "paren", 1, 0, met=True),
    *[H("ka63_prec_more.hp", n, 0) for n in (
        "sub_add_left", "not_in", "and_implies", "implies_and", "neg_paren", "bool_eq",
        "mul_chain", "const_sub")],
    H("ka64_deep.hp", "lt15", 0),
    H("ka64_deep.hp", "lt15", 0, depth=14),
    V("ka64_deep.hp", "lt15", 15, 1, depth=15),
    V("ka65_init_partial.hp", "f1_zero", 0, 0, met=True),
    H("ka65_init_partial.hp", "rest_zero", 0, met=True),
    V("ka66_param_arith.hp", "x_ne2", 1, 1),
    V("ka66_param_arith.hp", "x_ne3", 2, 1,
      steps=(("sq", None, {"v": 7}), ("big", None, {"v": 20}))),
    V("ka67_types_ctor.hp", "types", 2, 1),
    V("ka67_types_ctor.hp", "not_go", 1, 1),
    V("ka68_types_ctor_read.hp", "types", 2, 1),
    V("ka68_types_ctor_read.hp", "not_go", 1, 1),
    H("ka69_empty_body.hp", "zero", 0, met=True),
    V("ka70_nested_later_wins.hp", "two_needs_one", 1, 1),
    V("ka71_types_if_read.hp", "types", 1, 1),
    V("ka72_types_count_read.hp", "types", 2, 1),
    V("ka72_types_count_read.hp", "not_ready", 1, 1),
    V("ka73_types_forall_read.hp", "types", 1, 1),
    V("ka74_named_fun_type.hp", "diag", 4, 1),
    V("ka74_named_fun_type.hp", "diag", 4, 1, consts={"N": 3}),
    H("ka75_unsat_init.hp", "never", 0, met=True),
    H("ka76_check_depth0.hp", "lt1", 0),
    V("ka76_check_depth0.hp", "lt1", 1, 1, depth=1),
    V("ka77_negative_domain.hp", "all_set", 3, 1,
      steps=(("set", None, {"k": -1}), ("set", None, {"k": 0}), ("set", None, {"k": 1})),
      states=({"f": {"-1": False, "0": False, "1": False}},
              {"f": {"-1": True, "0": False, "1": False}},
              {"f": {"-1": True, "0": True, "1": False}},
              {"f": {"-1": True, "0": True, "1": True}})),
    V("ka78_enum_literal.hp", "low", 1, 0, met=True),
    V("ka78_enum_literal.hp", "cnt", 1, 0, met=True),
    H("ka78_enum_literal.hp", "one_of", 0, met=True),
    H("ka79_branch_merge.hp", "one_in_1", 0, met=True),
    V("ka79_branch_merge.hp", "f2_one", 1, 0, met=True),
    V("ka79_branch_merge.hp", "wiped", 1, 0, met=True),
    H("ka79_branch_merge.hp", "eq_rows", 0, met=True),
    H("ka80_expect_types.hp", "ok", 0, met=True),
    V("ka80_expect_types.hp", "types", 2, 0, met=True),
    H("ka81_types_unexpected.hp", "ok", 1, met=True),
    V("ka81_types_unexpected.hp", "types", 2, 1),
    H("ka82_open_forms_more.hp", "not_exists", 0),
    *[H("ka82_open_forms_more.hp", n, 0) for n in (
        "neg_ite", "mul_count", "cmp_count", "and_not_all", "imp_exists", "nested_q",
        "ite_in_cond", "range_expr", "range_type")],
    H("ka83_empty_quant_range.hp", "all_false", 0),
    H("ka83_empty_quant_range.hp", "no_true", 0),
    H("ka83_empty_quant_range.hp", "count0", 0),
    V("ka83_empty_quant_range.hp", "all_false", 0, 1, consts={"N": 2}),
    V("ka83_empty_quant_range.hp", "no_true", 0, 1, consts={"N": 2}),
    V("ka83_empty_quant_range.hp", "count0", 0, 1, consts={"N": 2}),
]
