"""The verdict rule: one function turns an estimate's 95% interval into a verdict, for every claim.

Every testable claim has, in the claims registry, a ``threshold`` (the smallest effect that matches the
essay's wording, in the claim's unit, set before looking at our estimates) and a ``direction`` (the claim
says the effect lies ``above`` or ``below`` it). Then:

- **supported**: the whole 95% CI lies beyond the threshold in the claim's direction;
- **contradicted**: the whole 95% CI lies on the other side *of the threshold* — the effect is smaller
  than the wording claims (it may still have the claimed sign; the rationale says so);
- **inconclusive**: the CI straddles the threshold, or the data cannot measure the claim (a reason is given);
- **mixed**: only where a pre-declared family of sub-tests (countries, specifications) disagrees
  significantly after Holm adjustment — at least one member supported and at least one contradicted
  (:func:`judge_family`, :func:`combine_with_family`).

A one-sided test at 2.5% against the threshold is the same decision as a two-sided 95% interval, so
family members are judged with one-sided p-values, Holm-adjusted within the family at 2.5% per side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentmarket.errors import ParameterError
from talentmarket.stats.multiplicity import holm
from talentmarket.stats.regression import quantile, upper_tail

DIRECTIONS = ("above", "below")
LEVEL = 0.95
ONE_SIDED_ALPHA = (1 - LEVEL) / 2


def check_direction(direction: str) -> str:
    """``direction`` itself, or a ParameterError naming the allowed values."""
    if direction not in DIRECTIONS:
        raise ParameterError(f"direction {direction!r} is not one of {DIRECTIONS}: does the claim say the effect lies above or below its threshold?")
    return direction


def verdict_from_interval(ci_low: float, ci_high: float, *, threshold: float = 0.0, direction: str = "above") -> str:
    """The verdict of one interval against the claim's threshold and direction (see the module docstring)."""
    check_direction(direction)
    beyond, short = (ci_low > threshold, ci_high < threshold) if direction == "above" else (ci_high < threshold, ci_low > threshold)
    if beyond:
        return "supported"
    if short:
        return "contradicted"
    return "inconclusive"


def support_p_value(estimate: float, se: float, *, threshold: float, direction: str, df: float | None = None) -> float:
    """One-sided p-value of 'the effect is *not* beyond the threshold' (small values support the claim)."""
    check_direction(direction)
    if not se > 0:
        return float("nan")
    z = (estimate - threshold) / se
    return upper_tail(z if direction == "above" else -z, df)


def interval_p_value(estimate: float, ci_low: float, ci_high: float, *, threshold: float, direction: str,
                     df: float | None = None) -> float:
    """:func:`support_p_value` with the standard error read off the interval's half on the threshold's side, so
    that the p-value is below 2.5% exactly when the 95% CI lies beyond the threshold — also for asymmetric
    intervals (wild bootstrap, percent effects of log-point estimates)."""
    bound = ci_low if check_direction(direction) == "above" else ci_high
    se = abs(estimate - bound) / quantile(1 - ONE_SIDED_ALPHA, df)
    return support_p_value(estimate, se, threshold=threshold, direction=direction, df=df)


def contradiction_p_value(estimate: float, se: float, *, threshold: float, direction: str, df: float | None = None) -> float:
    """One-sided p-value of 'the effect reaches the threshold' (small values contradict the claim)."""
    opposite = "below" if check_direction(direction) == "above" else "above"
    return support_p_value(estimate, se, threshold=threshold, direction=opposite, df=df)


@dataclass(frozen=True)
class FamilyMember:
    """One sub-test of a claim's family: a country's estimate, a specification's, a sector's."""

    label: str
    estimate: float
    se: float
    df: float | None = None

    @classmethod
    def from_interval(cls, label: str, estimate: float, ci_low: float, ci_high: float, df: float | None = None) -> FamilyMember:
        """A member from a symmetric 95% interval (its standard error is the half-width over the critical value)."""
        critical = quantile(1 - ONE_SIDED_ALPHA, df)
        return cls(label, estimate, (ci_high - ci_low) / (2 * critical), df)


def judge_family(members: Sequence[FamilyMember], *, threshold: float, direction: str) -> pd.DataFrame:
    """Each member's verdict after Holm adjustment within the family, one row per member.

    Columns: ``label``, ``estimate``, ``p_support``/``p_contradict`` (one-sided, raw), their Holm-adjusted
    versions, and ``verdict`` (supported or contradicted when the adjusted p-value is below 2.5%).
    """
    if not members:
        raise ParameterError("a family of sub-tests needs at least one member")
    table = pd.DataFrame({"label": [m.label for m in members], "estimate": [m.estimate for m in members]})
    table["p_support"] = [support_p_value(m.estimate, m.se, threshold=threshold, direction=direction, df=m.df) for m in members]
    table["p_contradict"] = [contradiction_p_value(m.estimate, m.se, threshold=threshold, direction=direction, df=m.df) for m in members]
    table["p_support_holm"] = holm(table["p_support"])
    table["p_contradict_holm"] = holm(table["p_contradict"])
    table["verdict"] = np.select(
        [table["p_support_holm"] < ONE_SIDED_ALPHA, table["p_contradict_holm"] < ONE_SIDED_ALPHA],
        ["supported", "contradicted"], default="inconclusive",
    )
    return table


def family_disagrees(family: pd.DataFrame) -> bool:
    """True when at least one member is supported and at least one contradicted after adjustment."""
    verdicts = set(family["verdict"])
    return {"supported", "contradicted"} <= verdicts


def combine_with_family(primary_verdict: str, family: pd.DataFrame | None) -> str:
    """'mixed' when the claim's family disagrees significantly, otherwise the primary test's verdict."""
    return "mixed" if family is not None and family_disagrees(family) else primary_verdict
