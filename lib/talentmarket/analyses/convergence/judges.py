"""Convergence claims → verdicts: each judge turns an estimate into a ClaimResult through the one verdict rule.

Every claim is built by :func:`talentmarket.results.judging.judge_claim` (or
:func:`~talentmarket.results.judging.inconclusive_claim` when the data cannot answer), against the threshold
and direction of the claims registry, with the inference record of its interval and the one-sided p-value
of 'the effect is not beyond the threshold'. β-convergence is judged with a family of two sub-tests (the
salary micro-data and the Indeed Wage Tracker; :func:`talentmarket.stats.verdicts.judge_family`).
"""

from __future__ import annotations

import math

import pandas as pd

from talentmarket.analyses.convergence.context import WageGrowthBeta
from talentmarket.analyses.convergence.estimates import ConvergenceResult
from talentmarket.analyses.convergence.remote import (
    RemoteGap,
    RemoteShare,
    _inference_text,
    _scaled_text,
)
from talentmarket.analyses.convergence.sample import (
    REMOTE_LABELS,
    Interval,
    _percent_words,
)
from talentmarket.analyses.convergence.top_premium import TopPremium
from talentmarket.results.contract import ClaimResult
from talentmarket.results.judging import claim_verdict, inconclusive_claim, judge_claim
from talentmarket.results.registry import claim_rule
from talentmarket.stats.inference import Inference
from talentmarket.stats.verdicts import (
    FamilyMember,
    judge_family,
)

SECTIONS = {
    "convergence.sigma": "σ-convergence: is the spread across countries falling?",
    "convergence.beta": "β-convergence: do low-pay countries catch up?",
    "convergence.remote_closes_geo_gap": "The remote geography gap",
    "convergence.remote_share_rising": "The remote share over time",
    "convergence.top_roles_keep_premium": "The top of the distribution",
}

SIGMA_READINGS = {
    "supported": "The spread fell: pay levels moved closer together.",
    "contradicted": "The spread rose: pay levels moved apart.",
    "inconclusive": "The interval includes no change, so the data cannot tell whether the spread is falling.",
}


def _descriptive(what: str, units: int) -> Inference:
    """The inference record of a descriptive estimate: how it was made, and that no interval could be."""
    return Inference(f"descriptive {what}, no interval", None, units, float(units), None, None)




def _robustness_text(sensitivity: pd.DataFrame | None, column: str, verdict: str) -> str:
    if sensitivity is None:
        return ""
    agree = int((sensitivity[column] == verdict).sum())
    return f" Robustness: the verdict is '{verdict}' in {agree} of {len(sensitivity)} specifications of the sensitivity table."


def _panel_text(result: ConvergenceResult) -> str:
    return (f"{len(result.units)} countries/groups with at least {result.min_cell} resident postings in every year "
            f"{result.years[0]}–{result.years[-1]} ({', '.join(result.units)})")


