"""Convergence estimators: recovery of a known country pay structure, CI coverage, verdicts and bad input.

The coverage proofs (marked ``slow``) simulate what the real panel looks like: few countries (4–8), few
years (3–4), year-level shocks, country-specific noise and posting noise, and for the top-role premium a
few titles holding most postings with their own pay effects. Each prints its coverage with its Monte
Carlo standard error; the target is 0.93–0.97 and a test fails outside 0.90–0.985.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from talentmarket.analyses import convergence as cv
from talentmarket.analyses.convergence import plots as cp
from talentmarket.analyses.convergence import sample as cs
from talentmarket.analyses.convergence import top_premium
from talentmarket.data import oews
from talentmarket.data.salaries import prepare_salaries
from talentmarket.data.schemas import SALARY_SCHEMA, validate_frame
from talentmarket.data.store import DataStore
from talentmarket.data.synthetic import geography
from talentmarket.data.taxonomy import ROLE_CLASSES
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.results.contract import ClaimResult, judged_claim_problems
from talentmarket.results.registry import load_registry
from talentmarket.stats.inference import (
    ClusteredEstimate,
    Inference,
    wild_cluster_bootstrap,
)
from talentmarket.stats.regression import solve_least_squares
from talentmarket.stats.verdicts import verdict_from_interval

BOOTSTRAP = 99
NOTEBOOK_CLAIMS = set(load_registry().query("notebook == '03_compensation_convergence'")["id"])
"""The claims the registry assigns to notebook 03."""


def _postings(case: str, seed: int, **sizes) -> tuple[pd.DataFrame, dict]:
    """Synthetic rows through the shared pair/duplicate helper, as the notebook prepares real files."""
    drawn = geography.generate(case, seed, **sizes)
    postings = prepare_salaries(drawn.frames[geography.SALARY_FILE])
    postings["role_class"] = "core_ai"
    return postings, drawn.truth


@pytest.fixture(scope="module")
def converging() -> tuple[pd.DataFrame, dict]:
    postings, truth = _postings("sigma_and_beta", 11)
    return cv.select_sample(postings, years=truth["years"]), truth


@pytest.fixture(scope="module")
def beta_only() -> tuple[pd.DataFrame, dict]:
    postings, truth = _postings("beta_not_sigma", 11)
    return cv.select_sample(postings, years=truth["years"]), truth


def _covers(interval: cv.Interval | ClusteredEstimate, value: float) -> bool:
    return interval.ci_low <= value <= interval.ci_high


# --- the generator ------------------------------------------------------------------------------


def test_generator_writes_valid_salary_rows_as_range_pairs() -> None:
    drawn = geography.generate("sigma_and_beta", 3)
    rows = drawn.frames[geography.SALARY_FILE]
    validate_frame(rows, SALARY_SCHEMA, "synthetic geography")
    prepared = prepare_salaries(rows)
    assert prepared["from_range_pair"].all()
    assert len(prepared) == len(rows) // 2


def test_generator_truth_separates_the_two_cases() -> None:
    both = geography.generate("sigma_and_beta", 3).truth
    beta_only = geography.generate("beta_not_sigma", 3).truth
    expected_beta = geography.SHRINK_PER_YEAR ** (both["years"][-1] - both["years"][0]) - 1
    assert both["beta"] == pytest.approx(expected_beta) and beta_only["beta"] == pytest.approx(expected_beta)
    assert both["dispersion_slope_per_year"] < -0.03
    assert beta_only["dispersion_slope_per_year"] == pytest.approx(0, abs=1e-12)
    assert list(beta_only["dispersion_by_year"].values()) == pytest.approx([geography.INITIAL_DISPERSION] * len(beta_only["years"]))


def test_truth_over_a_subset_of_years_is_recomputed() -> None:
    truth = geography.generate("sigma_and_beta", 3).truth
    subset = geography.truth_over_years(truth, [2022, 2023, 2024])
    assert subset["beta"] == pytest.approx(geography.SHRINK_PER_YEAR**2 - 1)
    assert truth["years"][-1] == 2025, "the generator covers the notebook's default years, 2022–2025"
    assert subset["remote_gap_mid_year"] == pytest.approx(truth["remote_gap_by_year"][2023])
    assert geography.truth_over_years(truth, truth["years"])["dispersion_slope_per_year"] == pytest.approx(truth["dispersion_slope_per_year"])


def test_generator_rejects_an_unknown_case() -> None:
    with pytest.raises(ParameterError, match="unknown synthetic convergence case"):
        geography.generate("divergence", 1)


# --- recovery on the two synthetic cases --------------------------------------------------------


@pytest.mark.parametrize(("case", "sigma_verdict", "beta_verdict"),
                         [("converging", "supported", "supported"), ("beta_only", "inconclusive", "inconclusive")])
def test_the_two_synthetic_cases_are_told_apart(case: str, sigma_verdict: str, beta_verdict: str,
                                                request: pytest.FixtureRequest) -> None:
    """σ and β convergence in one case, β without σ in the other: β alone must not be read as σ. In the second
    case the countries' new shocks are as large as their initial spread, so with 12 countries the jackknife
    (countries as a sample) cannot pin β down, although the interval covers it."""
    sample, truth = request.getfixturevalue(case)
    result = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=BOOTSTRAP, seed=1)
    assert _covers(result.sigma.slope, truth["dispersion_slope_per_year"])
    assert _covers(result.beta.beta, truth["beta"])
    assert cv.judge_sigma(result).verdict == sigma_verdict
    assert cv.judge_beta(result).verdict == beta_verdict


def test_country_effects_and_dispersion_match_the_truth(converging) -> None:
    sample, truth = converging
    result = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=BOOTSTRAP, seed=1)
    merged = truth["country_effects"].merge(result.effects, left_on=["country", "year"], right_on=["unit", "year"])
    assert len(merged) == len(truth["countries"]) * len(truth["years"])
    errors = (merged["effect_y"] - merged["effect_x"]) / merged["se"]
    assert errors.abs().max() < 4
    coverage = np.mean([
        row.ci_low <= truth["dispersion_by_year"][row.year] <= row.ci_high for row in result.sigma.dispersion.itertuples()
    ])
    assert coverage >= 0.6


def test_batched_bootstrap_draws_and_refits_equal_one_draw_at_a_time(converging) -> None:
    """The cell bootstrap takes its draws in batches and refits them together: the same draws, and bit for bit
    the same coefficients and residuals as one weighted refit per draw, also when a rare title is not drawn."""
    sample, _ = converging
    rows = sample.loc[sample["employee_residence"] == sample["company_location"]]
    rare = rows["job_title"].iloc[0]
    rows = rows.loc[(rows["job_title"] != rare) | (rows.index == rows.index[0])]
    design = cs._build_design(rows, ["geo_unit", "work_year"], ["experience_level", "employment_type", "job_title"], {})
    y, clusters = rows["log_salary_usd"].to_numpy(), rows["posting_id"].to_numpy()
    batched, single = (cs._StratifiedClusterBootstrap(clusters, design.cell_index, 5) for _ in range(2))
    counts = np.hstack([batched.draw_counts(3), batched.draw_counts(5)])
    assert np.array_equal(counts, np.hstack([single.draw_counts(1) for _ in range(8)]))
    weights = batched.row_weights(counts)
    assert (design.matrix.T @ weights == 0).any(), "some draw leaves the rare title out"
    coefficients, residuals = cs._WeightedRefits(design.matrix, y).solve(weights)
    for draw in range(8):
        expected_coefficients, expected_residuals = solve_least_squares(design.matrix, y, weights[:, draw])
        assert np.array_equal(coefficients[:, draw], expected_coefficients)
        assert np.array_equal(residuals[:, draw], expected_residuals)


def test_noise_correction_removes_the_upward_bias_of_raw_dispersion() -> None:
    """With tiny cells, the raw spread of estimated effects overstates the true spread; the corrected one does not."""
    raw_bias, corrected_bias = [], []
    for seed in range(10):
        postings, truth = _postings("beta_not_sigma", seed, postings_per_cell=6)
        result = cv.estimate_convergence(cv.select_sample(postings, years=truth["years"]), min_cell=5, n_bootstrap=BOOTSTRAP)
        true_variance = geography.INITIAL_DISPERSION**2
        raw_bias.append((result.sigma.dispersion["uncorrected"] ** 2 - true_variance).mean())
        corrected_bias.append((result.sigma.dispersion["dispersion"] ** 2 - true_variance).mean())
    assert np.mean(raw_bias) > 0.005
    assert abs(np.mean(corrected_bias)) < np.mean(raw_bias) / 2


def test_country_gaps_recover_pooled_pay_differences_and_beat_raw_medians(converging) -> None:
    sample, truth = converging
    gaps = cv.estimate_country_gaps(sample, reference="US", min_cell=20).table.set_index("unit")
    effects = truth["country_effects"].pivot(index="country", columns="year", values="effect")
    true_gap = 100 * np.expm1((effects.sub(effects.loc["US"], axis=1)).mean(axis=1))
    assert gaps.loc["US", "gap_percent"] == 0
    adjusted_error = (gaps["gap_percent"] - true_gap).abs()
    raw_error = (gaps["raw_median_gap_percent"] - true_gap).abs()
    assert adjusted_error.max() < 6
    assert adjusted_error.mean() < raw_error.mean()


def test_remote_gap_recovers_level_and_trend(converging) -> None:
    sample, truth = converging
    levels = cv.estimate_country_gaps(sample, min_cell=20)
    gap = cv.estimate_remote_gap(sample, min_cell=10, levels=levels)
    assert _covers(gap.gap, truth["remote_gap_mid_year"])
    assert _covers(gap.trend, truth["remote_gap_trend_per_year"])
    assert _covers(gap.not_remote_gap, truth["onsite_abroad_gap"])
    assert gap.gap.inference.cluster == "employee_residence"
    assert gap.gap.inference.clusters == sample["employee_residence"].nunique()
    assert set(gap.counts.columns) == set(cv.ARRANGEMENTS)
    abroad = sample[(sample["employee_residence"] != "US") & (sample["remote_ratio"] == 100) & (sample["company_location"] == "US")]
    home_log_gap = abroad["employee_residence"].map(levels.table.set_index("unit")["gap_log"]).mean()
    assert gap.home_gap_percent == pytest.approx(100 * math.expm1(home_log_gap))
    assert gap.home_gap_percent < 100 * math.expm1(gap.gap.value)


def test_describe_sample_counts_postings_and_units(converging) -> None:
    sample, truth = converging
    table = cv.describe_sample(sample, min_cell=20)
    assert table["year"].tolist() == truth["years"]
    assert table["postings"].sum() == sample["posting_id"].nunique()
    assert (table["units_with_20+_residents"] == len(truth["countries"])).all()


def test_remote_share_recovers_its_trend(converging) -> None:
    sample, truth = converging
    share = cv.estimate_remote_share(sample, min_cell=20)
    # one panel, so not a coverage check (the t(T−2) interval misses 5% of the time by design): the slope is within
    # three standard errors of posting noise (about 0.3 pp a year here) of the truth
    assert share.adjusted_trend.value == pytest.approx(100 * truth["remote_share_trend_per_year"], abs=1.0)
    yearly = share.shares[share.shares["arrangement"] == "fully remote"].set_index("year")
    covered = [yearly.loc[y, "ci_low"] <= 100 * p <= yearly.loc[y, "ci_high"] for y, p in truth["remote_share_by_year"].items()]
    assert sum(covered) >= len(covered) - 1


def test_top_title_premium_is_recovered(converging) -> None:
    sample, truth = converging
    top = cv.estimate_top_premium(sample, min_cell=20, n_bootstrap=BOOTSTRAP)
    assert _covers(top.latest, truth["top_title_premium"])
    assert _covers(top.trend, 0.0)
    assert top.latest.inference.cluster == "job_title"
    assert top.latest.inference.clusters == sample["job_title"].nunique()
    assert set(top.top_titles["job_title"]) == set(truth["top_titles"])
    # the premium over the other titles' posting-weighted pay; with 8 titles (3 research/lead) clustered by title the
    # interval is wide, so the verdict is whatever that interval says: the Monte Carlo below proves its coverage
    others = {title: effect for title, (_, effect, top_title) in geography.TITLES.items() if not top_title}
    shares = {title: share for title, (share, _, _) in geography.TITLES.items() if title in others}
    contrast = truth["top_title_premium"] - sum(shares[t] * others[t] for t in others) / sum(shares.values())
    assert top.latest.value == pytest.approx(contrast, abs=0.05)


def test_top_decile_spread_matches_a_normal_distribution() -> None:
    rng = np.random.default_rng(4)
    residuals = rng.normal(0, 0.3, 20_000)
    years = np.repeat([2023, 2024], 10_000)
    spread = top_premium._top_decile_by_year(residuals, years, np.arange(20_000), [2023, 2024], 50, 0)
    expected = 100 * math.expm1(0.3 * 1.2816)
    assert all(_covers(spread[y], expected) for y in (2023, 2024))


def test_wage_growth_slope_recovers_a_known_catch_up() -> None:
    countries = ["US", "CA", "GB", "DE", "FR", "ES", "NL"]
    gap_log = np.array([0.0, -0.1, -0.4, -0.35, -0.5, -0.9, -0.45])
    growth = 4.0 - 2.0 * gap_log
    months = pd.date_range("2022-01-01", "2024-12-01", freq="MS")
    wage_growth = pd.DataFrame([
        {"jobcountry": c, "month": m, "posted_wage_growth_yoy": g / 100} for c, g in zip(countries, growth) for m in months
    ] + [{"jobcountry": "EA", "month": m, "posted_wage_growth_yoy": 0.03} for m in months])
    levels = cv.CountryGaps(pd.DataFrame({"unit": countries, "gap_log": gap_log}), "US", (2022, 2023, 2024), 1000, ())
    result = cv.estimate_wage_growth_beta(wage_growth, levels, years=[2022, 2023, 2024])
    assert result.slope.estimate == pytest.approx(-2.0 * math.log(1.1))
    assert "EA" in result.notes[0]


def test_area_dispersion_is_the_spread_of_log_median_wages() -> None:
    wages = np.array([80_000, 95_000, 100_000, 120_000, 150_000])
    areas = pd.DataFrame({
        "area_type": "state", "occ_code": "15-2051", "occ_title": "Data Scientists", "annual_median_wage": wages,
        "wage_percent_relative_standard_error": 0.0, "wages_released": True, "territory": False,
    })
    table = cv.estimate_area_dispersion(areas, occupations=["15-2051"], n_bootstrap=BOOTSTRAP)
    assert table.loc[0, "dispersion"] == pytest.approx(np.log(wages).std(ddof=1))
    assert table.loc[0, "areas"] == 5


# --- verdict rules --------------------------------------------------------------------------------


def _clustered(value: float, low: float, high: float, df: int | None = None) -> ClusteredEstimate:
    inference = Inference("wild cluster bootstrap (WCR, Webb)", "employee_residence", 40, 6.5, df, 999)
    return ClusteredEstimate(value, (high - low) / 3.92, low, high, 0.001, inference)


def _remote_gap(gap: float, low: float, high: float) -> cv.RemoteGap:
    counts = pd.DataFrame({a: [30] for a in cv.ARRANGEMENTS}, index=[2023])
    return cv.RemoteGap(
        gap=_clustered(math.log1p(gap / 100), math.log1p(low / 100), math.log1p(high / 100)), trend=None, not_remote_gap=None,
        by_year=pd.DataFrame(), counts=counts, abroad_countries=pd.DataFrame({"country": ["IN"], "postings": [30]}),
        n_postings=500, min_cell=20,
    )


@pytest.mark.parametrize(
    ("gap", "verdict"),
    [
        ((-2.0, -6.0, 3.0), "supported"),
        ((-8.0, -9.5, -6.0), "supported"),
        ((-35.0, -45.0, -25.0), "contradicted"),
        ((-10.0, -30.0, 15.0), "inconclusive"),
    ],
)
def test_remote_gap_verdict_uses_the_registered_threshold(gap, verdict) -> None:
    """'Close to hub pay' is judged against the registry's −10%: the whole CI above it, below it, or across it."""
    claim = cv.judge_remote_gap(_remote_gap(*gap))
    assert claim.verdict == verdict
    assert claim.threshold == -10 and claim.direction == "above"
    assert (claim.p_value < 0.025) == (verdict == "supported")
    assert claim.inference["cluster_variable"] == "employee_residence"


