"""Convergence estimators: recovery of a known country pay structure, CI coverage, verdicts and bad input."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from talentmarket.analyses import convergence as cv
from talentmarket.analyses.convergence import plots as cp
from talentmarket.analyses.convergence import top_premium
from talentmarket.data import oews
from talentmarket.results.registry import load_registry
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.data.store import DataStore
from talentmarket.results.contract import ClaimResult
from talentmarket.data.salaries import prepare_salaries
from talentmarket.data.schemas import SALARY_SCHEMA, validate_frame
from talentmarket.data.synthetic import geography
from talentmarket.data.taxonomy import ROLE_CLASSES

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


def _covers(interval: cv.Interval, value: float) -> bool:
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
    assert subset["remote_gap_mid_year"] == pytest.approx(truth["remote_gap_by_year"][2023])
    assert geography.truth_over_years(truth, truth["years"])["dispersion_slope_per_year"] == pytest.approx(truth["dispersion_slope_per_year"])


def test_generator_rejects_an_unknown_case() -> None:
    with pytest.raises(ParameterError, match="unknown synthetic convergence case"):
        geography.generate("divergence", 1)


# --- recovery on the two synthetic cases --------------------------------------------------------


@pytest.mark.parametrize(("case", "sigma_verdict"), [("converging", "supported"), ("beta_only", "inconclusive")])
def test_the_two_synthetic_cases_are_told_apart(case: str, sigma_verdict: str, request: pytest.FixtureRequest) -> None:
    """σ and β convergence in one case, β without σ in the other: β alone must not be read as σ."""
    sample, truth = request.getfixturevalue(case)
    result = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=BOOTSTRAP, seed=1)
    assert _covers(result.sigma.slope, truth["dispersion_slope_per_year"])
    assert _covers(result.beta.beta, truth["beta"])
    assert cv.judge_sigma(result).verdict == sigma_verdict
    assert cv.judge_beta(result).verdict == "supported"


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


def test_noise_correction_removes_the_upward_bias_of_raw_dispersion() -> None:
    """With tiny cells, the raw spread of estimated effects overstates the true spread; the corrected one does not."""
    raw_bias, corrected_bias = [], []
    for seed in range(10):
        postings, truth = _postings("beta_not_sigma", seed, postings_per_cell=6)
        result = cv.estimate_convergence(cv.select_sample(postings, years=truth["years"]), min_cell=5, n_bootstrap=5)
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
    gap = cv.estimate_remote_gap(sample, min_cell=20, levels=levels)
    assert gap.middle_year == np.mean(truth["years"][::len(truth["years"]) - 1])
    assert _covers(gap.gap, truth["remote_gap_mid_year"])
    assert _covers(gap.trend, truth["remote_gap_trend_per_year"])
    assert _covers(gap.not_remote_gap, truth["onsite_abroad_gap"])
    assert set(gap.counts.columns) == set(cv.ARRANGEMENTS)
    abroad = sample[(sample["employee_residence"] != "US") & (sample["remote_ratio"] == 100) & (sample["company_location"] == "US")]
    home_log_gap = abroad["employee_residence"].map(levels.table.set_index("unit")["gap_log"]).mean()
    assert gap.home_gap_percent == pytest.approx(100 * math.expm1(home_log_gap))
    assert gap.home_gap_percent < 100 * math.expm1(gap.gap.estimate)


def test_describe_sample_counts_postings_and_units(converging) -> None:
    sample, truth = converging
    table = cv.describe_sample(sample, min_cell=20)
    assert table["year"].tolist() == truth["years"]
    assert table["postings"].sum() == sample["posting_id"].nunique()
    assert (table["units_with_20+_residents"] == len(truth["countries"])).all()


def test_remote_share_recovers_its_trend(converging) -> None:
    sample, truth = converging
    share = cv.estimate_remote_share(sample, min_cell=20)
    assert _covers(share.adjusted_trend, 100 * truth["remote_share_trend_per_year"])
    yearly = share.shares[share.shares["arrangement"] == "fully remote"].set_index("year")
    covered = [yearly.loc[y, "ci_low"] <= 100 * p <= yearly.loc[y, "ci_high"] for y, p in truth["remote_share_by_year"].items()]
    assert sum(covered) >= len(covered) - 1


def test_top_title_premium_is_recovered(converging) -> None:
    sample, truth = converging
    top = cv.estimate_top_premium(sample, min_cell=20, n_bootstrap=BOOTSTRAP)
    true_percent = 100 * math.expm1(truth["top_title_premium"])
    assert _covers(top.latest, true_percent)
    assert _covers(top.trend, 0.0)
    assert set(top.top_titles["job_title"]) == set(truth["top_titles"])
    assert cv.judge_top_premium(top).verdict == "supported"


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
    table = cv.estimate_area_dispersion(areas, occupations=["15-2051"], n_bootstrap=50)
    assert table.loc[0, "dispersion"] == pytest.approx(np.log(wages).std(ddof=1))
    assert table.loc[0, "areas"] == 5


# --- verdict rules --------------------------------------------------------------------------------


def _remote_gap(gap: float, low: float, high: float, trend: tuple[float, float, float] | None, trend_p: float) -> cv.RemoteGap:
    counts = pd.DataFrame({a: [30] for a in cv.ARRANGEMENTS}, index=[2023])
    return cv.RemoteGap(
        gap=cv.Interval(gap, low, high), trend=cv.Interval(*trend) if trend else None, trend_p_value=trend_p if trend else None,
        gap_p_value=0.001, not_remote_gap=None, by_year=pd.DataFrame(), counts=counts,
        abroad_countries=pd.DataFrame({"country": ["IN"], "postings": [30]}), middle_year=2023.0, n_postings=500, min_cell=20,
    )


@pytest.mark.parametrize(
    ("gap", "trend", "trend_p", "verdict"),
    [
        ((-0.02, -0.06, 0.03), None, 1.0, "supported"),
        ((-0.40, -0.50, -0.30), (0.00, -0.05, 0.05), 0.9, "contradicted"),
        ((-0.40, -0.50, -0.30), (0.10, 0.05, 0.15), 0.001, "mixed"),
        ((-0.10, -0.40, 0.20), None, 1.0, "inconclusive"),
    ],
)
def test_remote_gap_verdict_uses_the_comparability_margin(gap, trend, trend_p, verdict) -> None:
    claim = cv.judge_remote_gap(_remote_gap(*gap, trend, trend_p), margin_percent=10)
    assert claim.verdict == verdict


def test_every_judge_returns_a_valid_claim(converging) -> None:
    sample, _ = converging
    convergence = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=BOOTSTRAP)
    claims = [
        cv.judge_sigma(convergence), cv.judge_beta(convergence), cv.judge_remote_gap(cv.estimate_remote_gap(sample)),
        cv.judge_remote_share(cv.estimate_remote_share(sample)), cv.judge_top_premium(cv.estimate_top_premium(sample, n_bootstrap=20)),
    ]
    assert sorted(c.id for c in claims) == sorted(NOTEBOOK_CLAIMS)
    assert all(isinstance(c, ClaimResult) and c.n > 0 and c.section for c in claims)


def test_sensitivity_repeats_the_headline_and_reads_ranges_three_ways(synthetic_store: DataStore) -> None:
    rows = cv.load_salary_rows(synthetic_store)
    years = [2022, 2023, 2024]
    headline = cv.estimate_convergence(cv.select_sample(cv.prepare_postings(rows), years=years), min_cell=20, n_bootstrap=BOOTSTRAP, seed=1)
    choices = {"years": years, "roles": list(ROLE_CLASSES), "pair_handling": "midpoint", "n_bootstrap": 5, "seed": 1}
    table = cv.estimate_convergence_sensitivity(rows, headline, min_cell=20, **choices).set_index("specification")
    assert table.loc["as chosen", "sigma_trend"] == headline.sigma.slope.scaled(100).text()
    assert table.loc["as chosen", "gap_closed_percent"] == headline.beta.gap_closed_percent.text()
    assert table.loc["as chosen", "postings"] == headline.n_postings
    assert {"pair_handling max", "pair_handling min"} <= set(table.index) and "pair_handling midpoint" not in table.index
    assert table.loc["pair_handling max", "postings"] == table.loc["pair_handling min", "postings"] == headline.n_postings
    with pytest.raises(ParameterError, match="headline result was estimated with min_cell 20"):
        cv.estimate_convergence_sensitivity(rows, headline, min_cell=10, **choices)


# --- bad input and thin data ----------------------------------------------------------------------


def test_a_single_year_cannot_show_convergence(converging) -> None:
    postings, _ = converging
    with pytest.raises(ParameterError, match="at least two years"):
        cv.estimate_convergence(cv.select_sample(postings, years=[2022]), n_bootstrap=5)


def test_countries_and_years_without_data_are_named(converging) -> None:
    postings, _ = converging
    with pytest.raises(ParameterError, match=r"\['XX'\]"):
        cv.select_sample(postings, years=[2022], countries=["US", "XX"])
    with pytest.raises(ParameterError, match=r"years: \[2019\] not available"):
        cv.select_sample(postings, years=[2019, 2022])
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
    result = cv.estimate_convergence(sample, min_cell=400, n_bootstrap=5)
    assert result.sigma is None and "at least 3 are needed" in result.insufficient
    for claim in (cv.judge_sigma(result), cv.judge_beta(result)):
        assert claim.verdict == "inconclusive" and claim.estimate is None
        assert claim.rationale.startswith("Insufficient data")


def test_country_groups_become_the_compared_units(converging) -> None:
    postings, _ = converging
    groups = {"North America": ["US", "CA", "MX"], "Europe": ["GB", "DE", "NL", "FR", "ES", "PL", "PT"], "South": ["IN", "BR"]}
    sample = cv.select_sample(postings, years=[2022, 2023], country_groups=groups)
    result = cv.estimate_convergence(sample, min_cell=20, n_bootstrap=5)
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
    nothing = cv.estimate_top_premium(sample, top_title_pattern=r"\bastronaut\b", n_bootstrap=5)
    assert nothing.latest is None and cv.judge_top_premium(nothing).verdict == "inconclusive"
    with pytest.raises(ParameterError, match="not a regular expression"):
        cv.estimate_top_premium(sample, top_title_pattern="(", n_bootstrap=5)


# --- real data --------------------------------------------------------------------------------------


def test_real_salary_files_give_five_valid_claims(real_store: DataStore) -> None:
    postings = cv.prepare_postings(cv.load_salary_rows(real_store, sources=["aijobs_net_salaries", "isecjobs_infosec_salaries"]))
    sample = cv.select_sample(postings, years=[2022, 2023, 2024], roles=["core_ai", "ai_adjacent_data"])
    convergence = cv.estimate_convergence(sample, min_cell=10, n_bootstrap=20)
    assert "US" in convergence.units and all(n for n in convergence.notes)
    claims = [
        cv.judge_sigma(convergence), cv.judge_beta(convergence), cv.judge_remote_gap(cv.estimate_remote_gap(sample, min_cell=10)),
        cv.judge_remote_share(cv.estimate_remote_share(sample)), cv.judge_top_premium(cv.estimate_top_premium(sample, n_bootstrap=20)),
    ]
    assert {c.id for c in claims} == set(NOTEBOOK_CLAIMS)


# --- coverage -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    """150 synthetic panels (8 countries × 4 years, 30 postings a cell): coverage of the σ-trend and β CIs."""
    draws = 150
    countries, years = ("US", "CA", "GB", "DE", "FR", "ES", "IN", "BR"), (2021, 2022, 2023, 2024)
    slope_hits = beta_hits = 0
    for draw in range(draws):
        postings, truth = _postings("sigma_and_beta", 1000 + draw, postings_per_cell=30, countries=countries, years=years)
        result = cv.estimate_convergence(cv.select_sample(postings, years=list(years)), min_cell=10, n_bootstrap=BOOTSTRAP, seed=draw)
        slope_hits += _covers(result.sigma.slope, truth["dispersion_slope_per_year"])
        beta_hits += _covers(result.beta.beta, truth["beta"])
    assert 0.88 <= slope_hits / draws <= 0.99
    assert 0.88 <= beta_hits / draws <= 0.99


# --- figures --------------------------------------------------------------------------------------------


def test_figures_draw_full_and_insufficient_results(converging, synthetic_store: DataStore) -> None:
    sample, _ = converging
    gaps = cv.estimate_country_gaps(sample)
    full = cv.estimate_convergence(sample, n_bootstrap=5)
    thin = cv.estimate_convergence(sample, min_cell=400, n_bootstrap=5)
    areas = pd.DataFrame({
        "area_type": "state", "occ_code": "15-2051", "occ_title": "Data Scientists", "annual_median_wage": [90e3, 1e5, 12e4],
        "wage_percent_relative_standard_error": 1.0, "wages_released": True, "territory": False,
    })
    area_dispersion = cv.estimate_area_dispersion(areas, occupations=["15-2051"], n_bootstrap=5)
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
        cp.plot_top_premium(cv.estimate_top_premium(sample, n_bootstrap=5), synthetic_store, shown),
        cp.plot_top_premium(cv.estimate_top_premium(sample, top_title_pattern="astronaut", n_bootstrap=5), synthetic_store, shown),
    ]
    assert all(fig.axes and _footer(fig).startswith("SYNTHETIC DATA") and _footer(fig).endswith(geography.CITATION) for fig in figures)
    plt.close("all")


def _footer(fig: plt.Figure) -> str:
    return fig.texts[-1].get_text()


def test_figure_footers_cite_exactly_the_sources_shown(synthetic_store: DataStore, tmp_path) -> None:
    sample = cv.select_sample(cv.prepare_postings(cv.load_salary_rows(synthetic_store)), years=[2022, 2023, 2024])
    sources = cp.salary_sources(sample)
    areas = cv.estimate_area_dispersion(oews.load_oews_by_area(synthetic_store, ("state", "metropolitan")),
                                        occupations=["15-2051"], n_bootstrap=5)
    gaps = cv.estimate_country_gaps(sample)
    gaps_footer = _footer(cp.plot_country_gaps(gaps, synthetic_store, sources))
    dispersion_footer = _footer(cp.plot_dispersion(cv.estimate_convergence(sample, n_bootstrap=5), areas, synthetic_store, sources))
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
