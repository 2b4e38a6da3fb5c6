"""The premium estimators recover the known truth of the synthetic salary twin, their CIs cover it,
and bad selections fail clearly."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special
from scipy.optimize import linprog
from talentmarket.analyses.premium.distribution import (
    _merge_tied_rows,
    _quantile_fits,
    _spread,
    _title_block_jackknife,
    assign_title_blocks,
    decompose_gap,
    estimate_quantile_premiums,
    measure_dispersion,
)
from talentmarket.analyses.premium.estimates import (
    CONTROL_LADDER,
    HEADLINE_COMPARISON,
    CompanySizeGaps,
    GroupPremiums,
    Premium,
    _design,
    compare_clustering,
    estimate_company_size_gaps,
    estimate_control_ladder,
    estimate_premium,
    estimate_premium_by,
    estimate_premium_trend,
    label_comparison,
    restrict_to_common_support,
    run_specification_curve,
    run_specification_study,
)
from talentmarket.analyses.premium.industries import (
    compare_oews_industry_pay,
    compare_oews_occupations,
    judge_traditional_industries,
)
from talentmarket.analyses.premium.judges import (
    judge_ai_premium,
    judge_company_size,
    judge_entry_level_premium,
    judge_senior_premium_trend,
    judge_stratification,
)
from talentmarket.analyses.premium.plots import plot_oews, plot_premium_overview
from talentmarket.data.oews import (
    INDUSTRY_GROUPS,
    TECH_GROUP,
    load_oews_by_area,
    load_oews_by_industry,
)
from talentmarket.data.salaries import load_salaries, prepare_salaries
from talentmarket.data.synthetic import synthetic_truth
from talentmarket.errors import ParameterError
from talentmarket.stats.inference import Inference, jackknife_over_units

SEED = 7  # the synthetic_store fixture's seed
FEW_DRAWS = 199  # wild-bootstrap draws in the Monte Carlo: enough for a 95% interval, cheap


@pytest.fixture(scope="module")
def truth() -> dict:
    return synthetic_truth("aijobs_net_salaries", SEED)


@pytest.fixture(scope="module")
def raw(synthetic_store) -> pd.DataFrame:
    return load_salaries(synthetic_store)


@pytest.fixture(scope="module")
def labelled(raw: pd.DataFrame) -> pd.DataFrame:
    return label_comparison(prepare_salaries(raw))


def _covers(premium: Premium, true_log: float) -> bool:
    return premium.ci_log[0] < true_log < premium.ci_log[1]


# --------------------------------------------------------------------------- a market with title effects

AI_TITLE_SHARES = np.array([0.424, 0.155, 0.094, 0.070, 0.057, 0.050, 0.040, 0.030])
"""Shares of the 8 AI titles, the largest ones as in the real AI file (Machine Learning Engineer 42%, ≈ 4.5 effective titles)."""
COMPARISON_TITLE_SHARES = np.array([0.205, 0.121, 0.080, 0.060, 0.050, 0.045, 0.040, 0.035, 0.030, 0.030])
"""Shares of the 10 comparison titles (Security Engineer 21%, Software Engineer 12%, …)."""
LEVELS = np.array(["EN", "MI", "SE", "EX"])
LEVEL_EFFECT = np.array([-0.30, 0.0, 0.25, 0.45])
LEVEL_MIX = {True: np.array([0.10, 0.30, 0.45, 0.15]), False: np.array([0.20, 0.35, 0.35, 0.10])}
"""AI postings are more senior: part of the raw gap is explained by characteristics."""
TRUE_PREMIUM = 0.15
TITLE_SD = 0.10
NOISE_SD = {True: 0.35, False: 0.30}
YEARS = (2022, 2023, 2024, 2025)
MC_CONTROLS = ("experience_level", "work_year")
# The string columns are taken from their few distinct values: the Monte Carlos build 1,300 markets, and
# converting 3,000 Python strings to a string column each time cost more than many of the fits. The frame keeps
# the market's new arrays instead of copying them (copy=False: 1.1 -> 0.6 ms a frame; nothing else holds them).
_TITLE_NAMES = pd.array([f"title {t}" for t in range(200)], dtype="str")
_LEVEL_NAMES = pd.array(list(LEVELS), dtype="str")
_GROUP_NAMES = pd.array(["comparison", "AI"], dtype="str")


def _title_market(rng: np.random.Generator, n: int = 3_000, slope: float = 0.0, title_year_sd: float = 0.0) -> pd.DataFrame:
    """Postings of 8 AI and 10 comparison titles with the real files' concentration; every title has its own
    pay effect (SD 0.10 log points), optionally a title × year shock, and the AI premium changes by ``slope``
    per year. Noise is wider for AI (0.35 vs 0.30), so the 90th-percentile premium exceeds the 10th's."""
    is_ai = rng.random(n) < 0.35
    titles = np.where(is_ai, rng.choice(len(AI_TITLE_SHARES), n, p=AI_TITLE_SHARES / AI_TITLE_SHARES.sum()),
                      100 + rng.choice(len(COMPARISON_TITLE_SHARES), n, p=COMPARISON_TITLE_SHARES / COMPARISON_TITLE_SHARES.sum()))
    title_effect = rng.normal(0, TITLE_SD, 200)
    title_year = rng.normal(0, title_year_sd, (200, len(YEARS))) if title_year_sd else np.zeros((200, len(YEARS)))
    level = np.where(is_ai, rng.choice(4, n, p=LEVEL_MIX[True]), rng.choice(4, n, p=LEVEL_MIX[False]))
    year_index = rng.integers(0, len(YEARS), n)
    centred = year_index - (len(YEARS) - 1) / 2
    noise = rng.normal(0, 1, n) * np.where(is_ai, NOISE_SD[True], NOISE_SD[False])
    y = (11.5 + LEVEL_EFFECT[level] + 0.02 * centred + is_ai * (TRUE_PREMIUM + slope * centred)
         + title_effect[titles] + title_year[titles, year_index] + noise)
    return pd.DataFrame({
        "log_salary_usd": y, "is_ai": is_ai.astype("int64"), "group": _GROUP_NAMES.take(is_ai.astype("int64")),
        "job_title": _TITLE_NAMES.take(titles), "experience_level": _LEVEL_NAMES.take(level),
        "work_year": np.array(YEARS)[year_index], "posting_id": np.arange(n),
    }, copy=False)