def test_every_judge_returns_a_valid_claim(converging) -> None:
    sample, _ = converging
    convergence = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=BOOTSTRAP)
    claims = [
        cv.judge_sigma(convergence), cv.judge_beta(convergence), cv.judge_remote_gap(cv.estimate_remote_gap(sample)),
        cv.judge_remote_share(cv.estimate_remote_share(sample)),
        cv.judge_top_premium(cv.estimate_top_premium(sample, n_bootstrap=BOOTSTRAP)),
    ]
    assert sorted(c.id for c in claims) == sorted(NOTEBOOK_CLAIMS)
    assert all(isinstance(c, ClaimResult) and c.n > 0 and c.section for c in claims)
    for claim in claims:
        assert judged_claim_problems(claim) == [] and claim.inference["method"], claim.id
        assert (claim.p_value < 0.025) == (claim.verdict == "supported"), claim.id
        assert claim.verdict == "mixed" or claim.verdict == verdict_from_interval(
            claim.ci_low, claim.ci_high, threshold=claim.threshold, direction=claim.direction)


def test_sensitivity_repeats_the_headline_and_reads_ranges_three_ways(synthetic_store: DataStore) -> None:
    rows = cv.load_salary_rows(synthetic_store)
    years = [2022, 2023, 2024, 2025]
    headline = cv.estimate_convergence(cv.select_sample(cv.prepare_postings(rows), years=years), min_cell=20, n_bootstrap=BOOTSTRAP, seed=1)
    choices = {"years": years, "roles": list(ROLE_CLASSES), "pair_handling": "midpoint", "n_bootstrap": BOOTSTRAP, "seed": 1}
    table = cv.estimate_convergence_sensitivity(rows, headline, min_cell=20, **choices).set_index("specification")
    assert table.loc["as chosen", "sigma_trend"] == headline.sigma.slope.scaled(100).text()
    assert table.loc["as chosen", "gap_closed_percent"] == headline.beta.gap_closed_percent.text()
    assert table.loc["as chosen", "postings"] == headline.n_postings
    assert {"pair_handling max", "pair_handling min", "min_cell 10", "min_cell 40", "from 2023"} <= set(table.index)
    assert "pair_handling midpoint" not in table.index
    assert table.loc["pair_handling max", "postings"] == table.loc["pair_handling min", "postings"] == headline.n_postings
    with pytest.raises(ParameterError, match="headline result was estimated with min_cell 20"):
        cv.estimate_convergence_sensitivity(rows, headline, min_cell=10, **choices)


