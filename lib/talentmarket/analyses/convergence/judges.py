"""Convergence claims → verdicts: each judge turns an estimate into a ClaimResult."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from talentmarket.analyses.convergence.context import WageGrowthBeta
from talentmarket.analyses.convergence.estimates import ConvergenceResult
from talentmarket.analyses.convergence.remote import RemoteGap, RemoteShare
from talentmarket.analyses.convergence.sample import (
    ALPHA,
    COMPARABLE_MARGIN_PERCENT,
    REMOTE_LABELS,
    Interval,
    _percent_words,
)
from talentmarket.analyses.convergence.top_premium import TopPremium
from talentmarket.results.contract import ClaimResult
from talentmarket.results.registry import claim_text
from talentmarket.stats.verdicts import verdict_from_interval

SECTIONS = {
    "convergence.sigma": "σ-convergence: is the spread across countries falling?",
    "convergence.beta": "β-convergence: do low-pay countries catch up?",
    "convergence.remote_closes_geo_gap": "The remote geography gap",
    "convergence.remote_share_rising": "The remote share over time",
    "convergence.top_roles_keep_premium": "The top of the distribution",
}


def _claim(claim_id: str, *, metric: str, unit: str, interval: Interval | None, verdict: str, rationale: str, n: int) -> ClaimResult:
    """One of this module's claims, with its wording and notebook section filled in."""
    estimate, ci_low, ci_high = (interval.estimate, interval.ci_low, interval.ci_high) if interval else (None, None, None)
    return ClaimResult(
        id=claim_id, claim=claim_text(claim_id), metric=metric, estimate=estimate, ci_low=ci_low, ci_high=ci_high, unit=unit,
        verdict=verdict, rationale=rationale, n=n, section=SECTIONS[claim_id],
    )


def _inconclusive(claim_id: str, metric: str, unit: str, reason: str, n: int) -> ClaimResult:
    return _claim(claim_id, metric=metric, unit=unit, interval=None, verdict="inconclusive",
                  rationale=f"Insufficient data: {reason}", n=n)


def _holm(p_values: list[float]) -> np.ndarray:
    """Holm-adjusted p-values of the tests one verdict rests on."""
    return multipletests(p_values, method="holm")[1]


def _significant_sign(p_value: float, estimate: float) -> int:
    """+1 or −1 when the (adjusted) p-value is below ALPHA, by the estimate's sign; 0 when not significant."""
    return int(np.sign(estimate)) if p_value < ALPHA else 0


def _robustness_text(sensitivity: pd.DataFrame | None, column: str, verdict: str) -> str:
    if sensitivity is None:
        return ""
    agree = int((sensitivity[column] == verdict).sum())
    return f" Robustness: the verdict is '{verdict}' in {agree} of {len(sensitivity)} specifications of the sensitivity table."


SIGMA_READINGS = {
    "supported": "The spread fell: pay levels moved closer together.",
    "contradicted": "The spread rose: pay levels moved apart.",
    "inconclusive": "The interval includes no change, so the data cannot tell whether the spread is falling.",
}


def judge_sigma(result: ConvergenceResult, sensitivity: pd.DataFrame | None = None) -> ClaimResult:
    """Supported when the cross-country spread falls (trend CI below zero), contradicted when it rises; one test.
    ``sensitivity`` (from :func:`estimate_convergence_sensitivity`) adds how many specifications agree."""
    claim_id = "convergence.sigma"
    metric = "change per year in the cross-country standard deviation of composition-adjusted log pay"
    unit = "log points per year"
    if result.sigma is None:
        return _inconclusive(claim_id, metric, unit, result.insufficient or "no estimate", result.n_postings)
    slope = result.sigma.slope.scaled(100)
    fall = slope.scaled(-1)
    verdict = verdict_from_interval(fall.ci_low, fall.ci_high)
    first, last = result.sigma.dispersion.iloc[0], result.sigma.dispersion.iloc[-1]
    rationale = (
        f"Across {len(result.units)} countries/groups with at least {result.min_cell} resident postings in every year "
        f"{result.years[0]}–{result.years[-1]} ({', '.join(result.units)}), the standard deviation of composition-adjusted "
        f"log pay (same seniority, title and employment type; corrected for sampling noise) went from "
        f"{100 * first['dispersion']:.0f} to {100 * last['dispersion']:.0f} log points. Linear trend "
        f"{slope.text()} log points per year (cluster bootstrap by posting, {result.n_bootstrap} draws; one test). "
        f"{SIGMA_READINGS[verdict]}{_robustness_text(sensitivity, 'sigma_verdict', verdict)}"
    )
    return _claim(claim_id, metric=metric, unit=unit, interval=slope, verdict=verdict, rationale=rationale, n=result.n_postings)


