"""Salary claims → verdicts: each judge turns premium estimates into a ClaimResult."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from talentmarket.analyses.premium.estimates import (
    ENTRY_LEVEL_METRIC,
    GroupPremiums,
    Premium,
)
from talentmarket.results.contract import ClaimResult
from talentmarket.results.registry import claim_text
from talentmarket.stats.regression import Z_95
from talentmarket.stats.verdicts import verdict_from_interval


def _claim_result(claim_id: str, **fields) -> ClaimResult:
    """The result of one of this notebook's claims, worded as in the claims registry."""
    return ClaimResult(id=claim_id, claim=claim_text(claim_id), **fields)


def _p_value_from_interval(estimate: float, ci_low: float, ci_high: float) -> float:
    """Two-sided normal p-value of ``estimate = 0``, its standard error read off a 95% CI."""
    return float(2 * stats.norm.sf(abs(estimate) / ((ci_high - ci_low) / (2 * Z_95))))


def _holm_directions(estimates: Sequence[float], p_values: Sequence[float]) -> tuple[bool, bool, np.ndarray]:
    """Holm-adjusted p-values of a family of tests, and whether some test is significantly positive or negative."""
    adjusted = multipletests(list(p_values), method="holm")[1]
    significant, signs = adjusted < 0.05, np.sign(np.asarray(estimates, dtype=float))
    return bool((significant & (signs > 0)).any()), bool((significant & (signs < 0)).any()), adjusted


def _verdict_from_directions(*, supporting: bool, opposing: bool) -> str:
    """Supported when significant evidence goes only the claim's way, contradicted when only against it,
    mixed when both, inconclusive when no test is significant."""
    return {(True, False): "supported", (False, True): "contradicted", (True, True): "mixed"}.get((supporting, opposing), "inconclusive")


def judge_ai_premium(primary: Premium, curve: pd.DataFrame, ai_definition: str, context: str = "") -> ClaimResult:
    """``salary.ai_premium``: the controlled premium's CI above zero, and robust to the analyst's choices.

    ``curve`` holds specifications (:func:`run_specification_curve`); robustness is
    judged on those with the same AI definition (other comparison groups, pair and
    duplicate handling), since another definition asks about other jobs — those are
    reported in the rationale. Supported when the main CI lies above 0 and at least
    80% of those specifications agree; mixed when the main CI is above 0 but fewer
    agree; contradicted when the main CI lies below 0; inconclusive when it straddles 0.
    """
    low, high = primary.ci_percent
    verdict = verdict_from_interval(low, high)
    same = curve[curve["ai_definition"] == ai_definition]
    agreeing = float((same["ci_low"] > 0).mean()) if len(same) else 0.0
    if verdict == "supported" and agreeing < 0.8:
        verdict = "mixed"
    others = "; ".join(
        f"AI = {definition}: {rows['percent'].min():.1f}% to {rows['percent'].max():.1f}%"
        for definition, rows in curve[curve["ai_definition"] != ai_definition].groupby("ai_definition")
    )
    rationale = (
        f"With all controls, AI roles ({ai_definition}) earn {primary.percent:.1f}% [{low:.1f}, {high:.1f}] more than "
        f"comparison roles ({primary.clusters:,} postings). {agreeing:.0%} of {len(same)} specifications with this AI "
        f"definition (other comparison groups, pair and duplicate handling) have a CI above zero, ranging from "
        f"{same['percent'].min():.1f}% to {same['percent'].max():.1f}%. Other definitions: {others or 'none run'}. "
        + context
    )
    return _claim_result(
        "salary.ai_premium",
        metric="AI roles' pay premium over comparison tech roles (percent of their pay), all controls, clustered by posting",
        estimate=primary.percent, ci_low=low, ci_high=high, unit="percent", verdict=verdict, rationale=rationale.strip(),
        n=primary.clusters,
        section="Controlled premium",
    )