# --- bad input and thin data ----------------------------------------------------------------------


def test_a_single_year_cannot_show_convergence(converging) -> None:
    postings, _ = converging
    with pytest.raises(ParameterError, match="at least two years"):
        cv.estimate_convergence(cv.select_sample(postings, years=[2022]), n_bootstrap=BOOTSTRAP)


def test_countries_and_years_without_data_are_named(converging) -> None:
    postings, _ = converging
    with pytest.raises(ParameterError, match=r"\['XX'\]"):
        cv.select_sample(postings, years=[2022], countries=["US", "XX"])
    with pytest.raises(ParameterError, match=r"years: \[2019\] not available"):
        cv.select_sample(postings, years=[2019, 2022])
    with pytest.raises(ParameterError, match=r"years: \[2026\] not available"):
        cv.select_sample(postings, years=[2022, 2023, 2024, 2025, 2026])
    with pytest.raises(ParameterError, match=r"years: \[2026\] not available"):
        cv.select_sample(postings, years=[2022, 2023, 2024, 2025, 2026])
    with pytest.raises(ParameterError, match="more than one country group"):
        cv.select_sample(postings, years=[2022], country_groups={"A": ["US", "CA"], "B": ["CA"]})


def test_empty_role_selection_and_unknown_roles_are_refused(converging) -> None:
    postings, _ = converging
    with pytest.raises(ParameterError, match="no postings with a title in role classes"):
        cv.select_sample(postings, years=[2022], roles=["non_ai_tech"])
    with pytest.raises(ParameterError, match=r"roles: \['wizards'\] not available"):
        cv.select_sample(postings, years=[2022], roles=["wizards"])