def _interval(table: pd.DataFrame, low: str, high: str, **where: str) -> tuple[float, float]:
    """The ``low`` and ``high`` columns of the one row of ``table`` whose columns hold the values ``where`` names.

    The Monte Carlos read one interval from each of hundreds of small tables: ``set_index([...]).loc[...]`` cost
    3.3-5.8 ms a table (up to a fifth of a dispersion replication), comparing the key columns as arrays 0.3 ms."""
    (row,) = np.flatnonzero(np.logical_and.reduce([table[column].to_numpy() == value for column, value in where.items()]))
    return float(table[low].iloc[row]), float(table[high].iloc[row])


def _coverage(name: str, intervals: list[tuple[float, float]], truth: float) -> float:
    """Share of intervals covering the truth; prints it with its Monte Carlo standard error."""
    hits = np.array([low < truth < high for low, high in intervals])
    share = float(hits.mean())
    print(f"{name}: 95% CI coverage {share:.3f} (MC s.e. {np.sqrt(share * (1 - share) / len(hits)):.3f}, {len(hits)} draws)")
    return share


# --------------------------------------------------------------------------- machinery


def test_premium_point_estimate_is_ols_and_its_title_interval_is_wider_than_the_posting_one() -> None:
    market = _title_market(np.random.default_rng(3), n=1_500)
    x = pd.get_dummies(market[list(MC_CONTROLS)].astype(str), drop_first=True).astype(float)
    reference = sm.OLS(market["log_salary_usd"], sm.add_constant(pd.concat([market[["is_ai"]], x], axis=1))).fit()
    premium = estimate_premium(market, MC_CONTROLS, min_cell_size=1)
    assert premium.log_points == pytest.approx(reference.params["is_ai"])
    assert premium.clusters == market["job_title"].nunique() and premium.n == len(market)
    assert 1 < premium.inference.effective_clusters < premium.clusters  # a few titles carry the estimate
    table = compare_clustering(market, MC_CONTROLS, min_cell_size=1).set_index("inference")
    widths = table["ci_high"] - table["ci_low"]
    assert widths.iloc[-1] > 2 * widths.loc["CR1 by posting"]
    assert table.loc["CR1 by posting", "clusters"] == len(market)


