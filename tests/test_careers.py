"""Job-history validation and the sector transition estimator: recovery, coverage and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentmarket.data.careers import DEFAULT_SECTORS, read_job_history, validate_job_history
from talentmarket.analyses.migration.flows import compare_destination_growth, estimate_transitions
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.data.synthetic.careers import PERIODS_FILE, SPELLS_FILE, TRUE_TRANSITIONS, generate_career_panel


@pytest.fixture(scope="module")
def large_panel() -> tuple[pd.DataFrame, dict]:
    synthetic = generate_career_panel(seed=11, persons=20_000)
    return validate_job_history(synthetic.frames[PERIODS_FILE]), synthetic.truth


def _rows(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["person_id", "period", "sector", "ai_role"])


def _spells(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["person_id", "start_date", "end_date", "sector", "ai_role"])


def test_estimator_recovers_the_true_transition_matrix(large_panel: tuple[pd.DataFrame, dict]) -> None:
    panel, truth = large_panel
    estimate = estimate_transitions(panel, draws=200, seed=1)
    true = truth["transitions"]
    origin_totals = estimate.counts.sum(axis=1).to_numpy()[:, None]
    standard_errors = np.sqrt(true * (1 - true) / origin_totals)
    errors = estimate.probabilities.to_numpy() - true
    assert np.all(np.abs(errors[true > 0]) < 4.5 * standard_errors[true > 0])
    assert np.all(errors[true == 0] == 0)
    assert np.allclose(estimate.probabilities.sum(axis=1), 1.0)
    inside = (estimate.ci_low.to_numpy() <= truth["transitions"]) & (truth["transitions"] <= estimate.ci_high.to_numpy())
    assert inside.mean() >= 0.85


def test_estimator_recovers_net_flow_rates(large_panel: tuple[pd.DataFrame, dict]) -> None:
    panel, truth = large_panel
    flows = estimate_transitions(panel, draws=200, seed=2).net_flows.set_index("sector")
    expected = pd.Series(truth["net_rate_pct"])
    np.testing.assert_allclose(flows.loc[expected.index, "net_rate_pct"], expected, atol=1.5)
    assert flows["net"].sum() == 0  # every move out of one sector is a move into another
    assert (flows["inflow"] - flows["outflow"]).equals(flows["net"])


def test_ai_role_filter_counts_only_moves_out_of_ai_roles(large_panel: tuple[pd.DataFrame, dict]) -> None:
    panel, truth = large_panel
    everyone = estimate_transitions(panel, draws=100, seed=3)
    ai_only = estimate_transitions(panel, ai_roles_only=True, draws=100, seed=3)
    following = panel.groupby("person_id")["period"].shift(-1) == panel["period"] + 1
    assert ai_only.transitions == (following & panel["ai_role"]).sum() < everyone.transitions == following.sum()
    assert ai_only.persons == panel.loc[following & panel["ai_role"], "person_id"].nunique()
    np.testing.assert_allclose(ai_only.probabilities.to_numpy(), truth["transitions"], atol=0.02)


def test_spell_and_period_forms_give_the_same_panel() -> None:
    synthetic = generate_career_panel(seed=5, persons=300)
    from_periods = validate_job_history(synthetic.frames[PERIODS_FILE])
    from_spells = validate_job_history(synthetic.frames[SPELLS_FILE])
    pd.testing.assert_frame_equal(from_periods, from_spells)


def test_rows_in_any_order_give_the_panel_and_estimate_of_the_sorted_rows() -> None:
    """A panel already in person and period order is not sorted again: shuffled, reversed and sorted rows, and
    person ids that sort differently as text and as numbers, must give the same panel and counts."""
    periods = generate_career_panel(seed=8, persons=300).frames[PERIODS_FILE]
    numbered = periods.assign(person_id=periods["person_id"].str[1:].astype(int))  # "10" sorts before "9"
    for frame in (periods, numbered):
        expected = validate_job_history(frame.sample(frac=1, random_state=3)).sort_values(["person_id", "period"], ignore_index=True)
        for rows in (frame, frame.iloc[::-1], frame.sample(frac=1, random_state=4)):
            panel = validate_job_history(rows)
            pd.testing.assert_frame_equal(panel, expected, check_exact=True)
            pd.testing.assert_frame_equal(estimate_transitions(panel.iloc[::-1], draws=100).counts,  # sorted again
                                          estimate_transitions(expected, draws=100).counts, check_exact=True)


def test_spells_are_read_on_the_july_snapshot_and_open_spells_run_to_the_panel_end() -> None:
    panel = validate_job_history(_spells(
        ("a", "2019-01-15", "2021-03-31", "tech", "yes"),
        ("a", "2021-04-01", "", "finance", "yes"),
        ("b", "2019-08-01", "2022-09-30", "health_care", "no"),
    ))
    person_a = panel[panel["person_id"] == "a"]
    assert person_a[["period", "sector"]].values.tolist() == [[2019, "tech"], [2020, "tech"], [2021, "finance"], [2022, "finance"]]
    assert panel.loc[panel["person_id"] == "b", "period"].tolist() == [2020, 2021, 2022]


def test_gaps_break_the_chain_instead_of_inventing_a_move() -> None:
    panel = validate_job_history(_rows(
        ("a", 2019, "tech", 1), ("a", 2021, "finance", 1),   # gap: no transition
        ("b", 2019, "tech", 1), ("b", 2020, "tech", 1),
    ))
    estimate = estimate_transitions(panel, draws=100)
    assert estimate.transitions == 1
    assert estimate.counts.loc["tech", "tech"] == 1 and estimate.counts.loc["tech", "finance"] == 0


def test_destination_test_finds_the_true_fastest_growing_sector(large_panel: tuple[pd.DataFrame, dict]) -> None:
    panel, truth = large_panel
    estimate = estimate_transitions(panel, draws=300, seed=4)
    result = compare_destination_growth(estimate)
    assert result.leader == max(truth["net_rate_pct"], key=truth["net_rate_pct"].get) == "health_care"
    assert result.leader_is_fastest and result.tests == len(DEFAULT_SECTORS) - 1
    assert compare_destination_growth(estimate, origin="tech").tests == len(DEFAULT_SECTORS) - 2
    with pytest.raises(ParameterError, match="origin sector 'big_tech'"):
        compare_destination_growth(estimate, origin="big_tech")
    assert result.share_fastest["health_care"] > 0.95


def test_destination_test_does_not_crown_a_leader_between_equal_sectors() -> None:
    symmetric = np.array([
        [0.80, 0.10, 0.10],
        [0.05, 0.90, 0.05],
        [0.05, 0.05, 0.90],
    ])
    synthetic = generate_career_panel(
        seed=6, persons=2000, transitions=symmetric, start_shares=np.array([0.6, 0.2, 0.2]),
        sectors=("tech", "finance", "health_care"),
    )
    panel = validate_job_history(synthetic.frames[PERIODS_FILE])
    estimate = estimate_transitions(panel, ("tech", "finance", "health_care"), draws=300, seed=6)
    result = compare_destination_growth(estimate, ["finance", "health_care"])
    assert not result.leader_is_fastest
    assert 0.05 < result.share_fastest[result.leader] < 0.95


@pytest.mark.slow
def test_intervals_cover_the_truth_at_their_nominal_rate() -> None:
    """Monte Carlo: 150 panels of 1,000 people over 5 years, 200 bootstrap draws each."""
    probability_hits, rate_hits = [], []
    for replicate in range(150):
        synthetic = generate_career_panel(seed=1000 + replicate, persons=1000, periods=range(2019, 2024))
        estimate = estimate_transitions(validate_job_history(synthetic.frames[PERIODS_FILE]), draws=200, seed=replicate)
        truth = synthetic.truth
        probability_hits.append((estimate.ci_low.to_numpy() <= truth["transitions"]) & (truth["transitions"] <= estimate.ci_high.to_numpy()))
        rates = np.array([truth["net_rate_pct"][s] for s in truth["sectors"]])
        flows = estimate.net_flows
        rate_hits.append((flows["net_rate_pct_ci_low"] <= rates) & (rates <= flows["net_rate_pct_ci_high"]))
    assert 0.93 <= np.mean(probability_hits) <= 0.975
    assert np.mean(probability_hits, axis=0).min() >= 0.85
    assert 0.92 <= np.mean(rate_hits) <= 0.98


def test_read_job_history_reads_csv_and_parquet(tmp_path: Path) -> None:
    frame = generate_career_panel(seed=7, persons=50).frames[SPELLS_FILE]
    frame.to_csv(tmp_path / "history.csv", index=False)
    frame.to_parquet(tmp_path / "history.parquet", index=False)
    from_csv = read_job_history(tmp_path / "history.csv")
    pd.testing.assert_frame_equal(from_csv, read_job_history(tmp_path / "history.parquet"))
    assert set(from_csv.columns) == {"person_id", "period", "sector", "ai_role", "country"}


def test_missing_file_is_a_parameter_error(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="does not exist"):
        read_job_history(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("frame", "column", "message"),
    [
        (_rows(("a", 2019, "tech", 1)).drop(columns="person_id"), "person_id", "missing column"),
        (_rows(("a", 2019, "tech", 1)).drop(columns="period"), "period", "either 'period' or both"),
        (_rows(("a", 2019, "tech", 1), ("a", 2020, "biotech", 1)), "sector", r"unknown sector\(s\) \['biotech'\]"),
        (_rows(("a", 2019, "tech", 1), ("a", 2019, "finance", 1)), "period", "overlapping rows: person 'a'"),
        (_rows(("a", 2019, "tech", 1), ("b", 2019, "finance", 0)), "period", "a single period"),
        (_rows(("a", 2019, "tech", 1), ("b", 2021, "finance", 0)), "period", "no person is observed in two consecutive"),
        (_rows(("a", 2019, "tech", "maybe"), ("a", 2020, "tech", 1)), "ai_role", "expected true/false"),
        (_rows(("a", "2019Q1", "tech", 1), ("a", 2020, "tech", 1)), "period", "expected whole numbers"),
        (_rows(("a", 2019, None, 1), ("a", 2020, "tech", 1)), "sector", "missing values"),
        (_rows(("a", 2019, "tech", 1)).iloc[:0], None, "empty"),
        (_spells(("a", "2019-01-01", "2021-12-31", "tech", 1), ("a", "2021-06-01", "", "finance", 1)),
         "start_date", "overlapping spells: person 'a' starts a spell on 2021-06-01"),
        (_spells(("a", "2021-01-01", "2019-12-31", "tech", 1), ("b", "2019-01-01", "2021-12-31", "tech", 1)),
         "end_date", "ends .* before it starts"),
        (_spells(("a", "last spring", "2021-12-31", "tech", 1), ("b", "2019-01-01", "2021-12-31", "tech", 1)),
         "start_date", "expected ISO dates"),
        (_rows(("a", 2019, "tech", 1), ("a", 2020, "tech", 1)).assign(country="USA"), "country", "alpha-2"),
    ],
    ids=["no-person-id", "no-time-columns", "unknown-sector", "overlapping-periods", "single-period",
         "no-consecutive-periods", "bad-ai-flag", "bad-period", "missing-sector", "empty", "overlapping-spells",
         "backwards-spell", "bad-date", "bad-country"],
)
def test_bad_job_history_gets_a_clear_error(frame: pd.DataFrame, column: str | None, message: str) -> None:
    with pytest.raises(DataValidationError, match=message) as raised:
        validate_job_history(frame)
    assert raised.value.column == column


def test_own_sector_list_replaces_the_default() -> None:
    frame = _rows(("a", 2019, "biotech", 1), ("a", 2020, "pharma", 1))
    panel = validate_job_history(frame, sectors=["biotech", "pharma"])
    estimate = estimate_transitions(panel, ["biotech", "pharma"], draws=100)
    assert estimate.counts.loc["biotech", "pharma"] == 1
    with pytest.raises(ParameterError, match=r"sector\(s\) \['biotech', 'pharma'\] of the panel are not among the sectors"):
        estimate_transitions(panel, draws=100)


def test_estimator_refuses_too_few_draws_and_empty_ai_subsets() -> None:
    panel = validate_job_history(_rows(("a", 2019, "tech", 0), ("a", 2020, "finance", 0)))
    with pytest.raises(ParameterError, match="at least 100"):
        estimate_transitions(panel, draws=10)
    with pytest.raises(ParameterError, match="no transitions among AI-role holders"):
        estimate_transitions(panel, ai_roles_only=True, draws=100)