def test_missing_column_names_the_column(converging) -> None:
    postings, _ = converging
    with pytest.raises(DataValidationError, match="remote_ratio"):
        cv.select_sample(postings.drop(columns="remote_ratio"), years=[2022])


def test_too_few_countries_give_an_insufficient_data_verdict(converging) -> None:
    sample, _ = converging
    result = cv.estimate_convergence(sample, min_cell=400, n_bootstrap=BOOTSTRAP)
    assert result.sigma is None and "at least 3 are needed" in result.insufficient
    for claim in (cv.judge_sigma(result), cv.judge_beta(result)):
        assert claim.verdict == "inconclusive" and claim.estimate is None
        assert claim.rationale.startswith("Insufficient data")


def test_country_groups_become_the_compared_units(converging) -> None:
    postings, _ = converging
    groups = {"North America": ["US", "CA", "MX"], "Europe": ["GB", "DE", "NL", "FR", "ES", "PL", "PT"], "South": ["IN", "BR"]}
    sample = cv.select_sample(postings, years=[2022, 2023], country_groups=groups)
    result = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=BOOTSTRAP)
    assert result.units == ("Europe", "North America", "South")
    with pytest.raises(ParameterError, match="reference 'US'"):
        cv.estimate_country_gaps(sample, reference="US")


