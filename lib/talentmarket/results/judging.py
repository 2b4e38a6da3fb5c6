"""Claims → verdicts, the one way: every judge builds its ClaimResult here.

:func:`judge_claim` reads the claim's threshold and direction from the claims registry, applies the
verdict rule of :mod:`talentmarket.stats.verdicts` (and 'mixed' only through a family of sub-tests that
disagrees after Holm adjustment), and ends the rationale with one sentence naming the threshold and
where the interval lies. :func:`inconclusive_claim` is for claims the data cannot answer.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import pandas as pd

from talentmarket.results.contract import ClaimResult
from talentmarket.results.registry import claim_rule, claim_text
from talentmarket.stats.verdicts import combine_with_family, interval_p_value, verdict_from_interval


class InferenceRecord(Protocol):
    """What a claim needs to know of how its interval was made (:class:`talentmarket.stats.inference.Inference`)."""

    def as_dict(self) -> dict[str, Any]: ...


_WHERE = {
    "supported": "the whole 95% CI lies {side} it",
    "contradicted": "the whole 95% CI lies on the other side of it",
    "inconclusive": "the 95% CI straddles it",
}


def claim_verdict(claim_id: str, ci_low: float, ci_high: float, family: pd.DataFrame | None = None) -> str:
    """The verdict the rule gives this claim's interval (to word a rationale before building the claim)."""
    rule = claim_rule(claim_id)
    primary = verdict_from_interval(ci_low, ci_high, threshold=rule.threshold, direction=rule.direction)
    return combine_with_family(primary, family)


def threshold_sentence(claim_id: str, unit: str, ci_low: float, ci_high: float) -> str:
    """'Threshold: above +5 percent (why); the whole 95% CI lies above it.' for one claim."""
    rule = claim_rule(claim_id)
    primary = verdict_from_interval(ci_low, ci_high, threshold=rule.threshold, direction=rule.direction)
    where = _WHERE[primary].format(side=rule.direction)
    return f"Threshold: {rule.direction} {rule.threshold:+g} {unit} ({rule.rationale.rstrip('.')}); {where}."


def _family_sentence(family: pd.DataFrame | None) -> str:
    if family is None:
        return ""
    counts = family["verdict"].value_counts()
    parts = [f"{counts[v]} {v}" for v in ("supported", "contradicted", "inconclusive") if v in counts]
    members = ", ".join(f"{row.label}: {row.verdict}" for row in family.itertuples(index=False))
    return f" After Holm adjustment over the {len(family)} sub-tests ({members}): {', '.join(parts)}."


def judge_claim(
    claim_id: str,
    *,
    metric: str,
    unit: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    inference: InferenceRecord,
    rationale: str,
    n: int,
    section: str,
    p_value: float | None = None,
    family: pd.DataFrame | None = None,
) -> ClaimResult:
    """A measured claim, judged by the one verdict rule against its registered threshold.

    ``p_value``, the one-sided p-value of 'the effect is not beyond the threshold' of the primary test, is read
    off the interval (:func:`talentmarket.stats.verdicts.interval_p_value`, with the inference's degrees of
    freedom) unless the caller has an exact one; ``family`` is
    :func:`talentmarket.stats.verdicts.judge_family` output when the claim spans countries, specifications
    or sectors.
    """
    rule = claim_rule(claim_id)
    verdict = claim_verdict(claim_id, ci_low, ci_high, family)
    if p_value is None:
        p_value = interval_p_value(estimate, ci_low, ci_high, threshold=rule.threshold, direction=rule.direction,
                                   df=inference.as_dict()["degrees_of_freedom"])
    text = f"{rationale.strip()} {threshold_sentence(claim_id, unit, ci_low, ci_high)}{_family_sentence(family)}"
    return ClaimResult(
        id=claim_id, claim=claim_text(claim_id), metric=metric, estimate=float(estimate), ci_low=float(ci_low),
        ci_high=float(ci_high), unit=unit, verdict=verdict, rationale=text, n=int(n), section=section,
        threshold=rule.threshold, direction=rule.direction,
        p_value=None if p_value is None or not math.isfinite(p_value) else float(p_value),
        inference=inference.as_dict(),
    )


def inconclusive_claim(
    claim_id: str,
    *,
    metric: str,
    unit: str,
    reason: str,
    n: int,
    section: str,
    estimate: float | None = None,
    ci_low: float | None = None,
    ci_high: float | None = None,
    inference: InferenceRecord | None = None,
) -> ClaimResult:
    """A claim the data cannot answer: 'inconclusive', with the reason first; a descriptive estimate may be shown."""
    rule = claim_rule(claim_id)
    return ClaimResult(
        id=claim_id, claim=claim_text(claim_id), metric=metric, estimate=estimate, ci_low=ci_low, ci_high=ci_high,
        unit=unit, verdict="inconclusive", rationale=reason.strip(), n=int(n), section=section,
        threshold=rule.threshold, direction=rule.direction, p_value=None,
        inference=inference.as_dict() if inference is not None else None,
    )
