"""Trend estimators recover known growth, their CIs cover it, and verdicts follow the stated rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from talentmarket.analyses import demand
from talentmarket.stats import trends
from talentmarket.errors import ParameterError
from talentmarket.data.store import DataStore
from talentmarket.data.postings import ai_postings_index, monthly_ai_share, monthly_sector_postings, monthly_total_postings
from talentmarket.data.synthetic import synthetic_truth

MONTHS = pd.date_range("2019-01-01", periods=72, freq="MS")


def _ar1_series(rng: np.random.Generator, slope: float, rho: float = 0.6, sd: float = 0.05) -> pd.Series:
    noise = np.zeros(len(MONTHS))
    for i in range(1, len(MONTHS)):
        noise[i] = rho * noise[i - 1] + rng.normal(0, sd)
    years = (MONTHS - MONTHS[0]).days.to_numpy() / 365.25
    return pd.Series(np.exp(1 + slope * years + noise), index=MONTHS)


def test_ewc_matches_ols_point_estimates_and_uses_the_recommended_dof() -> None:
    rng = np.random.default_rng(4)
    design = np.column_stack([np.ones(60), np.arange(60)])
    y = design @ [1.0, 0.2] + rng.normal(0, 1, 60)
    fit = trends.fit_ewc(y, design)
    np.testing.assert_allclose(fit.params, np.linalg.lstsq(design, y, rcond=None)[0])
    assert fit.dof == int(0.4 * 60 ** (2 / 3)) and (fit.se > 0).all()


def test_log_trend_recovers_a_known_slope() -> None:
    trend = trends.estimate_log_trend(_ar1_series(np.random.default_rng(1), 0.10, sd=0.01))
    assert trend.slope == pytest.approx(0.10, abs=0.01)
    assert trend.pct_per_year == pytest.approx(100 * math.expm1(trend.slope))
    assert trend.ci_low < 0.10 < trend.ci_high


@pytest.mark.slow
@pytest.mark.parametrize("months", [24, 72])
def test_trend_interval_covers_the_truth_about_95_percent_of_the_time(months: int) -> None:
    rng = np.random.default_rng(2026 + months)
    draws = 400
    covered = 0
    for _ in range(draws):
        trend = trends.estimate_log_trend(_ar1_series(rng, 0.08, rho=0.6).iloc[:months])
        covered += trend.ci_low <= 0.08 <= trend.ci_high
    assert 0.90 <= covered / draws <= 0.98


def test_level_shift_recovers_a_known_ratio() -> None:
    rng = np.random.default_rng(3)
    values = np.where(MONTHS >= pd.Timestamp("2022-12-01"), 30.0, 1.0) * np.exp(rng.normal(0, 0.05, len(MONTHS)))
    shift = demand.estimate_level_shift(pd.Series(values, index=MONTHS), "2022-11-30")
    assert shift.ratio == pytest.approx(30, rel=0.05)
    assert shift.ci_low < 30 < shift.ci_high


def test_trend_refuses_short_or_non_positive_series() -> None:
    with pytest.raises(ParameterError, match="at least 12 monthly values"):
        trends.estimate_log_trend(pd.Series(1.0, index=MONTHS[:5]))
    with pytest.raises(ParameterError, match="strictly positive"):
        trends.estimate_log_trend(pd.Series(np.r_[0.0, np.ones(20)], index=MONTHS[:21]))
    with pytest.raises(ParameterError, match="12 months before and after"):
        demand.estimate_level_shift(pd.Series(1.0, index=MONTHS[:30]), "2019-06-01")


@pytest.fixture(scope="module")
def synthetic_comparison() -> tuple[pd.DataFrame, DataStore]:
    store = DataStore(synthetic=True, seed=11)
    countries = ["DE", "US"]
    ai_index = ai_postings_index(monthly_ai_share(store, countries), monthly_total_postings(store, countries))
    sectors = monthly_sector_postings(store, countries)
    tech = synthetic_truth("indeed_hiring_lab_job_postings", 11)["tech_sectors"]
    return demand.compare_ai_with_sectors(ai_index, sectors, "2020-02-01", tech), store


def test_sector_gaps_recover_the_synthetic_truth(synthetic_comparison: tuple[pd.DataFrame, DataStore]) -> None:
    comparison, _ = synthetic_comparison
    postings_truth = synthetic_truth("indeed_hiring_lab_job_postings", 11)
    ai_truth = synthetic_truth("indeed_ai_tracker", 11)["ai_share_log_slope"]
    for row in comparison.itertuples():
        true_gap = ai_truth[row.country] + postings_truth["total_log_slope"][row.country] - postings_truth["sector_log_slope"][row.country][row.sector]
        assert row.gap_log_per_year == pytest.approx(true_gap, abs=0.03), (row.country, row.sector)


def test_single_sector_p_values_are_holm_adjusted_within_tech(synthetic_comparison: tuple[pd.DataFrame, DataStore]) -> None:
    comparison, _ = synthetic_comparison
    tech = comparison.loc[comparison["is_tech"]]
    assert (tech["gap_p_holm"] >= tech["gap_p"]).all()
    assert comparison.loc[~comparison["is_tech"], "gap_p_holm"].isna().all()
    assert (comparison["gap_pct_ci_low"] < comparison["gap_pct_per_year"]).all()


def _comparison(cis: dict[str, list[tuple[float, float]]]) -> pd.DataFrame:
    rows = [
        {"country": c, "sector": f"S{i}", "is_tech": True, "gap_log_per_year": 0.1 + i, "gap_pct_per_year": (low + high) / 2,
         "gap_pct_ci_low": low, "gap_pct_ci_high": high, "months": 24}
        for c, intervals in cis.items() for i, (low, high) in enumerate(intervals)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("cis", "ai_ci", "verdict"),
    [
        ({"US": [(1, 9), (2, 9)], "DE": [(1, 9), (3, 9)]}, (0.05, 0.2), "supported"),
        ({"US": [(1, 9), (2, 9)], "DE": [(1, 9), (3, 9)]}, (-0.2, 0.05), "mixed"),
        ({"US": [(1, 9), (2, 9)], "DE": [(-1, 9), (3, 9)]}, (0.05, 0.2), "mixed"),
        ({"US": [(-9, -1), (2, 9)], "DE": [(-9, -2), (3, 9)]}, (0.05, 0.2), "contradicted"),
        ({"US": [(-9, 1), (2, 9)], "DE": [(-9, -2), (3, 9)]}, (0.05, 0.2), "inconclusive"),
    ],
)
def test_ai_vs_tech_verdict_rules(cis: dict, ai_ci: tuple[float, float], verdict: str) -> None:
    trend = trends.Trend(slope=sum(ai_ci) / 2, se=0.01, ci_low=ai_ci[0], ci_high=ai_ci[1], p_value=0.01, n=24, level=0.95, dof=6)
    claim = demand.judge_ai_vs_tech_sectors(_comparison(cis), trend, "US", "2022-12-01")
    assert claim.verdict == verdict
    assert (claim.ci_low, claim.ci_high) == cis["US"][0]  # the closest tech sector in the primary country


def test_ai_share_rise_is_judged_on_the_primary_country() -> None:
    shifts = pd.DataFrame({"country": ["DE", "US"], "ratio": [1.5, 2.0], "ci_low": [1.2, 1.4], "ci_high": [1.9, 2.8]})
    claim = demand.judge_ai_share_rise(shifts, "US", "2019-12-31")
    assert claim.verdict == "supported" and claim.estimate == pytest.approx(100.0) and claim.ci_low == pytest.approx(40.0)
    shifts["ci_low"] = [0.8, 0.7]
    assert demand.judge_ai_share_rise(shifts, "US", "2019-12-31").verdict == "inconclusive"


def test_genai_takeoff_needs_a_doubling() -> None:
    shifts = pd.DataFrame({"country": ["US"], "ratio": [1.8], "ci_low": [1.2], "ci_high": [2.5]})
    assert demand.judge_genai_takeoff(shifts, "US", "2022-11-30").verdict == "inconclusive"
    shifts.loc[0, ["ratio", "ci_low", "ci_high"]] = [40.0, 20.0, 80.0]
    assert demand.judge_genai_takeoff(shifts, "US", "2022-11-30").verdict == "supported"


def test_outgrew_every_tech_sector_needs_every_gap_above_zero() -> None:
    result = demand.outgrew_every_tech_sector(_comparison({"US": [(1, 9), (2, 9)], "DE": [(-1, 9), (3, 9)]}))
    assert result.to_dict() == {"DE": False, "US": True}