def test_title_blocks_keep_titles_whole_and_large_titles_alone() -> None:
    titles = pd.Series(["big"] * 50 + ["mid"] * 20 + [f"small {i}" for i in range(30)])
    blocks = assign_title_blocks(titles, 5)
    frame = pd.DataFrame({"title": titles, "block": blocks})
    assert (frame.groupby("title")["block"].nunique() == 1).all()
    assert frame.loc[frame["title"] == "big", "block"].iloc[0] not in set(frame.loc[frame["title"] != "big", "block"])
    assert sorted(np.unique(blocks)) == list(range(5))
    with pytest.raises(ParameterError, match="title_blocks"):
        assign_title_blocks(titles, 2)


def test_title_block_jackknife_is_the_inference_layers_jackknife_over_blocks() -> None:
    market = _title_market(np.random.default_rng(4), n=600)
    y = market["log_salary_usd"].to_numpy()
    is_ai = market["is_ai"].to_numpy() == 1

    def gap(mask: np.ndarray) -> float:
        return float(y[mask & is_ai].mean() - y[mask & ~is_ai].mean())

    ours = _title_block_jackknife(market, lambda mask: np.array([gap(mask), 2 * gap(mask)]), 6)
    blocked = market.assign(title_block=assign_title_blocks(market["job_title"], 6))
    reference = jackknife_over_units(blocked, lambda d: gap(market.index.isin(d.index)), unit="title_block")
    assert (ours[0].value, ours[0].se, ours[0].ci_low, ours[0].p_value) == pytest.approx(
        (reference.value, reference.se, reference.ci_low, reference.p_value))
    assert ours[0].inference == reference.inference
    assert ours[1].se == pytest.approx(2 * reference.se)


def test_quantile_fit_reaches_linprogs_optimal_vertex() -> None:
    """Quantile regressions on dummies have many optimal vertices (they differ by 1e-5 to 1e-3 here): the direct
    HiGHS call on the merged tied rows must reach linprog's. The same vertex, not always the same last bits: HiGHS
    recomputes the duals from the basis of the LP it was given, whose columns are merged (differences ≤ 4e-15)."""
    market = _title_market(np.random.default_rng(5), n=600)
    x, _ = _design(market, {"is_ai": market["is_ai"].to_numpy(dtype="float64")}, MC_CONTROLS, 1)
    y = np.round(market["log_salary_usd"].to_numpy(), 1)  # ties, as rounded salaries have: a degenerate LP
    quantiles = (0.1, 0.5, 0.9)
    for q, fit in zip(quantiles, _quantile_fits(y, x, quantiles), strict=True):
        reference = linprog(-y, A_eq=x.T, b_eq=(1 - q) * x.sum(axis=0), bounds=(0, 1), method="highs")
        np.testing.assert_allclose(fit, -reference.eqlin.marginals, rtol=0, atol=1e-12)


def test_tied_rows_merge_into_their_first_occurrence_with_their_count() -> None:
    """The merge HiGHS's presolve makes of identical observations: first occurrences in order, counts as bounds."""
    rng = np.random.default_rng(2)
    x = np.column_stack([np.ones(200), rng.integers(0, 2, (200, 3))]).astype(float)
    y = np.round(rng.normal(11, 0.3, 200), 1)
    y_once, x_once, counts = _merge_tied_rows(y, x)
    rows = pd.DataFrame(np.column_stack([x, y]))
    first = rows.drop_duplicates()
    assert np.array_equal(np.column_stack([x_once, y_once]), first.to_numpy())
    assert np.array_equal(counts, rows.value_counts(sort=False).loc[list(map(tuple, first.to_numpy()))].to_numpy())
    assert counts.sum() == 200 and len(counts) < 200