def test_no_remote_workers_abroad_is_an_explicit_inconclusive(converging) -> None:
    sample, _ = converging
    residents_only = sample[sample["employee_residence"] == sample["company_location"]]
    gap = cv.estimate_remote_gap(residents_only, min_cell=20)
    assert gap.gap is None and "abroad_remote 0" in gap.insufficient
    assert cv.judge_remote_gap(gap).verdict == "inconclusive"


def test_top_titles_that_match_nothing_and_bad_patterns(converging) -> None:
    sample, _ = converging
    nothing = cv.estimate_top_premium(sample, top_title_pattern=r"\bastronaut\b", n_bootstrap=BOOTSTRAP)
    assert nothing.latest is None and cv.judge_top_premium(nothing).verdict == "inconclusive"
    with pytest.raises(ParameterError, match="not a regular expression"):
        cv.estimate_top_premium(sample, top_title_pattern="(", n_bootstrap=BOOTSTRAP)


# --- real data --------------------------------------------------------------------------------------


def test_real_salary_files_give_five_valid_claims(real_store: DataStore) -> None:
    postings = cv.prepare_postings(cv.load_salary_rows(real_store, sources=["aijobs_net_salaries", "isecjobs_infosec_salaries"]))
    years = [year for year in (2022, 2023, 2024, 2025) if (postings["work_year"] == year).sum() >= 1000]
    sample = cv.select_sample(postings, years=years, roles=["core_ai", "ai_adjacent_data"])
    convergence = cv.estimate_convergence(sample, min_cell=10, n_bootstrap=BOOTSTRAP)
    assert "US" in convergence.units and all(n for n in convergence.notes)
    claims = [
        cv.judge_sigma(convergence), cv.judge_beta(convergence), cv.judge_remote_gap(cv.estimate_remote_gap(sample, min_cell=10)),
        cv.judge_remote_share(cv.estimate_remote_share(sample)),
        cv.judge_top_premium(cv.estimate_top_premium(sample, n_bootstrap=BOOTSTRAP)),
    ]
    assert {c.id for c in claims} == set(NOTEBOOK_CLAIMS)
    assert all(c.inference is not None for c in claims if c.ci_low is not None)


# --- coverage -----------------------------------------------------------------------------------------


COVERAGE_BOUNDS = (0.90, 0.985)
"""A coverage test fails outside these bounds; the target is 0.93–0.97 (95% intervals)."""


def _coverage(name: str, hits: list[bool]) -> float:
    """The share of intervals that cover the truth, printed with its Monte Carlo standard error."""
    coverage = float(np.mean(hits))
    mcse = math.sqrt(coverage * (1 - coverage) / len(hits))
    print(f"{name}: coverage {coverage:.3f} (MCSE {mcse:.3f}) over {len(hits)} panels")
    return coverage