def judge_entry_level_premium(by_level: GroupPremiums) -> ClaimResult:
    """``salary.entry_level_premium``: the EN-level premium over general software engineering, CI vs zero."""
    rows = by_level.table.set_index("experience_level")
    if "EN" not in rows.index:
        return _claim_result(
            "salary.entry_level_premium", metric=ENTRY_LEVEL_METRIC, estimate=None, ci_low=None,
            ci_high=None, unit="percent", verdict="inconclusive", n=0, section="Premium by experience level",
            rationale="Too few entry-level postings in the AI or software-engineering group to estimate a premium; "
                      "more entry-level salary records (or a lower minimum cell size) would settle it.",
        )
    entry = rows.loc["EN"]
    verdict = verdict_from_interval(entry["ci_low"], entry["ci_high"])
    rationale = (
        f"Entry-level (EN) AI roles earn {entry['percent']:.1f}% [{entry['ci_low']:.1f}, {entry['ci_high']:.1f}] more than "
        f"entry-level software-engineering roles with the same country, year, size, remote and contract "
        f"({int(entry['ai_postings'])} AI vs {int(entry['comparison_postings'])} comparison postings). "
        f"Premiums differ across levels: Wald χ²({by_level.wald_df}) = {by_level.wald_statistic:.1f}, p = {by_level.wald_p_value:.3g}."
    )
    return _claim_result(
        "salary.entry_level_premium", metric=ENTRY_LEVEL_METRIC,
        estimate=float(entry["percent"]), ci_low=float(entry["ci_low"]), ci_high=float(entry["ci_high"]), unit="percent", verdict=verdict,
        rationale=rationale, n=int(entry["ai_postings"] + entry["comparison_postings"]), section="Premium by experience level",
    )


def judge_senior_premium_trend(trend: Premium, decline_margin_pp: float = 1.0, context: str = "") -> ClaimResult:
    """``salary.senior_premium_not_decreasing``: slope of the senior (SE/EX) premium per year.

    Contradicted when the whole CI is below zero (a measurable decline). Supported
    only when the CI also rules out a decline faster than ``decline_margin_pp``
    percentage points per year (absence of evidence is not evidence of absence).
    Otherwise inconclusive.
    """
    estimate, (low, high) = 100 * trend.log_points, (100 * v for v in trend.ci_log)
    if high < 0:
        verdict = "contradicted"
    elif low > -decline_margin_pp:
        verdict = "supported"
    else:
        verdict = "inconclusive"
    rationale = (
        f"Among senior and executive postings the AI premium changes by {estimate:+.1f} log points per year "
        f"[{low:+.1f}, {high:+.1f}] ({trend.clusters:,} postings). A decline would show as a CI below zero; "
        f"'not decreasing' is accepted only if the CI excludes declines faster than {decline_margin_pp:.1f} point(s) per year. "
        + context
    )
    return _claim_result(
        "salary.senior_premium_not_decreasing",
        metric="change of the senior (SE/EX) AI pay premium per work year, in log points (≈ percentage points of premium)",
        estimate=estimate, ci_low=low, ci_high=high, unit="log points per year", verdict=verdict,
        rationale=rationale.strip(), n=trend.clusters, section="Premium by year",
    )