def test_dispersion_spread_is_numpys_std_and_quantiles_bit_for_bit() -> None:
    """_spread takes np.std's and np.quantile's steps without their overhead: the same numbers, ties and NaN included."""
    rng = np.random.default_rng(3)
    samples = [rng.normal(0, 0.3, n) for n in rng.integers(3, 600, 300)]
    samples += [np.round(s, 1) for s in samples[:100]] + [rng.integers(-2, 3, 50).astype(float), np.array([1.0, np.nan, 2.0])]
    samples += [rng.normal(5, 1, 400)[::3], np.full(7, 0.25)]
    for values in samples:
        low, high = np.quantile(values, [0.1, 0.9])
        expected = (float(np.std(values)), float(high - low))
        assert np.array_equal(_spread(values), expected, equal_nan=True), values


def test_common_support_keeps_only_cells_with_both_groups() -> None:
    frame = pd.DataFrame({
        "source": ["a"] * 6 + ["b"] * 4, "work_year": [2024] * 4 + [2025] * 2 + [2024] * 4,
        "is_ai": [1, 1, 0, 0, 1, 1, 0, 0, 0, 1], "posting_id": np.arange(10),
    })
    kept, cells = restrict_to_common_support(frame, min_cell_size=2)
    assert set(map(tuple, kept[["source", "work_year"]].drop_duplicates().to_numpy())) == {("a", 2024)}
    assert cells["kept"].sum() == 1
    with pytest.raises(ParameterError, match="within-file comparison"):
        restrict_to_common_support(frame, min_cell_size=5)


# --------------------------------------------------------------------------- recovery on the twin


def test_controlled_premium_recovers_the_truth_and_raw_gap_is_confounded(labelled: pd.DataFrame, truth: dict) -> None:
    ladder = estimate_control_ladder(labelled).set_index("label")
    assert list(ladder.index) == list(CONTROL_LADDER)
    full = estimate_premium(labelled)
    assert _covers(full, truth["ai_premium_log"])
    assert full.inference.cluster == "job_title" and full.inference.draws == 999
    # Core-AI postings lean to US employers, so the raw gap overstates the premium.
    assert ladder.loc["raw", "log_points"] > ladder.loc["+ country", "log_points"]


def test_premium_by_level_recovers_each_level(labelled: pd.DataFrame, truth: dict) -> None:
    by_level = estimate_premium_by(labelled, "experience_level")
    rows = by_level.table.set_index("experience_level")
    for level, true_log in truth["ai_premium_log_by_level"].items():
        assert rows.loc[level, "ci_low_log"] < true_log < rows.loc[level, "ci_high_log"], level
    assert by_level.wald_df == 3
    assert set(by_level.premiums) == set(rows.index)


def test_premium_by_year_skips_thin_years_and_the_trend_is_flat(labelled: pd.DataFrame, truth: dict) -> None:
    by_year = estimate_premium_by(labelled, "work_year", min_cell_size=40)
    assert (by_year.table[["ai_postings", "comparison_postings"]] >= 40).all().all()
    assert by_year.skipped  # 2020 has almost no AI postings in the twin
    trend = estimate_premium_trend(labelled)
    assert _covers(trend, truth["ai_premium_trend_log_per_year"])


def test_quantile_premiums_recover_the_widening_premium(labelled: pd.DataFrame, truth: dict) -> None:
    table, spread = estimate_quantile_premiums(labelled, quantiles=(0.1, 0.9), title_blocks=5)
    rows = table.set_index("quantile")
    for q in (0.1, 0.9):
        true_log = truth["ai_premium_log_by_quantile"][q]
        assert rows.loc[f"q{round(q * 100)}", "ci_low_log"] < true_log < rows.loc[f"q{round(q * 100)}", "ci_high_log"]
    true_spread = truth["ai_premium_log_by_quantile"][0.9] - truth["ai_premium_log_by_quantile"][0.1]
    assert _covers(spread, true_spread)
    assert spread.inference.clusters == 5 and spread.inference.df == 4