def judge_beta(result: ConvergenceResult, wage_growth: WageGrowthBeta | None = None,
               sensitivity: pd.DataFrame | None = None) -> ClaimResult:
    """Verdict from the salary microdata's noise-corrected β, Holm-adjusted together with the Wage Tracker slope.

    Supported when low-pay countries significantly catch up in the microdata
    (mixed if posted-wage growth significantly diverges); contradicted when they
    significantly fall behind (mixed if posted wages significantly converge);
    inconclusive otherwise. Estimate: share of the initial pay gap closed over the span.
    ``sensitivity`` (from :func:`estimate_convergence_sensitivity`) adds how many specifications agree.
    """
    claim_id = "convergence.beta"
    unit = "percent"
    metric = "share of a country's initial pay gap closed (percent of the initial gap)"
    if result.beta is None:
        reason = result.insufficient or " ".join(n for n in result.notes if n.startswith("β"))
        return _inconclusive(claim_id, metric, unit, reason, result.n_postings)
    beta = result.beta
    closed = beta.gap_closed_percent
    wage_ok = wage_growth is not None and wage_growth.slope is not None
    p_values = [beta.p_value] + ([wage_growth.p_value] if wage_ok else [])
    holm = _holm(p_values)
    micro = _significant_sign(holm[0], beta.beta.estimate)
    wage = _significant_sign(holm[1], wage_growth.slope.estimate) if wage_ok else 0
    if micro < 0:
        verdict = "mixed" if wage > 0 else "supported"
    elif micro > 0:
        verdict = "mixed" if wage < 0 else "contradicted"
    else:
        verdict = "inconclusive"
    wage_text = _wage_check_text(wage_growth, holm[1] if wage_ok else None)
    rationale = (
        f"{len(result.units)} countries/groups, {beta.first_year}–{beta.last_year}: a country's composition-adjusted pay "
        f"gap shrank by {closed.text()}% of its initial size (slope of change on initial level, corrected for "
        f"sampling noise in the initial level — reliability {beta.reliability:.2f}; cluster bootstrap; Holm p = {holm[0]:.3f} "
        f"over {len(p_values)} tests). Treating countries as a sample (HC3), the uncorrected slope is "
        f"{beta.naive.text(2)}.{wage_text} σ is judged separately: catching up does not imply a narrower spread."
        f"{_robustness_text(sensitivity, 'beta_verdict', verdict)}"
    )
    return _claim(claim_id, metric=f"{metric}, {beta.first_year}–{beta.last_year}", unit=unit,
                  interval=closed, verdict=verdict, rationale=rationale, n=result.n_postings)


def _wage_check_text(wage_growth: WageGrowthBeta | None, holm_p: float | None) -> str:
    """The Wage Tracker sentence of the β rationale: its slope and Holm p-value, or why it could not be run."""
    if wage_growth is None:
        return ""
    if holm_p is None:
        return f" The Wage Tracker check could not be run: {wage_growth.insufficient}"
    return (
        f" Indeed Wage Tracker, {len(wage_growth.table)} countries: posted-wage growth (all occupations, national currency) "
        f"changes by {wage_growth.slope.text(2)} percentage points a year per 10% higher tech pay level (HC3; Holm p = {holm_p:.3f})."
    )


def judge_remote_gap(gap: RemoteGap, *, margin_percent: float = COMPARABLE_MARGIN_PERCENT) -> ClaimResult:
    """'Comparable pay' means the 95% CI of the remote-abroad gap lies within ±``margin_percent``.

    Supported when it does (or when remote workers abroad earn significantly
    more); contradicted when the whole CI is below −margin and the gap is not
    significantly shrinking; mixed when it is below but shrinking (trend Holm-adjusted
    with the gap test); inconclusive when the CI is too wide to tell.
    """
    claim_id = "convergence.remote_closes_geo_gap"
    metric = (
        "pay of fully remote workers living outside the employer's country, percent above (−: below) the employer "
        "country's fully remote residents"
    )
    unit = "percent"
    if gap.gap is None:
        return _inconclusive(claim_id, metric, unit, gap.insufficient or "no estimate", gap.n_postings)
    percent = gap.gap.as_percent()
    p_values = [gap.gap_p_value] + ([gap.trend_p_value] if gap.trend is not None else [])
    holm = _holm(p_values)
    shrinking = gap.trend is not None and _significant_sign(holm[1], gap.trend.estimate) * np.sign(gap.gap.estimate) < 0
    verdict, reading = _comparability(percent, margin_percent, shrinking)
    abroad = int(gap.counts["abroad_remote"].sum())
    home_text = (
        f" For comparison, residents working locally in those workers' home countries earn "
        f"{_percent_words(gap.home_gap_percent)} residents of the reference country (posting-weighted), so remote work "
        "recovers part, not all, of the home-country gap."
        if gap.home_gap_percent is not None and gap.home_gap_percent < percent.estimate else ""
    )
    trend_text = (
        f" Trend of the gap: {gap.trend.scaled(100).text()} log points per year (Holm p = {holm[1]:.3f}, "
        f"{len(p_values)} tests)." if gap.trend is not None else " No trend: remote workers abroad appear in one year only."
    )
    rationale = (
        f"{abroad} fully remote postings filled by people living outside the employer's country "
        f"({', '.join(gap.abroad_countries['country'].head(5))} most often) against remote residents of the same employer "
        f"country and year, same seniority, title and employment type: {percent.text()}% (cluster-robust)."
        f"{trend_text} {reading}{home_text} Residence is known by country only, not by city."
    )
    return _claim(claim_id, metric=metric, unit=unit, interval=percent, verdict=verdict, rationale=rationale, n=gap.n_postings)


