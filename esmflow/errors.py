"""The one user-facing error type, its warning, and the helpers that make messages useful.

Every mistake a modeller can make (a misspelt key, a missing CSV, a math string that does not
parse, an infeasible model) surfaces as a `ModelError` that names the file, the key path, what was
expected, what was found and the closest valid name. Plain exceptions are for our own bugs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


class ModelWarning(UserWarning):
    """Something that runs but is probably not what the modeller meant."""


def closest_name(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """Return the candidate closest to `name` (for "Did you mean ...?"), or None if none is close."""
    matches = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=cutoff)
    return matches[0] if matches else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is, what was expected, what was found."""

    message: str
    file: str | None = None
    key_path: str | None = None
    expected: str | None = None
    got: str | None = None
    closest: str | None = None
    span: tuple[str, int, int] | None = None  # (source string, start, end) to underline

    def render(self) -> str:
        """Render as the lines of one bullet: location, then what and why, then the fix."""
        where = " › ".join(part for part in (self.file, self.key_path) if part)
        lines = [where] if where else []
        if self.span is not None:
            source, start, end = self.span
            lines.append(f"  {source}")
            lines.append("  " + " " * start + "^" * max(1, end - start))
        lines.append(f"  {self.message}" if where else self.message)
        if self.expected is not None:
            lines.append(f"  expected: {self.expected}")
        if self.got is not None:
            lines.append(f"  got: {self.got}")
        if self.closest is not None:
            lines.append(f"  Did you mean '{self.closest}'?")
        return "\n".join(lines)


class ModelError(ValueError):
    """A problem with the model definition, its data, its math or its solution.

    Holds one or more `Problem`s; `str(error)` lists them all, so a modeller fixes every mistake
    of a stage in one go.
    """

    def __init__(
        self,
        message: str = "",
        *,
        file: str | None = None,
        key_path: str | None = None,
        expected: str | None = None,
        got: str | None = None,
        closest: str | None = None,
        span: tuple[str, int, int] | None = None,
        problems: Iterable[Problem] | None = None,
    ) -> None:
        if problems is None:
            problems = [Problem(message, file, key_path, expected, got, closest, span)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = self.problems[0]
        self.file, self.key_path = first.file, first.key_path
        self.expected, self.got, self.closest, self.span = (
            first.expected,
            first.got,
            first.closest,
            first.span,
        )
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0].render()
        bullets = ("* " + p.render().replace("\n", "\n  ") for p in self.problems)
        return f"{len(self.problems)} problems:\n" + "\n".join(bullets)


class ProblemCollector:
    """Collect every problem of a stage, then raise them together as one `ModelError`."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, message: str, **fields: object) -> None:
        """Record one problem (fields as in `Problem`)."""
        self.problems.append(Problem(message, **fields))  # type: ignore[arg-type]

    def extend(self, error: ModelError) -> None:
        """Record all problems of an already-raised error."""
        self.problems.extend(error.problems)

    def raise_if_any(self) -> None:
        """Raise one `ModelError` listing every recorded problem, if there are any."""
        if self.problems:
            raise ModelError(problems=self.problems)