def judge_sigma(result: ConvergenceResult, sensitivity: pd.DataFrame | None = None) -> ClaimResult:
    """Supported when the cross-country spread falls beyond the registered threshold (trend CI, t(T−2) over the
    years); inconclusive with a descriptive change when there are fewer than three years or too few countries.
    ``sensitivity`` (from :func:`estimate_convergence_sensitivity`) adds how many specifications agree."""
    claim_id = "convergence.sigma"
    metric = "change per year in the cross-country standard deviation of composition-adjusted log pay"
    unit = "log points per year"
    section = SECTIONS[claim_id]
    if result.sigma is None:
        return inconclusive_claim(claim_id, metric=metric, unit=unit, reason=f"Insufficient data: {result.insufficient}",
                                  n=result.n_postings, section=section)
    first, last = result.sigma.dispersion.iloc[0], result.sigma.dispersion.iloc[-1]
    levels = (f"Across {_panel_text(result)}, the standard deviation of composition-adjusted log pay (same seniority, "
              f"title and employment type; corrected for sampling noise) went from {100 * first['dispersion']:.0f} to "
              f"{100 * last['dispersion']:.0f} log points.")
    trend = result.sigma.trend
    if trend is None:
        change = 100 * result.sigma.change_per_year
        return inconclusive_claim(
            claim_id, metric=metric, unit=unit, n=result.n_postings, section=section, estimate=change,
            inference=_descriptive("change from the first to the last year", len(result.years)),
            reason=(f"No trend inference: {len(result.years)} years leave no residual to measure year-level shocks by, so the "
                    f"change of {change:.1f} log points per year is descriptive. {levels}"),
        )
    slope = Interval(trend.value, trend.ci_low, trend.ci_high).scaled(100)
    verdict = claim_verdict(claim_id, slope.ci_low, slope.ci_high)
    rationale = (
        f"{levels} Linear trend {slope.text()} log points per year: OLS over the {len(result.years)} yearly values with a "
        f"t({trend.inference.df}) interval, so year-level shocks to the spread count as noise, not only the sampling "
        f"noise of the postings. {SIGMA_READINGS[verdict]}{_robustness_text(sensitivity, 'sigma_verdict', verdict)}"
    )
    return judge_claim(
        claim_id, metric=metric, unit=unit, estimate=slope.estimate, ci_low=slope.ci_low, ci_high=slope.ci_high,
        inference=trend.inference, rationale=rationale, n=result.n_postings, section=section,
    )


def judge_beta(result: ConvergenceResult, wage_growth: WageGrowthBeta | None = None,
               sensitivity: pd.DataFrame | None = None) -> ClaimResult:
    """Verdict from the salary micro-data's noise-corrected β (share of the initial gap closed, delete-one-country
    jackknife, t(U−1)) against the registered threshold; 'mixed' when the family of the micro-data and the Wage
    Tracker sub-tests disagrees after Holm adjustment. Inconclusive with a descriptive estimate when the
    countries are too few for the jackknife. ``sensitivity`` adds how many specifications agree.
    """
    claim_id = "convergence.beta"
    unit = "percent"
    metric = "share of a country's initial pay gap closed (percent of the initial gap)"
    section = SECTIONS[claim_id]
    beta = result.beta
    if beta is None:
        return inconclusive_claim(claim_id, metric=metric, unit=unit, reason=f"Insufficient data: {result.insufficient}",
                                  n=result.n_postings, section=section)
    metric = f"{metric}, {beta.first_year}–{beta.last_year}"
    closed = beta.gap_closed_percent
    if beta.jackknife is None:
        estimate = closed.estimate if math.isfinite(closed.estimate) else None
        described = f" The point estimate, {closed.estimate:.1f}% of the initial gap closed, is descriptive." if estimate is not None else ""
        return inconclusive_claim(claim_id, metric=metric, unit=unit, reason=f"{beta.insufficient}{described}",
                                  n=result.n_postings, section=section, estimate=estimate,
                                  inference=_descriptive("noise-corrected slope across countries", len(result.units)))
    jackknife = beta.jackknife
    family = _beta_family(closed, jackknife.inference.df, wage_growth)
    verdict = claim_verdict(claim_id, closed.ci_low, closed.ci_high, family)
    rationale = (
        f"{_panel_text(result)}: a country's composition-adjusted pay gap shrank by {closed.text()}% of its initial size "
        f"(slope of change {beta.first_year}–{beta.last_year} on initial level, corrected for sampling noise in the initial "
        f"level — reliability {beta.reliability:.2f}; delete-one-country jackknife, t({jackknife.inference.df}), so the "
        f"interval reflects how few countries there are).{_wage_check_text(wage_growth)} σ is judged separately: catching "
        f"up does not imply a narrower spread.{_robustness_text(sensitivity, 'beta_verdict', verdict)}"
    )
    return judge_claim(
        claim_id, metric=metric, unit=unit, estimate=closed.estimate, ci_low=closed.ci_low, ci_high=closed.ci_high,
        inference=jackknife.inference, rationale=rationale, n=result.n_postings, section=section, family=family,
    )