def test_oaxaca_parts_add_up_and_unexplained_part_is_the_controlled_premium(labelled: pd.DataFrame) -> None:
    parts = decompose_gap(labelled, title_blocks=10).set_index("component")
    total, explained, unexplained = parts["log_points"]
    raw_gap = labelled.groupby("is_ai")["log_salary_usd"].mean().diff().iloc[-1]
    assert total == pytest.approx(raw_gap)
    assert explained + unexplained == pytest.approx(total)
    assert unexplained == pytest.approx(estimate_premium(labelled).log_points)
    assert (parts["ci_low_log"] <= parts["log_points"]).all() and (parts["log_points"] <= parts["ci_high_log"]).all()
    assert (parts["blocks"] == 10).all()


def test_company_size_gaps_recover_the_size_effects(labelled: pd.DataFrame, truth: dict) -> None:
    # The twin has only 4 AI titles and no title effects: clustering by posting is right for it.
    gaps = estimate_company_size_gaps(labelled, cluster="posting_id")
    rows = gaps.table.set_index("comparison")
    effect = truth["company_size_effect_log"]
    for comparison, true_log in (("L vs M", effect["L"] - effect["M"]), ("S vs M", effect["S"] - effect["M"])):
        assert rows.loc[comparison, "ci_low_log"] < true_log < rows.loc[comparison, "ci_high_log"], comparison
    assert rows["p_holm"].notna().sum() == 2
    assert not gaps.skipped and gaps.note == ""


def test_sparse_company_sizes_are_left_out_with_a_note_not_a_crash(labelled: pd.DataFrame) -> None:
    ai = labelled[labelled["is_ai"] == 1]
    small = ai.index[ai["company_size"] == "S"]
    thinned = labelled.drop(small[5:])
    gaps = estimate_company_size_gaps(thinned)
    assert gaps.skipped == ("S",) and "['S']" in gaps.note
    assert list(gaps.table["comparison"]) == ["L vs M"]
    assert "['S']" in judge_company_size(gaps).rationale
    nothing = estimate_company_size_gaps(labelled, min_cell_size=100_000)
    assert nothing.table.empty
    assert judge_company_size(nothing).verdict == "inconclusive"


def test_dispersion_is_higher_for_ai_and_stable_over_time(labelled: pd.DataFrame, truth: dict) -> None:
    cells, trends = measure_dispersion(labelled, title_blocks=10)
    mean_sd = cells.groupby("group")["sd"].mean()
    assert mean_sd["AI"] > mean_sd["comparison"]
    assert abs(mean_sd["AI"] - truth["noise_sd"]["ai"]) < 0.05
    assert (cells["sd_ci_low"] <= cells["sd"]).all() and (cells["sd"] <= cells["sd_ci_high"]).all()
    assert set(trends["group"]) == {"AI", "comparison", "AI − comparison"}
    assert set(trends["measure"]) == {"sd", "p90_p10"}
    difference = trends.set_index(["measure", "group"]).loc[("p90_p10", "AI − comparison")]
    assert difference["ci_low"] < 0 < difference["ci_high"]  # the twin's dispersion does not change over time
    assert difference["inference"].df == 9


def test_specification_curve_covers_every_combination(raw: pd.DataFrame, truth: dict) -> None:
    comparisons = {"non-AI tech": {}, "security board": {"comparison_sources": ["isecjobs_infosec_salaries"]}}
    curve = run_specification_curve(raw, ai_definitions=("core_ai", "ai_field_files"), comparisons=comparisons,
                                     pair_handlings=("midpoint", "all_rows"), draws=FEW_DRAWS)
    assert len(curve) == 2 * 2 * 2
    assert curve["percent"].is_monotonic_increasing
    assert (curve["method"] == "wild cluster bootstrap (WCR, Webb)").all()
    core = curve.loc[curve["ai_definition"] == "core_ai"]
    assert ((core["ci_low"] < truth["ai_premium_percent"] + 5) & (core["ci_high"] > truth["ai_premium_percent"] - 5)).all()