def _estimated_cells(rng: np.random.Generator, true_effects: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Effects and noise variances as the country × year regression returns them, for panels × countries × years of
    true effects: posting noise with a country-specific SD (0.3–0.6) in cells of 20 to 400 postings (log-uniform),
    and each cell's noise variance estimated from its own postings."""
    postings = np.round(np.exp(rng.uniform(np.log(20), np.log(400), size=true_effects.shape)))
    sd = rng.uniform(0.3, 0.6, size=(*true_effects.shape[:2], 1))
    effects = true_effects + rng.standard_normal(true_effects.shape) * sd / np.sqrt(postings)
    noise = sd**2 * rng.chisquare(postings - 1) / (postings - 1) / postings
    return effects, noise


def _common_year_shocks(rng: np.random.Generator, panels: int, n_years: int) -> np.ndarray:
    """A shock to every country's pay in a year (exchange rates, the sample's mix): σ and β must not react."""
    return 0.05 * rng.standard_normal((panels, 1, n_years))


@pytest.mark.slow
@pytest.mark.parametrize(("units", "n_years"), [(4, 3), (4, 4), (6, 4), (8, 3), (8, 4)])
def test_sigma_trend_intervals_cover_the_true_trend(units: int, n_years: int) -> None:
    """σ: the countries' spread follows a trend of −3 log points a year, and each year's spread deviates from it
    by a year-level shock (SD 2 log points); common year shocks and posting noise come on top. The truth is the
    trend of the spread of these countries (their positions are standardised), the estimand of the claim."""
    panels, trend = 800, -0.03
    rng = np.random.default_rng(1000 + 10 * units + n_years)
    years = tuple(range(2022, 2022 + n_years))
    position = rng.standard_normal((panels, units))
    position = (position - position.mean(axis=1, keepdims=True)) / position.std(axis=1, ddof=1, keepdims=True)
    spread = 0.35 + trend * (np.arange(n_years) - (n_years - 1) / 2) + 0.02 * rng.standard_normal((panels, n_years))
    effects, noise = _estimated_cells(rng, _common_year_shocks(rng, panels, n_years) + spread[:, None, :] * position[:, :, None])
    hits = [_covers(cv.estimate_sigma_trend(effects[p], noise[p], years).trend, trend) for p in range(panels)]
    coverage = _coverage(f"σ trend, {units} countries × {n_years} years", hits)
    assert COVERAGE_BOUNDS[0] <= coverage <= COVERAGE_BOUNDS[1]


@pytest.mark.slow
@pytest.mark.parametrize(("units", "n_years"), [(4, 3), (5, 4), (6, 4), (8, 4)])
def test_beta_intervals_cover_the_true_catch_up(units: int, n_years: int) -> None:
    """β: countries are drawn from a population where the change over the span is −0.3 × the initial level plus a
    country-specific growth shock (SD 5 log points), with common year shocks and posting noise. Panels where a
    delete-one slope is undefined give no interval (an inconclusive claim); they must stay rare."""
    panels, beta = 600, -0.3
    rng = np.random.default_rng(2000 + 10 * units + n_years)
    years = tuple(range(2022, 2022 + n_years))
    initial = 0.35 * rng.standard_normal((panels, units))
    change = beta * initial + 0.05 * rng.standard_normal((panels, units))
    path = initial[:, :, None] + change[:, :, None] * np.linspace(0, 1, n_years)
    effects, noise = _estimated_cells(rng, _common_year_shocks(rng, panels, n_years) + path)
    names = [f"C{u}" for u in range(units)]
    results = [cv.estimate_beta(effects[p], noise[p], names, years) for p in range(panels)]
    with_interval = [r.beta for r in results if r.jackknife is not None]
    print(f"β, {units} countries: {panels - len(with_interval)} of {panels} panels without an interval")
    assert len(with_interval) >= 0.85 * panels
    coverage = _coverage(f"β, {units} countries × {n_years} years", [_covers(b, beta) for b in with_interval])
    assert COVERAGE_BOUNDS[0] <= coverage <= COVERAGE_BOUNDS[1]


def _title_panel(rng: np.random.Generator, premium: float, *, titles: int = 30, top: int = 8,
                 postings: int = 900) -> dict[str, np.ndarray]:
    """Postings of ``titles`` job titles whose sizes fall like 1/rank (the largest holds about a quarter, as on the
    real files), ``top`` of them research/lead titles; each title has its own pay effect (SD 15 log points) and the
    research/lead ones ``premium`` more on average, with residence × year cells, seniority and posting noise.

    The columns are NumPy arrays (``pd.DataFrame(panel)`` for the estimator): the Monte Carlo draws 250 panels, and
    building each as a frame of Python strings took as long as its bootstrap."""
    size = 1 / np.arange(1, titles + 1)
    is_top = np.zeros(titles, dtype=bool)
    is_top[rng.choice(titles, top, replace=False)] = True
    title_effect = 0.15 * rng.standard_normal(titles) + premium * is_top
    title = rng.choice(titles, size=postings, p=size / size.sum())
    country = rng.choice(["US", "CA", "GB", "DE"], size=postings, p=[0.6, 0.2, 0.1, 0.1])
    year = rng.choice([2024, 2025], size=postings)
    seniority = rng.choice(["EN", "MI", "SE"], size=postings)
    pay = title_effect[title] + np.where(country == "US", 0.3, 0.0) + 0.3 * rng.standard_normal(postings)
    return {
        "log_salary_usd": pay, "job_title": np.array([f"title {t}" for t in range(titles)])[title],
        "cell": np.strings.add(np.strings.add(country, ":"), year.astype(str)), "experience_level": seniority,
        "top": is_top[title].astype(float),
    }


def _dense_design(panel: dict[str, np.ndarray]) -> np.ndarray:
    """The top dummy, an intercept and the fixed-effect dummies: the design the clustered fit bootstraps.

    The dummies are those of ``pd.get_dummies(..., drop_first=True)`` (levels sorted, the first dropped),
    built with NumPy: get_dummies took two thirds of the Monte Carlo's time outside the bootstrap."""
    dummies = []
    for column in ("cell", "experience_level"):
        levels, codes = np.unique(panel[column], return_inverse=True)
        dummies.append(np.eye(len(levels))[codes, 1:])
    return np.column_stack([panel["top"], np.ones(len(panel["top"])), *dummies])


def test_the_title_clustered_fit_is_the_wild_bootstrap_on_the_full_design() -> None:
    """The estimator's clustered fit (formula through pyfixest) gives what the wild cluster bootstrap gives on the
    dense design, so the Monte Carlo below, which calls the bootstrap directly, proves the estimator's intervals."""
    panel = _title_panel(np.random.default_rng(5), 0.2)
    fits, note = top_premium._fit_by_cluster(pd.DataFrame(panel), {"top": panel["top"]}, ["cell", "experience_level"],
                                             "job_title", {"premium": {"top": 1.0}})
    contrast = np.zeros(_dense_design(panel).shape[1])
    contrast[0] = 1.0
    direct = wild_cluster_bootstrap(panel["log_salary_usd"], _dense_design(panel), panel["job_title"], contrast)
    assert note is None
    assert fits["premium"].value == pytest.approx(direct.value, abs=1e-8)
    assert (fits["premium"].ci_low, fits["premium"].ci_high) == pytest.approx((direct.ci_low, direct.ci_high), abs=1e-5)
    assert fits["premium"].inference.clusters == len(np.unique(panel["job_title"]))


@pytest.mark.slow
def test_title_clustered_premium_intervals_cover_the_true_premium() -> None:
    """Top-role premium: 30 titles (about 5 effective clusters), 8 of them research/lead, title pay effects; the
    truth is the premium of research/lead titles in the population of titles (20 log points)."""
    panels, premium = 250, 0.2
    rng = np.random.default_rng(3000)
    hits, effective = [], []
    for _ in range(panels):
        panel = _title_panel(rng, premium)
        design = _dense_design(panel)
        contrast = np.zeros(design.shape[1])
        contrast[0] = 1.0
        estimate = wild_cluster_bootstrap(panel["log_salary_usd"], design, panel["job_title"], contrast)
        hits.append(_covers(estimate, premium))
        effective.append(estimate.inference.effective_clusters)
    print(f"top-role premium: median effective clusters {np.median(effective):.1f} of 30 titles")
    coverage = _coverage("top-role premium, clustered by title", hits)
    assert COVERAGE_BOUNDS[0] <= coverage <= COVERAGE_BOUNDS[1]


# --- few years, few countries, bad draws ----------------------------------------------------------


def test_two_years_give_a_descriptive_change_and_an_inconclusive_sigma(converging) -> None:
    sample, _ = converging
    result = cv.estimate_convergence(sample[sample["work_year"].isin([2024, 2025])], min_cell=20, n_bootstrap=BOOTSTRAP)
    assert result.sigma.trend is None
    claim = cv.judge_sigma(result)
    assert claim.verdict == "inconclusive" and claim.ci_low is None
    assert claim.estimate == pytest.approx(100 * result.sigma.change_per_year)
    assert claim.rationale.startswith("No trend inference: 2 years")
    assert judged_claim_problems(claim) == [] and claim.inference["method"].startswith("descriptive")


def test_three_countries_give_a_descriptive_beta_and_an_inconclusive_claim(converging) -> None:
    postings, _ = converging
    sample = cv.select_sample(postings, years=[2022, 2023, 2024, 2025], countries=["US", "CA", "GB"])
    result = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=BOOTSTRAP)
    assert result.beta.jackknife is None and "needs at least 4" in result.beta.insufficient
    claim = cv.judge_beta(result)
    assert claim.verdict == "inconclusive" and claim.ci_low is None
    assert claim.estimate == pytest.approx(-100 * result.beta.estimate)
    assert judged_claim_problems(claim) == [] and claim.inference["clusters"] == 3
    assert result.sigma.trend.inference.df == 2


