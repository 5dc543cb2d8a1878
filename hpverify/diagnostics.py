"""Diagnostics: source spans, error codes and the rustc-style rendering of user errors.

Every error a user can cause is a `Diagnostic` with a stable code (listed in docs/errors.md)
and is rendered as `FILE:LINE:COL: error[HPnnn]: message`, the source line, carets under the
span, then `note:` lines. Nothing in here knows about the language itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A region of one source file; lines and columns are 1-based, `end_col` exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SPAN = Span("<command line>", 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Note:
    message: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    notes: tuple[Note, ...] = field(default=())

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.file, self.span.line, self.span.col, self.code)


class HpError(Exception):
    """One or more user errors; the CLI renders them and exits with status 2."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("; ".join(d.message for d in self.diagnostics))


class SourceCache:
    """File name → text, so that diagnostics can quote the offending line."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}

    def add(self, file: str, text: str) -> None:
        self._texts[file] = text

    def line(self, file: str, line: int) -> str | None:
        text = self._texts.get(file)
        if text is None or line < 1:
            return None
        lines = text.splitlines()
        return lines[line - 1] if line <= len(lines) else ""


def _caret_block(sources: SourceCache, span: Span) -> list[str]:
    text = sources.line(span.file, span.line)
    if text is None:
        return []
    width = span.end_col - span.col if span.end_line == span.line else len(text) - span.col + 1
    width = max(1, width)
    gutter = f"{span.line:>4} | "
    pad = " " * (len(gutter) - 2) + "| "
    prefix = "".join(ch if ch == "\t" else " " for ch in text[: span.col - 1])
    return [gutter + text.rstrip("\n"), pad + prefix + "^" * width]


def render(diag: Diagnostic, sources: SourceCache) -> str:
    where = f"{diag.span}: " if diag.span.line else "hpverify: "  # no place: a usage error
    out = [f"{where}error[{diag.code}]: {diag.message}"]
    out += _caret_block(sources, diag.span)
    for note in diag.notes:
        if note.span is not None and note.span.line:
            out.append(f"{note.span}: note: {note.message}")
            out += _caret_block(sources, note.span)
        else:
            out.append(f"note: {note.message}")
    return "\n".join(out)
