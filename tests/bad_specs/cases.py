"""Known error positions for tests/bad_specs/*.hp.

Each spec contains exactly ONE error. `line`/`col` are 1-based and point at the
offending token. Where the contract does not fix the column, the most natural one was
chosen (the start of the offending token or expression); `desc` says which.
The tool must exit 2 and print `FILE:LINE:COL: error[HPnnn]: ...` on stderr.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BadCase:
    file: str
    line: int
    col: int
    desc: str


CASES: list[BadCase] = [
    BadCase('b01_missing_brace.hp', 7, 1,
            'syntax: the action body is never closed; the parser meets the keyword `invariant` inside the block (reported at `invariant`)'),
    BadCase('b02_bad_token.hp', 5, 36,
            'syntax: `@` is not a token of the language (reported at `@`)'),
    BadCase('b03_keyword_as_var.hp', 3, 5,
            'syntax: keyword `count` used as a variable name (reported at `count`)'),
    BadCase('b04_chained_eq.hp', 6, 23,
            'syntax: comparisons are non-associative, `x = y = 0` is an error (reported at the second `=`)'),
    BadCase('b05_second_spec.hp', 4, 1,
            'syntax: a second `spec` declaration (reported at the second `spec`)'),
    BadCase('b06_missing_spec.hp', 2, 1,
            'syntax: the first declaration is not `spec` (reported at the first token, `var`)'),
    BadCase('b07_second_check_depth.hp', 8, 1,
            'a second `check depth` is an error (reported at the second `check`)'),
    BadCase('b08_double_semicolon.hp', 5, 40,
            'syntax: at most one `;` may follow a statement (reported at the second `;`)'),
    BadCase('b09_space_before_prime.hp', 5, 31,
            "syntax: `x '` with a space is not a primed variable; the stray `'` is an error (reported at `'`)"),
    BadCase('b10_undeclared.hp', 5, 16,
            'name: `y` is not declared (reported at `y`)'),
    BadCase('b11_used_before_declared.hp', 3, 11,
            'name: `N` is used before its declaration (reported at the use of `N`)'),
    BadCase('b12_duplicate_var.hp', 5, 5,
            "name: variable `x` declared twice (reported at the second declaration's name `x`)"),
    BadCase('b13_duplicate_enum_value.hp', 4, 17,
            'name: enum value `red` declared in two enum types (reported at the second `red`)'),
    BadCase('b14_enum_value_as_var.hp', 5, 5,
            'name: `on` is already an enum value; declaring a variable `on` is a duplicate (reported at the variable name)'),
    BadCase('b15_unknown_type.hp', 3, 8,
            'name: type `Foo` is not declared (reported at `Foo`)'),
    BadCase('b16_bool_eq_int.hp', 5, 16,
            'type: comparing bool with int, `b = 1` (reported at the start of the comparison, `b`)'),
    BadCase('b17_assign_bool_to_int.hp', 5, 19,
            "type: `x' = true` for an int variable (reported at the right-hand side `true`)"),
    BadCase('b18_index_non_function.hp', 5, 22,
            'type: indexing an int variable `x[1]` (reported at the start of the index expression, `x`)'),
    BadCase('b19_wrong_index_type.hp', 4, 24,
            'type: f has domain 1..3 but is indexed with a bool (reported at the index `true`)'),
    BadCase('b20_arith_on_bool.hp', 5, 19,
            'type: arithmetic on a bool, `b + 1` (reported at the start of the expression, `b`)'),
    BadCase('b21_primed_in_invariant.hp', 5, 16,
            "level: a primed variable in an invariant (reported at `x'`)"),
    BadCase('b22_primed_in_init.hp', 4, 8,
            "level: a primed variable in init (reported at `x'`)"),
    BadCase('b23_primed_in_require.hp', 5, 34,
            "level: a primed variable in a require (reported at `x'`)"),
    BadCase('b24_prime_on_constant.hp', 5, 14,
            "level: `N'` where N is a constant, not a variable (reported at `N'`)"),
    BadCase('b25_primed_in_rhs.hp', 5, 27,
            "level: a right-hand side reads a primed value `y'` (reported at `y'`)"),
    BadCase('b26_two_whole_assignments.hp', 7, 3,
            "assignment: two whole assignments to x on one path (reported at the second assignment's `x'`)"),
    BadCase('b27_whole_after_entry.hp', 7, 3,
            "assignment: whole assignment to f after an entry assignment on the same path (reported at the whole assignment's `f'`)"),
    BadCase('b28_whole_after_branch_assignment.hp', 9, 3,
            "assignment: on the path through the then-branch x is assigned twice (reported at the later whole assignment's `x'`)"),
    BadCase('b29_expect_unknown_invariant.hp', 6, 8,
            'name: `expect` names an invariant that does not exist (reported at `nope`)'),
    BadCase('b30_by_state_variable.hp', 5, 15,
            '`by` must be over constants and parameters; `x` is a state variable (reported at `x`)'),
    BadCase('b31_range_nonconstant_bound.hp', 4, 13,
            "a type's range bounds must be constant; `x` is a variable (reported at `x`)"),
    BadCase('b32_if_condition_int.hp', 5, 17,
            'type: an if condition must be bool; `x` is an int (reported at `x`)'),
    BadCase('b33_invariant_not_bool.hp', 5, 16,
            'type: an invariant must be bool; `x + 1` is an int (reported at the start of the expression, `x`)'),
    BadCase('b34_enum_types_mixed.hp', 6, 16,
            'type: comparing values of two different enum types (reported at the start of the comparison, `c`)'),
    BadCase('b35_let_out_of_scope.hp', 12, 11,
            'name: a `let` name is local to the rest of ITS block; `t` is not visible after the if (reported at the use of `t`)'),
    BadCase('b36_entry_assign_non_function.hp', 4, 14,
            "type: entry assignment `x'[1]` to an int variable (reported at `x'`)"),
    BadCase('b37_function_eq_different_types.hp', 6, 17,
            'type: f: D -> bool and g: D -> 0..1 are different types, `f = g` is an error (reported at the start of the comparison, `f`)'),
    BadCase('b38_keyword_as_const.hp', 3, 7,
            'syntax: keyword `depth` used as a constant name (reported at `depth`)'),
    BadCase('b39_lt_on_bool.hp', 4, 22,
            'type: `<` orders ints only; `b < true` compares bools (reported at the start of the comparison, `b`)'),
    BadCase('b40_init_minus_needs_semicolon.hp', 5, 17,
            'syntax: an init item extends as far as it can, so `x = 0 -y = 1` is `x = 0 - y = 1`, a chained comparison (reported at the second `=`)'),
    BadCase('b41_const_nonconstant.hp', 4, 11,
            "a constant's value must be a constant expression; `x` is a variable (reported at `x`)"),
    BadCase('b42_duplicate_action.hp', 5, 8,
            "name: action `inc` declared twice (reported at the second declaration's name)"),
    BadCase('b43_keyword_as_param.hp', 4, 12,
            'syntax: keyword `in` used as a parameter name (reported at `in`)'),
    BadCase('b44_not_on_int.hp', 5, 19,
            'type: `not` needs a bool; `not x` with x an int (reported at the start of the expression, `not`)'),
]