def test_the_sigma_trend_is_the_slope_over_every_year_with_t_of_years_minus_two(converging) -> None:
    """With four years the middle years count (an OLS slope over three points would give the middle one weight 0)."""
    sample, _ = converging
    result = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=BOOTSTRAP)
    table = result.sigma.dispersion
    years, values = table["year"].to_numpy(float), table["dispersion"].to_numpy()
    assert result.sigma.trend.value == pytest.approx(np.polyfit(years, values, 1)[0])
    assert result.sigma.trend.inference.df == len(years) - 2
    assert result.beta.jackknife.inference.df == len(result.units) - 1


@pytest.mark.parametrize("draws", [0, 5, 2.5])
def test_too_few_bootstrap_draws_are_refused_by_name(converging, draws) -> None:
    sample, _ = converging
    with pytest.raises(ParameterError, match="n_bootstrap"):
        cv.estimate_convergence(sample, n_bootstrap=draws)
    with pytest.raises(ParameterError, match="n_bootstrap"):
        cv.estimate_top_premium(sample, n_bootstrap=draws)
    with pytest.raises(ParameterError, match="n_bootstrap"):
        cv.estimate_area_dispersion(pd.DataFrame(), occupations=["15-2051"], n_bootstrap=draws)


def test_remote_share_trend_uses_the_years_as_evidence(converging) -> None:
    sample, _ = converging
    share = cv.estimate_remote_share(sample, min_cell=20)
    assert share.adjusted_trend.inference.df == sample["work_year"].nunique() - 2
    two_years = cv.estimate_remote_share(sample[sample["work_year"].isin([2024, 2025])], min_cell=20)
    claim = cv.judge_remote_share(two_years)
    assert two_years.adjusted_trend is None and claim.verdict == "inconclusive" and claim.ci_low is None
    assert judged_claim_problems(claim) == []