def judge_stratification(quantile_spread: Premium, dispersion_trends: pd.DataFrame) -> ClaimResult:
    """``salary.stratification``: does the AI premium widen up the pay distribution, and does AI pay spread out?

    Two tests, Holm-adjusted: (1) premium at the 90th minus the 10th percentile;
    (2) slope over years of the within-AI residual pay SD *minus* that of the
    comparison group (so changes common to both, like the switch from survey answers
    to posted ranges, cancel). Supported when a test is significantly positive and
    none negative, contradicted when one is significantly negative and none positive,
    mixed when both directions occur, inconclusive when neither test is significant.
    """
    spread_low, spread_high = (100 * v for v in quantile_spread.ci_log)
    trends = dispersion_trends.set_index("group")
    tests = [(quantile_spread.log_points, quantile_spread.p_value)]
    trend_text = "the dispersion trend could not be estimated (fewer than 3 years with enough postings in both groups)"
    if "AI − comparison" in trends.index:
        difference = trends.loc["AI − comparison"]
        tests.append((float(difference["slope"]), _p_value_from_interval(difference["slope"], difference["ci_low"], difference["ci_high"])))
        trend_text = (
            f"the within-AI residual pay SD changes by {100 * trends.loc['AI', 'slope']:+.2f} log points per year and the "
            f"comparison group's by {100 * trends.loc['comparison', 'slope']:+.2f}; the difference is "
            f"{100 * difference['slope']:+.2f} [{100 * difference['ci_low']:+.2f}, {100 * difference['ci_high']:+.2f}] "
            f"over {int(difference['years'])} years"
        )
    positive, negative, adjusted = _holm_directions(*zip(*tests))
    verdict = _verdict_from_directions(supporting=positive, opposing=negative)
    rationale = (
        f"The AI premium at the 90th percentile minus the one at the 10th is {100 * quantile_spread.log_points:+.1f} "
        f"log points [{spread_low:+.1f}, {spread_high:+.1f}] (positive would mean the top pulls away); {trend_text}. Verdict rests on {len(tests)} test(s), "
        f"Holm-adjusted p = {', '.join(f'{p:.3g}' for p in adjusted)}. The files have no credential field, so a "
        "'certificate holder' tier cannot be seen, and titles give no expert/practitioner split beyond the four levels."
    )
    return _claim_result(
        "salary.stratification",
        metric="AI pay premium at the 90th minus the 10th percentile, in log points (quantile regression, all controls)",
        estimate=100 * quantile_spread.log_points, ci_low=spread_low, ci_high=spread_high,
        unit="log points", verdict=verdict, rationale=rationale, n=quantile_spread.clusters,
        section="Stratification",
    )


def judge_company_size(size_gaps: pd.DataFrame) -> ClaimResult:
    """``salary.big_employers_pay_most``: AI pay at large (L) employers vs medium and small, 2 Holm-adjusted tests.

    Supported when L pays significantly more than both M and S; contradicted when L
    pays significantly less than either; mixed when only one comparison is
    significantly positive; inconclusive when neither is significant.
    """
    rows = size_gaps.set_index("comparison")
    tests = rows.loc[["L vs M", "L vs S"]]
    positive = ((tests["p_holm"] < 0.05) & (tests["log_points"] > 0)).sum()
    negative = ((tests["p_holm"] < 0.05) & (tests["log_points"] < 0)).sum()
    if negative:
        verdict = "contradicted"
    elif positive == 2:
        verdict = "supported"
    elif positive == 1:
        verdict = "mixed"
    else:
        verdict = "inconclusive"
    main = rows.loc["L vs M"]
    rationale = (
        f"AI roles at large employers (> 250 staff) earn {main['percent']:.1f}% [{main['ci_low']:.1f}, {main['ci_high']:.1f}] "
        f"vs medium (50–250) and {rows.loc['L vs S', 'percent']:.1f}% [{rows.loc['L vs S', 'ci_low']:.1f}, "
        f"{rows.loc['L vs S', 'ci_high']:.1f}] vs small (< 50), with the same level, country, year, remote and contract; "
        f"Holm-adjusted over 2 tests (p = {tests['p_holm'].iloc[0]:.3g}, {tests['p_holm'].iloc[1]:.3g}). "
        f"Postings: L {int(main['postings_first'])}, M {int(main['postings_second'])}, S {int(rows.loc['S vs M', 'postings_first'])}. "
        "The size band is head count only: 'large' is not 'Big Tech', and no field says which firms are big tech; "
        "startups are not identified either (small ≠ startup)."
    )
    return _claim_result(
        "salary.big_employers_pay_most",
        metric="AI pay at large (> 250 staff) employers, percent above (−: below) medium employers (50–250), controlled",
        estimate=float(main["percent"]), ci_low=float(main["ci_low"]), ci_high=float(main["ci_high"]), unit="percent",
        verdict=verdict, rationale=rationale, n=int(main["n"]), section="Company size",
    )


# --------------------------------------------------------------------------- OEWS cross-section