def _comparability(percent: Interval, margin_percent: float, shrinking: bool) -> tuple[str, str]:
    """The remote-gap verdict and a sentence saying why, from the gap's CI in percent (see :func:`judge_remote_gap`)."""
    if percent.ci_low >= -margin_percent and percent.ci_high <= margin_percent:
        return "supported", f"The whole interval lies within ±{margin_percent:.0f}%: pay is comparable."
    if percent.ci_low > margin_percent:
        return "supported", "Remote workers abroad earn more than remote residents: no geography penalty."
    if percent.ci_high < -margin_percent:
        reading = f"Remote workers abroad earn clearly less (the whole interval is below −{margin_percent:.0f}%)" + (
            ", though the gap is shrinking." if shrinking else ", and the gap is not significantly shrinking."
        )
        return ("mixed" if shrinking else "contradicted"), reading
    return "inconclusive", f"The interval is too wide to say whether pay is within ±{margin_percent:.0f}%."


def judge_remote_share(share: RemoteShare) -> ClaimResult:
    """Verdict from the composition-adjusted trend of the fully remote share (one test): up, down or can't tell."""
    adjusted, raw = share.adjusted_trend, share.raw_trend
    remote = share.shares.loc[share.shares["arrangement"] == REMOTE_LABELS[100]]
    first, last = remote.iloc[0], remote.iloc[-1]
    us = share.us_share_of_postings
    rationale = (
        f"The fully remote share of postings went from {first['share']:.1f}% ({int(first['year'])}) to {last['share']:.1f}% "
        f"({int(last['year'])}); raw trend {raw.text()} pp per year. Within employer country, seniority, title "
        f"and employment type the trend is {adjusted.text()} pp per year (cluster-robust; one test). Composition "
        f"caveat: the files change from a survey to job-board postings, and US employers' share of postings goes from "
        f"{us['percent_us_employer'].iloc[0]:.0f}% to {us['percent_us_employer'].iloc[-1]:.0f}%; the adjustment holds the "
        "observed mix fixed but cannot make the sample representative of AI teams."
    )
    return _claim(
        "convergence.remote_share_rising", metric="change per year in the share of fully remote postings, composition-adjusted",
        unit="percentage points per year", interval=adjusted, verdict=verdict_from_interval(adjusted.ci_low, adjusted.ci_high),
        rationale=rationale, n=share.n_postings,
    )


def judge_top_premium(top: TopPremium) -> ClaimResult:
    """Supported when research/lead titles earn significantly more in the latest year and the premium is not
    significantly shrinking (mixed if it is); contradicted when they earn significantly less. Holm over the two tests."""
    claim_id = "convergence.top_roles_keep_premium"
    metric = "pay of research/lead titles, percent above other titles at the same seniority, country and year"
    unit = "percent"
    if top.latest is None:
        return _inconclusive(claim_id, metric, unit, top.insufficient or "no estimate", top.n_postings)
    p_values = [top.latest_p_value] + ([top.trend_p_value] if top.trend is not None else [])
    holm = _holm(p_values)
    premium = _significant_sign(holm[0], top.latest.estimate)
    trend = _significant_sign(holm[1], top.trend.estimate) if top.trend is not None else 0
    if premium > 0:
        verdict = "mixed" if trend < 0 else "supported"
    else:
        verdict = "contradicted" if premium < 0 else "inconclusive"
    first, last = top.by_year.iloc[0], top.by_year.iloc[-1]
    trend_text = (
        f"; trend {top.trend.scaled(100).text()} log points per year (Holm p = {holm[1]:.3f})"
        if top.trend is not None else ""
    )
    rationale = (
        f"In {top.latest_year} postings with research or lead titles (e.g. {', '.join(top.top_titles['job_title'].head(3))}) "
        f"paid {top.latest.text()}% more than other titles at the same seniority, in the same country and year "
        f"(cluster-robust; {len(p_values)} tests, Holm){trend_text}. The top decile of adjusted pay sat "
        f"{last['top_decile_percent']:.0f}% above the median in {int(last['year'])} ({first['top_decile_percent']:.0f}% in "
        f"{int(first['year'])}). Employers are not named, so 'leading labs' can only be proxied by titles."
    )
    return _claim(claim_id, metric=f"{metric}, {top.latest_year}", unit=unit, interval=top.latest, verdict=verdict,
                  rationale=rationale, n=top.n_postings)


# --------------------------------------------------------------------------------------------
# Sensitivity
# --------------------------------------------------------------------------------------------