def test_specification_study_holds_the_headline_design_once(raw: pd.DataFrame) -> None:
    study = run_specification_study(raw, sorted(raw["source"].unique()), "core_ai", "non_ai_tech", None,
                                    "midpoint", True, draws=FEW_DRAWS)
    chosen = study.curve[(study.curve["ai_definition"] == "core_ai") & (study.curve["pair_handling"] == "midpoint")
                         & study.curve["drop_exact_duplicates"] & (study.curve["comparison"] == HEADLINE_COMPARISON)]
    assert len(chosen) == 1
    assert len(study.curve) == len(study.definitions) + len(study.handling) - 1
    assert study.curve["percent"].is_monotonic_increasing


# --------------------------------------------------------------------------- coverage under title effects


@pytest.mark.slow
def test_premium_ci_covers_95_percent_with_title_effects() -> None:
    intervals = [estimate_premium(_title_market(np.random.default_rng(10_000 + draw)), MC_CONTROLS, draws=FEW_DRAWS).ci_log
                 for draw in range(300)]
    assert 0.90 <= _coverage("premium, wild bootstrap by title", intervals, TRUE_PREMIUM) <= 0.985


@pytest.mark.slow
def test_entry_level_premium_ci_covers_95_percent_with_title_effects() -> None:
    intervals = [estimate_premium_by(_title_market(np.random.default_rng(20_000 + draw)), "experience_level", MC_CONTROLS,
                                     draws=FEW_DRAWS).premiums["EN"].ci_log for draw in range(200)]
    assert 0.90 <= _coverage("entry-level premium, wild bootstrap by title", intervals, TRUE_PREMIUM) <= 0.985


@pytest.mark.slow
def test_premium_trend_ci_covers_95_percent_with_title_year_shocks() -> None:
    slope = -0.01
    intervals = [estimate_premium_trend(_title_market(np.random.default_rng(30_000 + draw), slope=slope, title_year_sd=0.03),
                                        MC_CONTROLS, draws=FEW_DRAWS).ci_log for draw in range(300)]
    assert 0.90 <= _coverage("premium trend, wild bootstrap by title", intervals, slope) <= 0.985


def _expected_quantile_spread(rng: np.random.Generator, draws: int = 2_000) -> float:
    """The estimand of the 90−10 quantile premium: the population quantiles of each group's mixture over its
    titles (fixed shares, random title effects), averaged over title draws — with ≈ 4.5 effective AI titles the
    mixture is narrower than N(0, σ² + τ²).

    Each quantile is interpolated on a grid of 5,001 points; the mixture CDF is evaluated only on every 50th
    point and then on the 51 points around the quantile, which is all the interpolation reads (the same numbers
    as the whole grid, at 1/30 of the cost)."""
    grid = np.linspace(-2.5, 2.5, 5_001)
    coarse = np.arange(0, len(grid), 50)

    def mixture_cdf(points: np.ndarray, effects: np.ndarray, shares: np.ndarray, sd: float) -> np.ndarray:
        return (special.ndtr((points[..., None] - effects[:, None, :]) / sd) * (shares / shares.sum())).sum(axis=2)

    def quantiles(shares: np.ndarray, sd: float) -> np.ndarray:
        effects = rng.normal(0, TITLE_SD, (draws, len(shares)))
        at_coarse = mixture_cdf(grid[coarse], effects, shares, sd)
        by_quantile = []
        for q in (0.1, 0.9):  # both lie well inside the grid, so every window does
            window = coarse[(at_coarse <= q).sum(axis=1) - 1][:, None] + np.arange(51)
            cdf = mixture_cdf(grid[window], effects, shares, sd)
            by_quantile.append([np.interp(q, row, grid[points]) for row, points in zip(cdf, window)])
        return np.array(by_quantile).T

    ai, other = quantiles(AI_TITLE_SHARES, NOISE_SD[True]), quantiles(COMPARISON_TITLE_SHARES, NOISE_SD[False])
    return float(np.mean((ai[:, 1] - other[:, 1]) - (ai[:, 0] - other[:, 0])))


