"""The project's exceptions: each says what was expected, what was found and what to do."""

from __future__ import annotations

from collections.abc import Sequence


class TalentMarketError(Exception):
    """Base class, so callers can catch every project error in one place."""


class DataUnavailableError(TalentMarketError, FileNotFoundError):
    """A data file is neither in a mirror, nor in the cache, nor downloadable."""


class DataValidationError(TalentMarketError, ValueError):
    """A frame does not match its source's schema; names source, column and problem."""

    def __init__(self, source: str, column: str | None, problem: str):
        self.source = source
        self.column = column
        self.problem = problem
        where = f"column {column!r}" if column else "table"
        super().__init__(f"{source}: {where}: {problem}")


class ParameterError(TalentMarketError, ValueError):
    """A notebook or function parameter is unknown, mistyped or selects nothing."""


def check_choice(name: str, chosen: Sequence[str], allowed: Sequence[str]) -> list[str]:
    """The chosen values, sorted, or a ParameterError naming the ones that are not allowed."""
    unknown = sorted(set(chosen) - set(allowed))
    if unknown or not chosen:
        raise ParameterError(f"{name}: {unknown or 'nothing'} not available; choose from {sorted(allowed)}")
    return sorted(set(chosen))