# --- figures --------------------------------------------------------------------------------------------


def test_figures_draw_full_and_insufficient_results(converging, synthetic_store: DataStore) -> None:
    sample, _ = converging
    gaps = cv.estimate_country_gaps(sample)
    full = cv.estimate_convergence(sample, n_bootstrap=BOOTSTRAP)
    thin = cv.estimate_convergence(sample, min_cell=400, n_bootstrap=BOOTSTRAP)
    areas = pd.DataFrame({
        "area_type": "state", "occ_code": "15-2051", "occ_title": "Data Scientists", "annual_median_wage": [90e3, 1e5, 12e4],
        "wage_percent_relative_standard_error": 1.0, "wages_released": True, "territory": False,
    })
    area_dispersion = cv.estimate_area_dispersion(areas, occupations=["15-2051"], n_bootstrap=BOOTSTRAP)
    months = pd.date_range("2020-01-01", "2024-12-01", freq="MS")
    wage_growth = pd.DataFrame([{"jobcountry": c, "month": m, "posted_wage_growth_yoy": 0.03} for c in ("US", "CA") for m in months])
    wage_beta = cv.estimate_wage_growth_beta(wage_growth, gaps, years=[2022])
    assert wage_beta.slope is None and "at least 4" in wage_beta.insufficient
    shown = [geography.SOURCE]
    figures = [
        cp.plot_country_gaps(gaps, synthetic_store, shown),
        cp.plot_dispersion(full, area_dispersion, synthetic_store, shown),
        cp.plot_dispersion(thin, area_dispersion, synthetic_store, shown),
        cp.plot_beta(full, wage_beta, synthetic_store, shown),
        cp.plot_beta(thin, wage_beta, synthetic_store, shown),
        cp.plot_remote(cv.estimate_remote_share(sample), cv.estimate_remote_gap(sample), synthetic_store, shown),
        cp.plot_top_premium(cv.estimate_top_premium(sample, n_bootstrap=BOOTSTRAP), synthetic_store, shown),
        cp.plot_top_premium(cv.estimate_top_premium(sample, top_title_pattern="astronaut", n_bootstrap=BOOTSTRAP), synthetic_store, shown),
    ]
    assert all(fig.axes and _footer(fig).startswith("SYNTHETIC DATA") and _footer(fig).endswith(geography.CITATION) for fig in figures)
    plt.close("all")


def _footer(fig: plt.Figure) -> str:
    return fig.texts[-1].get_text()


def test_figure_footers_cite_exactly_the_sources_shown(synthetic_store: DataStore, tmp_path) -> None:
    sample = cv.select_sample(cv.prepare_postings(cv.load_salary_rows(synthetic_store)), years=[2022, 2023, 2024])
    sources = cp.salary_sources(sample)
    areas = cv.estimate_area_dispersion(oews.load_oews_by_area(synthetic_store, ("state", "metropolitan")),
                                        occupations=["15-2051"], n_bootstrap=BOOTSTRAP)
    gaps = cv.estimate_country_gaps(sample)
    gaps_footer = _footer(cp.plot_country_gaps(gaps, synthetic_store, sources))
    dispersion_footer = _footer(cp.plot_dispersion(cv.estimate_convergence(sample, n_bootstrap=BOOTSTRAP), areas, synthetic_store, sources))
    assert gaps_footer == f"SYNTHETIC DATA — NOT A FINDING. Source: {geography.CITATION}"
    assert "Bureau of Labor Statistics" in dispersion_footer and dispersion_footer.endswith(geography.CITATION)
    own_file = tmp_path / "my_salaries.csv"
    own_file.write_text("work_year\n2024\n")
    store = DataStore()
    store.record_own_file(own_file)
    own_citation = store.provenance()[0]["citation"]
    assert "my_salaries.csv" in own_citation
    assert _footer(cp.plot_country_gaps(gaps, store, ["own:my_salaries"])) == f"Source: {own_citation}"
    plt.close("all")