def _beta_family(closed: Interval, df: int | None, wage_growth: WageGrowthBeta | None) -> pd.DataFrame | None:
    """The micro-data β and the Wage Tracker slope as one family of sub-tests of catch-up (both signed so that
    positive is catch-up, against the registered threshold); None without a Wage Tracker slope."""
    if wage_growth is None or wage_growth.slope is None:
        return None
    rule = claim_rule("convergence.beta")
    catch_up = wage_growth.slope.scaled(-1)
    members = [
        FamilyMember.from_interval("salary micro-data", closed.estimate, closed.ci_low, closed.ci_high, df=df),
        FamilyMember.from_interval("Wage Tracker", catch_up.estimate, catch_up.ci_low, catch_up.ci_high,
                                   df=len(wage_growth.table) - 2),
    ]
    return judge_family(members, threshold=rule.threshold, direction=rule.direction)


def _wage_check_text(wage_growth: WageGrowthBeta | None) -> str:
    """The Wage Tracker sentence of the β rationale: its slope, or why it could not be run."""
    if wage_growth is None:
        return ""
    if wage_growth.slope is None:
        return f" The Wage Tracker check could not be run: {wage_growth.insufficient}"
    return (
        f" Indeed Wage Tracker, {len(wage_growth.table)} countries: posted-wage growth (all occupations, national currency) "
        f"changes by {wage_growth.slope.text(2)} percentage points a year per 10% higher tech pay level (HC3, "
        f"t({len(wage_growth.table) - 2}); negative is catch-up)."
    )


def judge_remote_gap(gap: RemoteGap) -> ClaimResult:
    """The gap of fully remote workers abroad to remote residents (percent, clustered by residence country)
    against the registered threshold: supported when the whole CI lies above it (they earn close to residents)."""
    claim_id = "convergence.remote_closes_geo_gap"
    metric = (
        "pay of fully remote workers living outside the employer's country, percent above (−: below) the employer "
        "country's fully remote residents"
    )
    unit = "percent"
    section = SECTIONS[claim_id]
    if gap.gap is None:
        return inconclusive_claim(claim_id, metric=metric, unit=unit, reason=f"Insufficient data: {gap.insufficient}",
                                  n=gap.n_postings, section=section)
    percent = Interval(*gap.gap.percent())
    abroad = int(gap.counts["abroad_remote"].sum())
    home_text = (
        f" For comparison, residents working locally in those workers' home countries earn "
        f"{_percent_words(gap.home_gap_percent)} residents of the reference country (posting-weighted), so remote work "
        "recovers part, not all, of the home-country gap."
        if gap.home_gap_percent is not None and gap.home_gap_percent < percent.estimate else ""
    )
    trend_text = (f" Trend of the yearly gap: {_scaled_text(gap.trend, 100)} log points per year "
                  f"({gap.trend.inference.method}; context, not part of the verdict)." if gap.trend is not None else "")
    rationale = (
        f"{abroad} fully remote postings filled by people living outside the employer's country "
        f"({', '.join(gap.abroad_countries['country'].head(5))} most often) against remote residents of the same employer "
        f"country and year, same seniority, title and employment type: {percent.text()}% ({_inference_text(gap.gap)}: "
        f"postings from one residence country share its pay level).{trend_text}{home_text} Residence is known by "
        "country only, not by city."
    )
    return judge_claim(
        claim_id, metric=metric, unit=unit, estimate=percent.estimate, ci_low=percent.ci_low, ci_high=percent.ci_high,
        inference=gap.gap.inference, rationale=rationale, n=gap.n_postings, section=section,
    )


