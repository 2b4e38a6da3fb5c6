"""Industry evidence on AI moving beyond tech: grouping NCSES rows, trends with CIs, shift-share,
OEWS shares, Indeed comparisons and the three verdicts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from talentmarket.analyses import migration
from talentmarket.analyses.migration.estimates import (
    ALL_INDUSTRIES,
    OUTSIDE_TECH,
    add_combined_group,
    aggregate_groups,
    estimate_annual_trend,
    parse_groups,
)
from talentmarket.data import j2j, ncses, oews, postings, wages
from talentmarket.data.oews import INDUSTRY_GROUPS
from talentmarket.data.oews import TECH_GROUP as TECH
from talentmarket.data.store import DataStore
from talentmarket.data.synthetic import synthetic_truth
from talentmarket.errors import ParameterError
from talentmarket.results.contract import VERDICTS
from talentmarket.results.registry import load_registry

YEARS = (2019, 2020, 2021, 2022)


def _tidy_rows(values: dict[str, dict[int, float]], measure: str = "ai_rd_amount", statuses: dict | None = None) -> pd.DataFrame:
    """An NCSES-shaped tidy frame: ``values`` maps NAICS code ("ALL" = the depth-1 row) → year → value."""
    rows = []
    for code, by_year in values.items():
        for year, value in by_year.items():
            status, low, high, flag = (statuses or {}).get((code, year), ("reported", value, value, ""))
            rows.append({
                "year": year, "naics_code": "21–23, 31–33, 42–81" if code == "ALL" else code, "depth": 1 if code == "ALL" else 3,
                "measure": measure, "value": value if status == "reported" else math.nan, "low": low, "high": high,
                "status": status, "flag": flag,
            })
    return pd.DataFrame(rows)


def _synthetic_panel(growth: dict[str, float], start: dict[str, float], noise: float, rng: np.random.Generator) -> pd.DataFrame:
    """Industries growing at known log rates with lognormal noise; "ALL" is their sum."""
    values = {code: {y: start[code] * math.exp(growth[code] * (y - YEARS[0]) + rng.normal(0, noise)) for y in YEARS} for code in growth}
    values["ALL"] = {y: sum(values[c][y] for c in growth) for y in YEARS}
    return _tidy_rows(values)


# --- Groups -----------------------------------------------------------------------------------------------

def test_groups_add_subtract_and_get_reference_groups() -> None:
    groups = parse_groups({"Manufacturing excl. computers": ["31-33", "-334"], TECH: ["51", "334"]})
    assert groups["Manufacturing excl. computers"] == [(1, "31–33"), (-1, "334")]
    assert groups[OUTSIDE_TECH] == [(1, "ALL"), (-1, "51"), (-1, "334")]
    frame = _tidy_rows({"ALL": {2019: 100.0}, "31–33": {2019: 40.0}, "334": {2019: 15.0}, "51": {2019: 30.0}})
    values = aggregate_groups(frame, groups, "ai_rd_amount", "year").set_index("group")["value"]
    assert values.to_dict() == {"Manufacturing excl. computers": 25.0, TECH: 45.0, ALL_INDUSTRIES: 100.0, OUTSIDE_TECH: 55.0}


def test_ranges_bound_the_group_and_withheld_parts_make_it_missing() -> None:
    groups = parse_groups({"A minus B": ["52", "-53"], TECH: ["51"], "Withheld": ["54"]})
    statuses = {("52", 2019): ("range", 10.0, 20.0, "i"), ("53", 2019): ("range", 1.0, 3.0, ""),
                ("54", 2019): ("suppressed", math.nan, math.nan, "")}
    frame = _tidy_rows({"ALL": {2019: 100.0}, "51": {2019: 50.0}, "52": {2019: 0.0}, "53": {2019: 0.0}, "54": {2019: 0.0}},
                       statuses=statuses)
    row = aggregate_groups(frame, groups, "ai_rd_amount", "year").set_index("group").loc["A minus B"]
    assert (row["value"], row["low"], row["high"], row["flags"], row["bounded"]) == (13.0, 7.0, 19.0, "i", True)
    withheld = aggregate_groups(frame, groups, "ai_rd_amount", "year").set_index("group").loc["Withheld"]
    assert math.isnan(withheld["value"])


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({"Finance": ["52"]}, "tech_group 'Tech' is not one of"),
        ({TECH: ["51"], OUTSIDE_TECH: ["52"]}, "reserved"),
        ({TECH: "51"}, "non-empty list"),
        ({TECH: []}, "non-empty list"),
    ],
)
def test_bad_group_definitions_are_refused(groups: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        parse_groups(groups)


def test_unknown_naics_codes_and_measures_are_named() -> None:
    frame = _tidy_rows({"ALL": {2019: 1.0}, "51": {2019: 1.0}})
    with pytest.raises(ParameterError, match=r"NAICS code\(s\) \['999'\] are not rows"):
        aggregate_groups(frame, parse_groups({TECH: ["51"], "Bad": ["999"]}), "ai_rd_amount", "year")
    with pytest.raises(ParameterError, match="measure 'rd_amount' not in the table"):
        aggregate_groups(frame, parse_groups({TECH: ["51"]}), "rd_amount", "year")


def test_combined_group_sums_its_members() -> None:
    groups = parse_groups(INDUSTRY_GROUPS)
    label = add_combined_group(groups, ["Health care", "Finance and insurance"])
    assert groups[label] == [(1, "621–23"), (1, "52")]
    with pytest.raises(ParameterError, match="to combine"):
        add_combined_group(groups, ["Retail"])


# --- Trends: recovery and coverage --------------------------------------------------------------------------

def test_annual_trend_recovers_a_known_slope_exactly_without_noise() -> None:
    trend = estimate_annual_trend(pd.Series({2019: 10.0, 2020: 12.5, 2021: 15.0, 2022: 17.5}), log=False)
    assert trend.slope == pytest.approx(2.5) and trend.ci_low == pytest.approx(2.5)
    growth = estimate_annual_trend(pd.Series({y: 100 * 1.3 ** (y - 2019) for y in YEARS}), log=True)
    assert growth.per_year[0] == pytest.approx(30.0)


def test_annual_trend_needs_three_years_and_positive_values_for_growth() -> None:
    with pytest.raises(ParameterError, match="three or more years"):
        estimate_annual_trend(pd.Series({2019: 1.0, 2022: 2.0}), log=False)
    with pytest.raises(ParameterError, match="positive values"):
        estimate_annual_trend(pd.Series({2019: 1.0, 2020: 0.0, 2021: 2.0}), log=True)


@pytest.mark.slow
def test_annual_trend_interval_covers_the_true_slope_at_95_percent() -> None:
    """Monte Carlo: 2,000 four-year series with normal noise around a known line."""
    rng = np.random.default_rng(3)
    years = pd.Index(YEARS)
    line = (1 + 0.2 * (years - 2019)).to_numpy()
    hits = [
        (lambda t: t.ci_low <= 0.2 <= t.ci_high)(estimate_annual_trend(pd.Series(line + rng.normal(0, 0.3, 4), index=years), log=False))
        for _ in range(2000)
    ]
    assert 0.93 <= np.mean(hits) <= 0.97


def test_growth_gap_recovers_known_growth_rates() -> None:
    rng = np.random.default_rng(5)
    panel = _synthetic_panel({"51": 0.40, "52": 0.20, "621–23": 0.05}, {"51": 5000.0, "52": 300.0, "621–23": 80.0}, 0.0, rng)
    groups = parse_groups({TECH: ["51"], "Finance": ["52"], "Health": ["621–23"]})
    growth = migration.estimate_growth(aggregate_groups(panel, groups, "ai_rd_amount", "year"), ["Finance", "Health"], TECH)
    table = growth.set_index("group")
    assert table.at["Finance", "growth_pct_per_year"] == pytest.approx(100 * math.expm1(0.20))
    assert table.at["Health", "gap_pct_per_year"] == pytest.approx(100 * math.expm1(0.05 - 0.40))
    assert growth.attrs["reference_growth"][0] == pytest.approx(100 * math.expm1(0.40))


def test_share_trends_recover_a_rising_share_and_its_bounds() -> None:
    values = {"ALL": {y: 100.0 for y in YEARS}, "51": {y: 60.0 - 2 * (y - 2019) for y in YEARS}, "52": {y: 40.0 + 2 * (y - 2019) for y in YEARS}}
    groups = parse_groups({TECH: ["51"], "Finance": ["52"]})
    shares = migration.add_shares(aggregate_groups(_tidy_rows(values), groups, "ai_rd_amount", "year"), "year")
    table = migration.estimate_share_trends(shares, [OUTSIDE_TECH, "Finance"]).set_index("group")
    assert table.at[OUTSIDE_TECH, "trend_pp_per_year"] == pytest.approx(2.0)
    assert table.at["Finance", "change_pp"] == pytest.approx(6.0) == table.at["Finance", "change_low_pp"]


# --- Shift-share ------------------------------------------------------------------------------------------

def test_shift_share_components_add_up_to_the_economy_wide_change() -> None:
    rd = _tidy_rows({"ALL": {2019: 1000.0, 2022: 1200.0}, "51": {2019: 400.0, 2022: 600.0}, "52": {2019: 100.0, 2022: 100.0}}, "rd_amount")
    ai = _tidy_rows({"ALL": {2019: 50.0, 2022: 120.0}, "51": {2019: 40.0, 2022: 90.0}, "52": {2019: 2.0, 2022: 10.0}})
    groups = parse_groups({TECH: ["51"], "Finance": ["52"]})
    by_measure = {m: aggregate_groups(frame, groups, m, "year") for m, frame in (("rd_amount", rd), ("ai_rd_amount", ai))}
    table = migration.decompose_ai_intensity(by_measure, ["Finance", TECH], 2019, 2022)
    assert table["total_pp"].sum() == pytest.approx(table.attrs["economy_change_pp"]) == pytest.approx(100 * (120 / 1200 - 50 / 1000))
    finance = table.set_index("group").loc["Finance"]
    assert finance["within_pp"] == pytest.approx(100 * 0.1 * (0.10 - 0.02))
    assert set(table["group"]) == {"Finance", TECH, "Rest of economy"}


# --- ABS: AI-using companies ---------------------------------------------------------------------------------

def _abs_rows(code: str, wave: str, companies: float, answers: dict[str, tuple[str, float]]) -> list[dict]:
    base = {"period": wave, "row_id": code, "naics_code": "x" if code == "ALL" else code, "depth": 1 if code == "ALL" else 3, "flag": ""}
    rows = [{**base, "measure": "companies", "value": companies, "low": companies, "high": companies, "status": "reported"}]
    for answer, (status, value) in answers.items():
        reported = status == "reported"
        rows.append({**base, "measure": answer, "status": status, "value": value if reported else math.nan,
                     "low": value if reported else math.nan, "high": value if reported else math.nan})
    return rows


def test_ai_using_companies_bound_withheld_answers_by_what_is_left_of_100_percent() -> None:
    answers_2021 = {"a_lot": ("reported", 1.0), "somewhat": ("suppressed", 0.0), "a_little": ("reported", 3.0), "not_at_all": ("reported", 94.0)}
    frame = pd.DataFrame(_abs_rows("51", "2021", 1000.0, answers_2021))
    row = migration.ai_using_companies(frame).set_index("measure").loc["ai_using_companies"]
    assert (row["low"], row["high"], row["status"]) == (40.0, 60.0, "range")


def test_ai_use_summary_gives_rates_and_shares_outside_tech() -> None:
    rows = []
    for wave, answers in migration.AI_USE_ANSWERS.items():
        rest = [a for a in ("did_not_use", "not_at_all") if (wave == "2021") == (a == "not_at_all")]
        for code, companies, share in (("ALL", 10_000.0, 5.0), ("51", 1_000.0, 20.0)):
            detail = {answer: ("reported", share / 3) for answer in answers} | {rest[0]: ("reported", 100 - share)}
            rows += _abs_rows(code, wave, companies, detail)
    use = migration.summarize_ai_use(pd.DataFrame(rows), parse_groups({TECH: ["51"]})).set_index(["period", "group"])
    assert use.at[("2021", TECH), "use_rate_pct"] == pytest.approx(20.0)
    assert use.at[("2021", OUTSIDE_TECH), "share_pct"] == pytest.approx(60.0)  # (500 - 200) of 500 AI users


# --- OEWS shares -------------------------------------------------------------------------------------------------

def _oews_rows(rows: list[tuple[str, int, str, float, float]], occ_code: str = "15-2051") -> pd.DataFrame:
    return pd.DataFrame(
        [{"industry_code": code, "industry_level": level, "naics_sector": sector, "occ_code": occ_code,
          "employment": employment, "employment_percent_relative_standard_error": rse} for code, level, sector, employment, rse in rows]
    )


def test_oews_shares_map_naics_codes_and_carry_rse_uncertainty() -> None:
    frame = pd.concat([
        _oews_rows([("51--52", 2, "51", 300.0, 10.0), ("52--53", 2, "52", 500.0, 0.0), ("62--63", 2, "62", 200.0, 0.0),
                    ("621000", 3, "62", 120.0, 0.0), ("622000", 3, "62", 60.0, 0.0)]),
        _oews_rows([("623000", 3, "62", 10.0, 0.0)], occ_code="15-1221"),  # the table has 623000, not for data scientists
    ])
    groups = parse_groups({TECH: ["51"], "Health care": ["621–23"]})
    table = migration.oews_group_shares(frame, groups, ["15-2051"]).set_index("group")
    assert table.at["Health care", "employment"] == 180.0 and table.at["Health care", "not_published"] == "623000"
    assert table.at[TECH, "share_pct"] == pytest.approx(30.0)
    se = math.sqrt(0.7**2 * 30.0**2) / 1000  # only the tech estimate is uncertain (RSE 10% of 300)
    assert table.at[TECH, "share_ci_high"] == pytest.approx(100 * (0.3 + 1.959964 * se), rel=1e-5)
    assert table.at[OUTSIDE_TECH, "share_pct"] == pytest.approx(70.0)


def test_oews_refuses_unknown_occupations() -> None:
    with pytest.raises(ParameterError, match="not in the OEWS file"):
        migration.oews_group_shares(_oews_rows([("51--52", 2, "51", 1.0, 1.0)]), parse_groups({TECH: ["51"]}), ["15-9999"])


# --- Wage growth gap -----------------------------------------------------------------------------------------------

def test_wage_growth_gap_recovers_a_known_difference() -> None:
    months = pd.date_range("2021-01-01", periods=48, freq="MS")
    rng = np.random.default_rng(9)
    overall = 0.04 + 0.005 * np.sin(np.arange(48) / 6)
    sector = overall - 0.01 + rng.normal(0, 0.001, 48)
    sector_wages = pd.DataFrame({"sector": "Nursing", "month": months, "posted_wage_growth_yoy": sector})
    country_wages = pd.DataFrame({"jobcountry": "US", "month": months, "posted_wage_growth_yoy": overall})
    row = migration.compare_wage_growth(sector_wages, country_wages, ["Nursing"], "2021-01-01").iloc[0]
    assert row["gap_ci_low"] < -1.0 < row["gap_ci_high"] and row["gap_pp"] == pytest.approx(-1.0, abs=0.05)


# --- Real data ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_groups() -> dict[str, list[tuple[int, str]]]:
    groups = parse_groups(INDUSTRY_GROUPS)
    add_combined_group(groups, ["Health care", "Finance and insurance"])
    return groups


@pytest.fixture(scope="module")
def real_berd(real_store: DataStore, real_groups: dict) -> dict[str, pd.DataFrame]:
    return migration.summarize_berd(ncses.load_berd_ai_rd(real_store), real_groups, list(YEARS))


def test_real_berd_groups_match_published_totals(real_berd: dict[str, pd.DataFrame]) -> None:
    ai = real_berd["ai_rd_amount"].set_index(["year", "group"])
    assert ai.at[(2019, ALL_INDUSTRIES), "value"] == 15_351 and ai.at[(2022, "Health care"), "value"] == 110
    assert ai.at[(2019, TECH), "value"] == 2_813 + 5_426 + 1_080  # computers/electronics + information + computer systems design
    shares = ai["share_pct"].unstack()
    np.testing.assert_allclose(shares[TECH] + shares[OUTSIDE_TECH], 100.0)
    assert ai.at[(2022, TECH), "flags"] == "i"


def test_real_years_are_checked(real_store: DataStore, real_groups: dict) -> None:
    with pytest.raises(ParameterError, match="choose three or more of the BERD years"):
        migration.summarize_berd(ncses.load_berd_ai_rd(real_store), real_groups, [2019, 2023])


def test_real_verdicts_are_valid_and_the_migration_claim_stays_inconclusive(
    real_store: DataStore, real_berd: dict[str, pd.DataFrame], real_groups: dict
) -> None:
    groups = list(real_groups)
    growth = migration.estimate_growth(real_berd["ai_rd_amount"], [g for g in groups if g != TECH], TECH)
    use = migration.summarize_ai_use(ncses.load_ai_use(real_store), real_groups)
    claims = [
        migration.judge_ai_spreading(migration.estimate_share_trends(real_berd["ai_rd_companies"], groups), use),
        migration.judge_growth_outside_tech(growth),
        migration.judge_into_healthcare_finance(growth, ["Health care", "Finance and insurance"], _real_j2j_context(real_store)),
    ]
    assert {c.id for c in claims} == set(load_registry().query("notebook == '04_sector_migration'")["id"])
    assert all(c.verdict in VERDICTS and c.ci_low <= c.estimate <= c.ci_high and c.n == 4 for c in claims)
    assert all(c.threshold == 0 and c.direction == "above" and c.inference["degrees_of_freedom"] == 2 for c in claims)
    assert claims[2].verdict == "inconclusive" and claims[2].rationale.startswith("No open data follows AI workers")
    assert "not origin × destination" in claims[2].rationale and "Health care and social assistance against" in claims[2].rationale
    assert all(0 <= c.p_value <= 1 for c in claims[:2])


def _real_j2j_context(real_store: DataStore) -> pd.DataFrame:
    sectors = [*migration.J2J_DESTINATIONS, *migration.J2J_REFERENCES.values()]
    return migration.compare_j2j_hiring(j2j.annual_rates(j2j.load_j2j(real_store), sectors))


def test_j2j_hiring_gap_recovers_the_synthetic_truth_and_is_a_holm_family() -> None:
    store = DataStore(synthetic=True, seed=8)
    truth = synthetic_truth(j2j.SOURCE, 8)["j2j_rate_log_slope"]
    rates = j2j.annual_rates(j2j.load_j2j(store), ["62", "52", "51+54", "31-33"])
    table = migration.compare_j2j_hiring(rates).set_index(["reference", "destination"])
    row = table.loc[("Manufacturing (31-33)", "62")]
    true_gap = 100 * math.expm1(truth["62"] - truth["31-33"])
    assert row["gap_pct_per_year"] == pytest.approx(true_gap, abs=1.0)
    assert row["gap_ci_low"] < row["gap_pct_per_year"] < row["gap_ci_high"] and row["dof"] == 8
    assert set(table["verdict_holm"]) <= {"supported", "contradicted", "inconclusive"}
    with pytest.raises(ParameterError, match=r"lack sectors \['54'\]"):
        migration.compare_j2j_hiring(rates[rates["sector"] != "51+54"], references={"Professional": "54"})


def test_real_j2j_context_reproduces_the_published_rates(real_store: DataStore) -> None:
    table = _real_j2j_context(real_store).set_index(["reference", "destination"])
    health = table.loc[("Tech-heavy (51 + 54)", "62")]
    assert health["rate_first_pct"] == pytest.approx(4.56, abs=0.005) and health["first_year"] == 2015 and health["last_year"] == 2024
    assert table.loc[("Tech-heavy (51 + 54)", "52"), "rate_first_pct"] == pytest.approx(4.30, abs=0.005)


def test_real_shift_share_adds_up(real_berd: dict[str, pd.DataFrame]) -> None:
    table = migration.decompose_ai_intensity(real_berd, ["Health care", "Finance and insurance", "Manufacturing excl. computers", TECH], 2019, 2022)
    assert table["total_pp"].sum() == pytest.approx(table.attrs["economy_change_pp"])


def test_real_oews_shares_cover_all_industries(real_store: DataStore, real_groups: dict) -> None:
    table = migration.oews_group_shares(oews.load_oews_by_industry(real_store), real_groups, [oews.DATA_SCIENTISTS]).set_index("group")
    assert table.at[ALL_INDUSTRIES, "employment"] == pytest.approx(262_410)  # the NAICS sectors add up to this
    assert table.at["Finance and insurance", "employment"] == 46_730
    assert table.at[TECH, "share_ci_low"] < table.at[TECH, "share_pct"] < table.at[TECH, "share_ci_high"]


def test_real_sector_postings_comparison_is_holm_adjusted(real_store: DataStore) -> None:
    index = postings.monthly_sector_postings(real_store, ["US"])
    table = migration.compare_sector_postings(index, "US", ["Banking & Finance", "Nursing"], "Software Development", "2022-12-01")
    assert (table["gap_p_holm"] >= table["gap_p"]).all() and len(table) == 2
    with pytest.raises(ParameterError, match="not in the US postings"):
        migration.compare_sector_postings(index, "US", ["Quantum Finance"], "Software Development", "2022-12-01")


def test_real_wage_growth_comparison_runs_on_the_sector_file(real_store: DataStore) -> None:
    table = migration.compare_wage_growth(
        wages.load_sector_wage_growth(real_store), wages.load_country_wage_growth(real_store, ["US"]), ["Nursing"], "2023-01-01"
    )
    assert table.iloc[0]["months"] >= 12 and table.iloc[0]["gap_ci_low"] < table.iloc[0]["gap_pp"] < table.iloc[0]["gap_ci_high"]