@pytest.mark.slow
def test_quantile_spread_ci_covers_95_percent_with_title_effects() -> None:
    truth = _expected_quantile_spread(np.random.default_rng(1))
    # Each draw solves 2 × 11 linear programmes (10 blocks of the 18 titles): small markets keep it cheap.
    intervals = [estimate_quantile_premiums(_title_market(np.random.default_rng(40_000 + draw), n=400), (0.1, 0.9), (),
                                            title_blocks=10)[1].ci_log for draw in range(100)]
    assert 0.90 <= _coverage("90−10 quantile premium, jackknife over 10 title blocks", intervals, truth) <= 0.985


@pytest.mark.slow
def test_oaxaca_explained_part_ci_covers_95_percent_with_title_effects() -> None:
    truth = float((LEVEL_MIX[True] - LEVEL_MIX[False]) @ LEVEL_EFFECT)
    intervals = []
    for draw in range(200):
        parts = decompose_gap(_title_market(np.random.default_rng(50_000 + draw), n=2_000), MC_CONTROLS)
        intervals.append(_interval(parts, "ci_low_log", "ci_high_log", component="explained by characteristics"))
    assert 0.90 <= _coverage("Oaxaca–Blinder explained part, title jackknife", intervals, truth) <= 0.985


@pytest.mark.slow
def test_dispersion_trend_ci_covers_95_percent_with_title_year_shocks() -> None:
    """No group's pay spreads out over time, but every title has its own yearly shock: the AI − comparison
    trend of the P90−P10 spread (the stratification test) must cover zero 95% of the time."""
    intervals = []
    for draw in range(200):
        market = _title_market(np.random.default_rng(60_000 + draw), n=2_000, title_year_sd=0.03)
        trends = measure_dispersion(market, ("experience_level",), title_blocks=10)[1]
        intervals.append(_interval(trends, "ci_low", "ci_high", measure="p90_p10", group="AI − comparison"))
    assert 0.90 <= _coverage("P90−P10 trend, AI − comparison, jackknife over 10 title blocks", intervals, 0.0) <= 0.985


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
    with pytest.raises(ParameterError, match="lacks column"):
        estimate_premium(labelled.drop(columns="job_title"))
    with pytest.raises(ParameterError, match="empty"):
        estimate_premium(labelled.iloc[0:0])


# --------------------------------------------------------------------------- verdict rules


def _premium(log_points: float, half_width: float, label: str = "x") -> Premium:
    inference = Inference("wild cluster bootstrap (WCR, Webb)", "job_title", 60, 4.5, None, 999)
    return Premium(label, log_points, half_width / 1.96, (log_points - half_width, log_points + half_width), 0.01, 1_000, inference)