def judge_remote_share(share: RemoteShare) -> ClaimResult:
    """The composition-adjusted trend of the fully remote share (t(T−2) over the yearly levels) against the
    registered threshold; inconclusive with a descriptive change when there are only two years."""
    claim_id = "convergence.remote_share_rising"
    metric = "change per year in the share of fully remote postings, composition-adjusted"
    unit = "percentage points per year"
    section = SECTIONS[claim_id]
    remote = share.shares.loc[share.shares["arrangement"] == REMOTE_LABELS[100]]
    first, last = remote.iloc[0], remote.iloc[-1]
    us = share.us_share_of_postings
    context = (
        f"The fully remote share of postings went from {first['share']:.1f}% ({int(first['year'])}) to {last['share']:.1f}% "
        f"({int(last['year'])}). Composition caveat: the files change from a survey to job-board postings, and US "
        f"employers' share of postings goes from {us['percent_us_employer'].iloc[0]:.0f}% to "
        f"{us['percent_us_employer'].iloc[-1]:.0f}%; the adjustment holds the observed mix fixed but cannot make the "
        "sample representative of AI teams."
    )
    adjusted = share.adjusted_trend
    if adjusted is None:
        return inconclusive_claim(
            claim_id, metric=metric, unit=unit, n=share.n_postings, section=section, estimate=share.adjusted_change_per_year,
            inference=_descriptive("change from the first to the last year", len(share.adjusted_by_year)),
            reason=(f"No trend inference: two years leave no residual to measure year-level shocks by, so the adjusted "
                    f"change of {share.adjusted_change_per_year:.1f} pp per year is descriptive. {context}"),
        )
    rationale = (
        f"{context} Within employer country, seniority, title and employment type the trend is {_scaled_text(adjusted, 1)} pp "
        f"per year (raw {_scaled_text(share.raw_trend, 1)}): OLS over the {adjusted.inference.clusters} yearly levels with a "
        f"t({adjusted.inference.df}) interval, so year-level shocks count as noise, not only the sampling noise of postings."
    )
    return judge_claim(
        claim_id, metric=metric, unit=unit, estimate=adjusted.value, ci_low=adjusted.ci_low, ci_high=adjusted.ci_high,
        inference=adjusted.inference, rationale=rationale, n=share.n_postings, section=section,
    )


def judge_top_premium(top: TopPremium) -> ClaimResult:
    """The research/lead title premium in the latest year (percent, clustered by job title) against the registered
    threshold; its trend and the top decile are context."""
    claim_id = "convergence.top_roles_keep_premium"
    metric = "pay of research/lead titles, percent above other titles at the same seniority, country and year"
    unit = "percent"
    section = SECTIONS[claim_id]
    if top.latest is None:
        return inconclusive_claim(claim_id, metric=metric, unit=unit, reason=f"Insufficient data: {top.insufficient}",
                                  n=top.n_postings, section=section)
    premium = top.latest_percent
    first, last = top.by_year.iloc[0], top.by_year.iloc[-1]
    trend_text = (f"; trend {_scaled_text(top.trend, 100)} log points per year ({top.trend.inference.method}, context)"
                  if top.trend is not None else "")
    rationale = (
        f"In {top.latest_year} postings with research or lead titles (e.g. {', '.join(top.top_titles['job_title'].head(3))}) "
        f"paid {premium.text()}% more than other titles at the same seniority, in the same country and year "
        f"({_inference_text(top.latest)}: the title decides top vs other, and a few titles hold most postings){trend_text}. "
        f"The top decile of adjusted pay sat {last['top_decile_percent']:.0f}% above the median in {int(last['year'])} "
        f"({first['top_decile_percent']:.0f}% in {int(first['year'])}). Employers are not named, so 'leading labs' can "
        "only be proxied by titles."
    )
    return judge_claim(
        claim_id, metric=f"{metric}, {top.latest_year}", unit=unit, estimate=premium.estimate, ci_low=premium.ci_low,
        ci_high=premium.ci_high, inference=top.latest.inference, rationale=rationale, n=top.n_postings, section=section,
    )
