"""The premium estimators recover the known truth of the synthetic salary twin, their CIs cover it,
and bad selections fail clearly."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from talentmarket.errors import ParameterError
from talentmarket.data.oews import INDUSTRY_GROUPS, TECH_GROUP, load_oews_by_area, load_oews_by_industry
from talentmarket.analyses.premium.estimates import CONTROL_LADDER, GroupPremiums, Premium, _design, _fit, clustered_and_row_level_se, decompose_gap, estimate_company_size_gaps, estimate_control_ladder, estimate_premium, estimate_premium_by, estimate_premium_trend, estimate_quantile_premiums, label_comparison, measure_dispersion, run_specification_curve, run_specification_study
from talentmarket.analyses.premium.industries import compare_oews_industry_pay, compare_oews_occupations, judge_traditional_industries
from talentmarket.analyses.premium.judges import judge_ai_premium, judge_company_size, judge_entry_level_premium, judge_senior_premium_trend, judge_stratification
from talentmarket.analyses.premium.plots import plot_oews, plot_premium_overview
from talentmarket.data.salaries import SALARY_SOURCES, load_salaries, prepare_salaries
from talentmarket.data.synthetic import synthetic_truth
from talentmarket.data.synthetic.salaries import BOARDS, simulate_board

SEED = 7  # the synthetic_store fixture's seed


@pytest.fixture(scope="module")
def truth() -> dict:
    return synthetic_truth("aijobs_net_salaries", SEED)


@pytest.fixture(scope="module")
def raw(synthetic_store) -> pd.DataFrame:
    return load_salaries(synthetic_store)


@pytest.fixture(scope="module")
def labelled(raw: pd.DataFrame) -> pd.DataFrame:
    return label_comparison(prepare_salaries(raw))


def _within(premium: Premium, true_log: float, sds: float = 3.0) -> bool:
    return abs(premium.log_points - true_log) < sds * premium.se


def _small_market(seed: int, postings_per_board: int = 400) -> pd.DataFrame:
    """An AI board and a security board as load_salaries would return them, drawn small for Monte Carlo."""
    rng = np.random.default_rng(seed)
    frames = []
    for source in ("aijobs_net_salaries", "isecjobs_infosec_salaries"):
        frame, _ = simulate_board(BOARDS[source], postings_per_board, rng)
        frames.append(frame.assign(source=source, source_field=SALARY_SOURCES[source]))
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- machinery


def test_cluster_robust_covariance_matches_statsmodels() -> None:
    sample = label_comparison(prepare_salaries(_small_market(3, 150), "all_rows", drop_exact_duplicates=False))
    x, names = _design(sample, sample[["is_ai"]].astype("float64"), ("experience_level", "work_year"), 5)
    y = sample["log_salary_usd"].to_numpy()
    fit = _fit(sample, sample[["is_ai"]].astype("float64"), ("experience_level", "work_year"), 5)
    reference = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(sample["posting_id"])[0]})
    assert fit.names == names
    assert np.allclose(fit.params, reference.params)
    assert np.allclose(fit.cov, reference.cov_params(), rtol=1e-8)
    assert fit.n_clusters == sample["posting_id"].nunique() < len(sample)


# --------------------------------------------------------------------------- recovery on the twin


def test_controlled_premium_recovers_the_truth_and_raw_gap_is_confounded(labelled: pd.DataFrame, truth: dict) -> None:
    ladder = estimate_control_ladder(labelled).set_index("label")
    assert list(ladder.index) == list(CONTROL_LADDER)
    full = estimate_premium(labelled)
    assert _within(full, truth["ai_premium_log"])
    assert full.ci_percent[0] < truth["ai_premium_percent"] < full.ci_percent[1]
    # Core-AI postings lean to US employers, so the raw gap overstates the premium by more than its noise.
    assert ladder.loc["raw", "log_points"] - ladder.loc["+ country", "log_points"] > 2 * ladder.loc["raw", "se"]


def test_premium_by_level_recovers_each_level_and_detects_the_difference(labelled: pd.DataFrame, truth: dict) -> None:
    by_level = estimate_premium_by(labelled, "experience_level")
    rows = by_level.table.set_index("experience_level")
    for level, true_log in truth["ai_premium_log_by_level"].items():
        assert abs(rows.loc[level, "log_points"] - true_log) < 3 * rows.loc[level, "se"], level
    assert by_level.wald_df == 3
    assert by_level.wald_p_value < 0.05


def test_premium_by_year_skips_thin_years_and_the_trend_is_flat(labelled: pd.DataFrame, truth: dict) -> None:
    by_year = estimate_premium_by(labelled, "work_year", min_cell_size=40)
    assert (by_year.table[["ai_postings", "comparison_postings"]] >= 40).all().all()
    assert by_year.skipped  # 2020 has almost no AI postings in the twin
    trend = estimate_premium_trend(labelled)
    assert trend.ci_log[0] < truth["ai_premium_trend_log_per_year"] < trend.ci_log[1]


def test_quantile_premiums_recover_the_widening_premium(labelled: pd.DataFrame, truth: dict) -> None:
    table, spread = estimate_quantile_premiums(labelled)
    rows = table.set_index("quantile")
    for q, true_log in truth["ai_premium_log_by_quantile"].items():
        assert abs(rows.loc[f"q{round(q * 100)}", "log_points"] - true_log) < 3 * rows.loc[f"q{round(q * 100)}", "se"]
    true_spread = truth["ai_premium_log_by_quantile"][0.9] - truth["ai_premium_log_by_quantile"][0.1]
    assert _within(spread, true_spread)
    assert spread.ci_log[0] > 0


def test_oaxaca_parts_add_up_and_unexplained_part_is_the_controlled_premium(labelled: pd.DataFrame) -> None:
    parts = decompose_gap(labelled, n_boot=49).set_index("component")
    total, explained, unexplained = parts["log_points"]
    raw_gap = labelled.groupby("is_ai")["log_salary_usd"].mean().diff().iloc[-1]
    assert total == pytest.approx(raw_gap)
    assert explained + unexplained == pytest.approx(total)
    assert unexplained == pytest.approx(estimate_premium(labelled).log_points)
    assert (parts["ci_low_log"] <= parts["log_points"]).all() and (parts["log_points"] <= parts["ci_high_log"]).all()


def test_company_size_gaps_recover_the_size_effects(labelled: pd.DataFrame, truth: dict) -> None:
    gaps = estimate_company_size_gaps(labelled).set_index("comparison")
    effect = truth["company_size_effect_log"]
    assert abs(gaps.loc["L vs M", "log_points"] - (effect["L"] - effect["M"])) < 3 * gaps.loc["L vs M", "se"]
    assert abs(gaps.loc["S vs M", "log_points"] - (effect["S"] - effect["M"])) < 3 * gaps.loc["S vs M", "se"]
    assert gaps["p_holm"].notna().sum() == 2


def test_dispersion_is_higher_for_ai_and_stable_over_time(labelled: pd.DataFrame, truth: dict) -> None:
    cells, trends = measure_dispersion(labelled, n_boot=49)
    mean_sd = cells.groupby("group")["sd"].mean()
    assert mean_sd["AI"] > mean_sd["comparison"]
    assert abs(mean_sd["AI"] - truth["noise_sd"]["ai"]) < 0.05
    assert (cells["sd_ci_low"] <= cells["sd"]).all() and (cells["sd"] <= cells["sd_ci_high"]).all()
    assert set(trends["group"]) == {"AI", "comparison", "AI − comparison"}
    difference = trends.set_index("group").loc["AI − comparison"]
    assert difference["ci_low"] < 0 < difference["ci_high"]  # the twin's dispersion does not change over time


def test_specification_curve_covers_every_combination(raw: pd.DataFrame, truth: dict) -> None:
    comparisons = {"non-AI tech": {}, "security board": {"comparison_sources": ["isecjobs_infosec_salaries"]}}
    curve = run_specification_curve(raw, ai_definitions=("core_ai", "ai_field_files"), comparisons=comparisons,
                                     pair_handlings=("midpoint", "all_rows"))
    assert len(curve) == 2 * 2 * 2
    assert curve["percent"].is_monotonic_increasing
    core = curve.loc[curve["ai_definition"] == "core_ai"]
    assert ((core["ci_low"] < truth["ai_premium_percent"] + 5) & (core["ci_high"] > truth["ai_premium_percent"] - 5)).all()


# --------------------------------------------------------------------------- coverage


@pytest.mark.slow
def test_premium_ci_coverage_is_close_to_95_percent(truth: dict) -> None:
    """200 small markets analysed the hardest way for standard errors: both halves of every range pair
    and every duplicate copy kept, so only clustering on posting_id keeps the coverage honest."""
    draws = 200
    covered = 0
    for draw in range(draws):
        market = prepare_salaries(_small_market(1_000 + draw), "all_rows", drop_exact_duplicates=False)
        low, high = estimate_premium(label_comparison(market)).ci_log
        covered += low < truth["ai_premium_log"] < high
    assert 0.90 <= covered / draws <= 0.98


def test_clustering_widens_errors_when_pair_halves_are_kept(labelled: pd.DataFrame, raw: pd.DataFrame) -> None:
    rows = label_comparison(prepare_salaries(raw, "all_rows", drop_exact_duplicates=False))
    clustered = estimate_premium(rows)
    naive = estimate_premium(rows, cluster_by_posting=False)
    assert clustered.se > 1.2 * naive.se
    assert clustered.clusters < clustered.n
    assert clustered_and_row_level_se(raw, "core_ai", "non_ai_tech", None) == (clustered.se, naive.se, len(rows))


def test_specification_study_holds_the_chosen_specification_once(raw: pd.DataFrame) -> None:
    study = run_specification_study(raw, sorted(raw["source"].unique()), "core_ai", "non_ai_tech", None,
                                                   "midpoint", True)
    chosen = study.curve[(study.curve["ai_definition"] == "core_ai") & (study.curve["pair_handling"] == "midpoint")
                         & study.curve["drop_exact_duplicates"] & (study.curve["comparison"] == "non-AI tech, all files")]
    assert len(chosen) == 1
    assert len(study.curve) == len(study.definitions) + len(study.handling) - 1
    assert study.curve["percent"].is_monotonic_increasing


# --------------------------------------------------------------------------- bad input


def test_unknown_definitions_and_groups_are_rejected(labelled: pd.DataFrame, raw: pd.DataFrame) -> None:
    prepared = prepare_salaries(raw)
    with pytest.raises(ParameterError, match="unknown AI definition"):
        label_comparison(prepared, ai_definition="python")
    with pytest.raises(ParameterError, match="unknown comparison group"):
        label_comparison(prepared, comparison_group="lawyers")
    with pytest.raises(ParameterError, match="not in the data"):
        label_comparison(prepared, comparison_sources=["glassdoor"])


def test_empty_groups_and_thin_cells_fail_with_clear_errors(raw: pd.DataFrame, labelled: pd.DataFrame) -> None:
    only_ai_board = prepare_salaries(raw.loc[raw["source"] == "devops_jobs_net_salaries"])
    with pytest.raises(ParameterError, match="AI group is empty"):
        label_comparison(only_ai_board)
    with pytest.raises(ParameterError, match="no experience_level category"):
        estimate_premium_by(labelled, "experience_level", min_cell_size=100_000)
    with pytest.raises(ParameterError, match="company_size"):
        estimate_company_size_gaps(labelled, min_cell_size=100_000)
    with pytest.raises(ParameterError, match="lacks column"):
        estimate_premium(labelled.drop(columns="posting_id"))
    with pytest.raises(ParameterError, match="empty"):
        estimate_premium(labelled.iloc[0:0])


# --------------------------------------------------------------------------- verdict rules


def _premium(log_points: float, se: float, label: str = "x") -> Premium:
    return Premium(label, log_points, se, 1_000, 900)


def test_ai_premium_verdict_needs_a_positive_ci_and_agreeing_specifications() -> None:
    agreeing = pd.DataFrame({"ai_definition": ["core_ai", "core_ai", "core_ai_and_data"],
                             "percent": [10.0, 12.0, -5.0], "ci_low": [2.0, 3.0, -9.0]})
    disagreeing = pd.DataFrame({"ai_definition": ["core_ai"] * 3, "percent": [-5.0, 12.0, 1.0], "ci_low": [-9.0, 3.0, -2.0]})
    supported = judge_ai_premium(_premium(0.15, 0.02), agreeing, "core_ai")
    assert supported.verdict == "supported"
    assert "core_ai_and_data: -5.0% to -5.0%" in supported.rationale  # other definitions are reported, not judged
    assert judge_ai_premium(_premium(0.15, 0.02), disagreeing, "core_ai").verdict == "mixed"
    assert judge_ai_premium(_premium(0.01, 0.02), agreeing, "core_ai").verdict == "inconclusive"
    assert judge_ai_premium(_premium(-0.15, 0.02), agreeing, "core_ai").verdict == "contradicted"


def test_senior_trend_verdict_requires_ruling_out_a_decline() -> None:
    assert judge_senior_premium_trend(_premium(0.0, 0.002)).verdict == "supported"
    assert judge_senior_premium_trend(_premium(0.0, 0.02)).verdict == "inconclusive"
    assert judge_senior_premium_trend(_premium(-0.05, 0.01)).verdict == "contradicted"


def test_entry_level_verdict_is_inconclusive_without_entry_level_cells() -> None:
    table = pd.DataFrame({"experience_level": ["SE"], "percent": [10.0], "ci_low": [5.0], "ci_high": [15.0],
                          "ai_postings": [50], "comparison_postings": [60]})
    result = judge_entry_level_premium(GroupPremiums("experience_level", table, float("nan"), 0, float("nan"), ("EN",)))
    assert result.verdict == "inconclusive" and result.estimate is None


def test_stratification_verdict_combines_two_holm_adjusted_tests() -> None:
    def trends(difference: float, half_width: float) -> pd.DataFrame:
        return pd.DataFrame({"group": ["AI", "comparison", "AI − comparison"], "years": [4, 4, 4],
                             "slope": [difference, 0.0, difference], "ci_low": [np.nan, np.nan, difference - half_width],
                             "ci_high": [np.nan, np.nan, difference + half_width]})
    assert judge_stratification(_premium(0.2, 0.02), trends(0.02, 0.01)).verdict == "supported"
    assert judge_stratification(_premium(0.2, 0.02), trends(0.0, 0.01)).verdict == "supported"
    assert judge_stratification(_premium(0.2, 0.02), trends(-0.02, 0.01)).verdict == "mixed"
    assert judge_stratification(_premium(0.0, 0.02), trends(0.0, 0.01)).verdict == "inconclusive"
    assert judge_stratification(_premium(-0.2, 0.02), trends(0.0, 0.01)).verdict == "contradicted"
    only_quantiles = judge_stratification(_premium(0.2, 0.02), trends(0.0, 0.01).iloc[:2])
    assert "could not be estimated" in only_quantiles.rationale


def test_company_size_verdict_uses_both_comparisons() -> None:
    def gaps(l_vs_m: float, l_vs_s: float, p: float) -> pd.DataFrame:
        return pd.DataFrame({
            "comparison": ["L vs M", "S vs M", "L vs S"], "percent": [l_vs_m, -5.0, l_vs_s],
            "ci_low": [l_vs_m - 1, -6.0, l_vs_s - 1], "ci_high": [l_vs_m + 1, -4.0, l_vs_s + 1], "log_points": [l_vs_m / 100, -0.05, l_vs_s / 100], "p_holm": [p, np.nan, p],
            "n": [500] * 3, "postings_first": [50, 40, 50], "postings_second": [400, 400, 40],
        })
    assert judge_company_size(gaps(8.0, 12.0, 0.01)).verdict == "supported"
    assert judge_company_size(gaps(-8.0, 12.0, 0.01)).verdict == "contradicted"
    assert judge_company_size(gaps(8.0, 12.0, 0.3)).verdict == "inconclusive"


# --------------------------------------------------------------------------- OEWS cross-section


def _oews_rows(occ_code: str = "15-2051") -> pd.DataFrame:
    """A hand-made OEWS industry frame: manufacturing sector, its computer subsector, information, finance."""
    rows = [("31-33", "31--34", 2, 100.0, 100_000.0, 1.0), ("31-33", "334000", 3, 30.0, 150_000.0, 2.0),
            ("51", "51--52", 2, 50.0, 120_000.0, 1.0), ("52", "52--53", 2, 40.0, np.nan, np.nan)]
    return pd.DataFrame([
        {"naics_sector": sector, "industry_code": code, "industry_level": level, "occ_code": occ_code,
         "occ_title": "Data Scientists", "employment": jobs, "annual_mean_wage": wage,
         "wage_percent_relative_standard_error": rse, "employment_released": True, "wages_released": not np.isnan(wage)}
        for sector, code, level, jobs, wage, rse in rows
    ])


def test_industry_groups_add_wage_bills_and_subtract_nested_parts() -> None:
    groups = {"Manufacturing excl. computers": ["31-33", "-334"], "Tech": ["51"]}
    table = compare_oews_industry_pay(_oews_rows(), groups, "Tech", occupations=["15-2051"]).set_index("group")
    expected_mean = (100 * 100_000 - 30 * 150_000) / 70
    assert table.loc["Manufacturing excl. computers", "mean_wage"] == pytest.approx(expected_mean)
    assert table.loc["Manufacturing excl. computers", "gap_percent"] == pytest.approx(100 * (expected_mean / 120_000 - 1))
    assert table.loc["All traditional", "mean_wage"] == pytest.approx(expected_mean)
    low, high = table.loc["Manufacturing excl. computers", ["ci_low", "ci_high"]]
    assert low < table.loc["Manufacturing excl. computers", "gap_percent"] < high


def test_industry_groups_with_unpublished_parts_have_no_estimate() -> None:
    table = compare_oews_industry_pay(_oews_rows(), {"Finance": ["52"], "Tech": ["51"]}, "Tech", occupations=["15-2051"])
    finance = table.set_index("group").loc["Finance"]
    assert np.isnan(finance["mean_wage"]) and finance["unpublished"] == "52"


def test_unknown_industry_codes_and_tech_group_are_rejected() -> None:
    with pytest.raises(ParameterError, match="neither a NAICS sector"):
        compare_oews_industry_pay(_oews_rows(), {"Mining": ["21"], "Tech": ["51"]}, "Tech", occupations=["15-2051"])
    with pytest.raises(ParameterError, match="tech_group"):
        compare_oews_industry_pay(_oews_rows(), {"Tech": ["51"]}, "Big Tech", occupations=["15-2051"])


def test_real_national_oews_gaps_match_the_published_means(real_store) -> None:
    national = load_oews_by_area(real_store, ["national"])
    gaps = compare_oews_occupations(national).set_index(["occupation", "reference"])
    data_vs_software = gaps.loc[("Data Scientists", "Software Developers")]
    assert data_vs_software["gap_percent"] == pytest.approx(100 * (126_800 / 148_100 - 1))
    assert data_vs_software["ci_low"] < data_vs_software["gap_percent"] < data_vs_software["ci_high"] < 0


def test_traditional_industries_verdict_rules() -> None:
    def pay(gaps: list[tuple[float, float, float]], wage: float = 120_000.0) -> pd.DataFrame:
        return pd.DataFrame([{"group": "All traditional", "occupation": f"occupation {i}", "mean_wage": wage,
                              "employment": 1_000.0, "gap_percent": g, "ci_low": lo, "ci_high": hi}
                             for i, (g, lo, hi) in enumerate(gaps)])
    below, above, unclear = (-15.0, -19.0, -11.0), (10.0, 5.0, 15.0), (-2.0, -9.0, 5.0)
    assert judge_traditional_industries(pay([below, unclear]), 70_000).verdict == "supported"
    assert judge_traditional_industries(pay([below, above]), 70_000).verdict == "mixed"
    assert judge_traditional_industries(pay([above, unclear]), 70_000).verdict == "contradicted"
    assert judge_traditional_industries(pay([unclear]), 70_000).verdict == "inconclusive"
    assert judge_traditional_industries(pay([below], wage=60_000.0), 70_000).verdict == "contradicted"  # does not pay well


# --------------------------------------------------------------------------- figures


def test_figures_carry_titles_units_and_the_synthetic_footer(synthetic_store, labelled: pd.DataFrame, raw: pd.DataFrame) -> None:
    sources = sorted(raw["source"].unique())
    ladder = estimate_control_ladder(labelled)
    curve = run_specification_curve(raw, ai_definitions=("core_ai",), pair_handlings=("midpoint", "max"))
    figure = plot_premium_overview(ladder, curve, synthetic_store, sources)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == ["AI premium as controls are added", "Specification curve: 2 specifications, all controls"]
    assert "%" in figure.axes[0].get_xlabel()
    footer = figure.texts[-1].get_text()
    assert "SYNTHETIC" in footer and "aijobs.net" in footer and "Alekseeva" in footer and "Occupational" not in footer
    plt.close(figure)


def test_oews_figure_cites_only_oews_and_uses_the_shared_industry_groups(synthetic_store, raw: pd.DataFrame) -> None:
    national = load_oews_by_area(synthetic_store, ["national"])
    industry_pay = compare_oews_industry_pay(load_oews_by_industry(synthetic_store))
    assert list(dict.fromkeys(industry_pay["group"])) == [*INDUSTRY_GROUPS, "All traditional"]
    figure = plot_oews(industry_pay, national, TECH_GROUP, synthetic_store)
    footer = figure.texts[-1].get_text()
    assert "Occupational Employment and Wage Statistics" in footer and "aijobs.net" not in footer
    plt.close(figure)