def _curve(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    """Specification rows (ai_definition, log_points, half width) as run_specification_curve returns them."""
    return pd.DataFrame([{"ai_definition": d, "comparison": f"spec {i}", "pair_handling": "midpoint",
                          "drop_exact_duplicates": True, "log_points": b, "ci_low_log": b - w, "ci_high_log": b + w,
                          "percent": 100 * np.expm1(b)} for i, (d, b, w) in enumerate(rows)])


def test_ai_premium_verdict_uses_the_five_percent_threshold_and_the_specification_family() -> None:
    agreeing = _curve([("core_ai", 0.15, 0.03), ("core_ai", 0.12, 0.03), ("core_ai_and_data", -0.05, 0.02)])
    supported = judge_ai_premium(_premium(0.15, 0.03), agreeing, "core_ai")
    assert supported.verdict == "supported" and supported.threshold == 5 and supported.p_value < 0.025
    assert "core_ai_and_data: -4.9% to -4.9%" in supported.rationale  # other definitions are reported, not judged
    assert "by job title" in supported.rationale and supported.inference["cluster_variable"] == "job_title"
    # Positive but not clearly above +5%: inconclusive; below +5% throughout: contradicted.
    assert judge_ai_premium(_premium(0.06, 0.03), agreeing, "core_ai").verdict == "inconclusive"
    assert judge_ai_premium(_premium(0.02, 0.01), agreeing, "core_ai").verdict == "contradicted"
    split = _curve([("core_ai", 0.25, 0.03), ("core_ai", 0.0, 0.01)])
    assert judge_ai_premium(_premium(0.15, 0.03), split, "core_ai").verdict == "mixed"


def test_senior_trend_verdict_is_judged_against_minus_one_point_a_year() -> None:
    assert judge_senior_premium_trend(_premium(0.0, 0.005)).verdict == "supported"
    assert judge_senior_premium_trend(_premium(0.0, 0.02)).verdict == "inconclusive"
    assert judge_senior_premium_trend(_premium(-0.05, 0.01)).verdict == "contradicted"


def test_entry_level_verdict_is_inconclusive_without_entry_level_cells() -> None:
    table = pd.DataFrame({"experience_level": ["SE"], "percent": [10.0], "ci_low": [5.0], "ci_high": [15.0],
                          "ai_postings": [50], "comparison_postings": [60]})
    result = judge_entry_level_premium(GroupPremiums("experience_level", table, float("nan"), 0, float("nan"), ("EN",),
                                                     {"SE": _premium(0.1, 0.05)}))
    assert result.verdict == "inconclusive" and result.estimate is None


def test_stratification_verdict_rests_on_the_dispersion_trend_not_the_quantile_contrast() -> None:
    def trends(difference: float, half_width: float) -> pd.DataFrame:
        inference = Inference("delete-one-unit jackknife, t(U−1)", "title_block", 20, 6.0, 19, None)
        return pd.DataFrame({"measure": ["p90_p10"] * 2, "group": ["AI", "AI − comparison"], "years": [4, 4], "n": [900, 900],
                             "slope": [difference, difference], "ci_low": [difference - half_width] * 2,
                             "ci_high": [difference + half_width] * 2, "inference": [inference] * 2})
    narrowing_top = _premium(-0.2, 0.02)  # the cross-section says nothing about widening over time
    assert judge_stratification(trends(0.02, 0.01), narrowing_top).verdict == "supported"
    assert judge_stratification(trends(0.0, 0.01), _premium(0.2, 0.02)).verdict == "inconclusive"
    assert judge_stratification(trends(-0.02, 0.01), _premium(0.2, 0.02)).verdict == "contradicted"
    missing = judge_stratification(trends(0.0, 0.01).iloc[:1], _premium(0.2, 0.02))
    assert missing.verdict == "inconclusive" and "could not be estimated" in missing.rationale


def test_company_size_verdict_uses_large_vs_medium_and_the_family() -> None:
    def gaps(l_vs_m: float, l_vs_s: float) -> CompanySizeGaps:
        premiums = {"L vs M": _premium(l_vs_m, 0.02, "L vs M"), "L vs S": _premium(l_vs_s, 0.02, "L vs S")}
        table = pd.DataFrame([{"comparison": k, **p.as_row(), "p_holm": 0.01, "postings_first": 50, "postings_second": 400}
                              for k, p in premiums.items()]).drop(columns="label")
        return CompanySizeGaps(table, {"S": 50, "M": 400, "L": 50}, (), premiums)
    assert judge_company_size(gaps(0.08, 0.12)).verdict == "supported"
    assert judge_company_size(gaps(-0.08, -0.12)).verdict == "contradicted"
    assert judge_company_size(gaps(0.0, 0.01)).verdict == "inconclusive"
    assert judge_company_size(gaps(0.08, -0.12)).verdict == "mixed"


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
    not_well = judge_traditional_industries(pay([below], wage=60_000.0), 70_000)
    assert not_well.verdict == "inconclusive" and not_well.rationale.startswith("The 'pays well' part fails")


# --------------------------------------------------------------------------- figures


def test_figures_carry_titles_units_and_the_synthetic_footer(synthetic_store, labelled: pd.DataFrame, raw: pd.DataFrame) -> None:
    sources = sorted(raw["source"].unique())
    ladder = estimate_control_ladder(labelled, draws=FEW_DRAWS)
    curve = run_specification_curve(raw, ai_definitions=("core_ai",), pair_handlings=("midpoint", "max"), draws=FEW_DRAWS)
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

