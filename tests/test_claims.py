"""The claims registry, its agreement with the notebooks' results, and the scorecard built from both."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from talentmarket import paths
from talentmarket.errors import DataValidationError
from talentmarket.report import scorecard as claims
from talentmarket.results import registry as claims_registry
from talentmarket.results.contract import ClaimResult, ResultsError, read_results, write_results
from talentmarket.results.display import format_estimate, reader_table
from talentmarket.stats.multiplicity import benjamini_hochberg

REQUIRED_IDS = {
    "demand.ai_vs_tech_sectors", "demand.ai_share_trend", "demand.genai_takeoff",
    "salary.ai_premium", "salary.entry_level_premium", "salary.senior_premium_not_decreasing",
    "salary.stratification", "salary.big_employers_pay_most", "salary.traditional_industries_below_tech",
    "migration.into_healthcare_finance", "migration.ai_spreading_beyond_tech", "migration.growth_outside_tech",
    "convergence.remote_share_rising", "convergence.sigma", "convergence.beta",
    "convergence.remote_closes_geo_gap", "convergence.top_roles_keep_premium",
}
"""The ids the analysis notebooks write (fixed by their issues)."""

FIXTURE_SOURCE = {
    "source": "indeed_ai_tracker", "file": "AI_posting.csv", "version": "41392c3f5a65",
    "sha256": "0" * 64, "url": "https://example.org/AI_posting.csv", "license": "CC BY 4.0",
    "citation": "Indeed Hiring Lab (CC BY 4.0), https://data.indeed.com",
}

FIXTURE_RESULTS = {
    "01_demand_growth": ("real", [
        ("demand.ai_vs_tech_sectors", 41.5, 22.0, 61.0, "percentage points per year", "supported"),
        ("demand.ai_share_trend", 0.123, 0.051, 0.198, "percentage points per year", "supported"),
        ("demand.genai_takeoff", 3.1, 2.05, 4.18, "ratio", "supported"),
    ]),
    "02_salary_premium": ("real", [
        ("salary.ai_premium", 12.4, 10.1, 14.8, "percent", "supported"),
        ("salary.entry_level_premium", -3.2, -7.9, 1.6, "percent", "inconclusive"),
        ("salary.senior_premium_not_decreasing", -4.0, -6.5, -1.4, "percent per year", "contradicted"),
        ("salary.stratification", 8.0, 2.0, 15.0, "percent", "mixed"),
        ("salary.big_employers_pay_most", 6.1, 1.2, 11.3, "percent", "supported"),
        ("salary.traditional_industries_below_tech", -9.5, -14.0, -5.0, "percent", "supported"),
    ]),
    "03_compensation_convergence": ("synthetic", [
        ("convergence.sigma", -0.02, -0.04, -0.01, "log points per year", "supported"),
        ("convergence.beta", -0.3, -0.5, -0.1, "log points", "supported"),
        ("convergence.remote_closes_geo_gap", 5.0, 1.0, 9.0, "percent", "supported"),
        ("convergence.remote_share_rising", 2.5, 1.0, 4.0, "percentage points per year", "supported"),
        ("convergence.top_roles_keep_premium", 30.0, 20.0, 40.0, "percent", "supported"),
    ]),
}
"""Results for three notebooks (two real, one synthetic); notebook 04 has not run."""


def fixture_claim(claim_id: str, estimate: float, low: float, high: float, unit: str, verdict: str,
                  p_value: float | None = None) -> ClaimResult:
    """A valid ClaimResult with placeholder prose (no threshold: written as by an older judge)."""
    return ClaimResult(id=claim_id, claim=f"fixture claim {claim_id}", metric="fixture metric", estimate=estimate,
                       ci_low=low, ci_high=high, unit=unit, verdict=verdict, rationale=f"fixture rationale for {claim_id}",
                       n=1234, section="4. Verdicts", p_value=p_value)


def write_fixture_reports(reports_root: Path, results: dict = FIXTURE_RESULTS, p_values: dict[str, float] | None = None) -> Path:
    """Write ``<reports_root>/<notebook>/results.json`` for each fixture notebook with the real results writer;
    ``p_values`` gives some claims the one-sided p-value of their primary test."""
    for notebook, (kind, rows) in results.items():
        claims_written = [fixture_claim(*row, p_value=(p_values or {}).get(row[0])) for row in rows]
        write_results(reports_root / notebook, notebook=notebook, title=f"Fixture {notebook}", parameters={"seed": 1},
                      data_kind=kind, sources=[FIXTURE_SOURCE], claims=claims_written)
    return reports_root


@pytest.fixture
def registry() -> pd.DataFrame:
    return claims_registry.load_registry()


@pytest.fixture
def documents(tmp_path: Path) -> list[dict]:
    return claims.read_all_results(write_fixture_reports(tmp_path))


def registry_rows(registry: pd.DataFrame, **changes: str) -> pd.DataFrame:
    """The registry with the first row's cells changed."""
    broken = registry.copy()
    for column, value in changes.items():
        broken.loc[0, column] = value
    return broken


# --- the registry -----------------------------------------------------------------------------

def test_registry_lists_every_claim_the_notebooks_test_and_the_untestable_ones(registry):
    ids = set(registry["id"])
    assert REQUIRED_IDS <= ids
    untestable = registry[registry["testable"] == "no"]
    assert {"hiring.talent_gap", "hiring.interview_to_offer_worse", "hiring.certificate_holders_crowding",
            "skills.math_python_cpp_production", "salary.startup_equity_offsets_base"} <= set(untestable["id"])
    assert (untestable["notebook"] == "").all()


def test_registry_claims_not_fully_testable_say_why_and_what_data_would_settle_them(registry):
    not_fully = registry[registry["testable"] != "yes"]
    assert len(not_fully) >= 10
    assert (not_fully["limitation"].str.len() > 30).all()
    assert (not_fully["data_needed"].str.len() > 30).all()


def test_every_committed_analysis_notebook_has_claims_in_the_registry(registry):
    notebooks = [p.stem for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb") if p.stem != claims.SCORECARD_NOTEBOOK]
    for notebook in notebooks:
        assert (registry["notebook"] == notebook).any(), f"{notebook} tests no claim of the registry"


@pytest.mark.parametrize(
    ("changes", "column", "problem"),
    [
        ({"testable": "maybe"}, "testable", "isin"),
        ({"id": "Demand-AI"}, "id", "str_matches"),
        ({"topic": "salary"}, "topic", "must equal the id's prefix"),
        ({"notebook": ""}, "notebook", "no notebook tests it"),
        ({"testable": "partly", "data_needed": ""}, "data_needed", "data that would settle it"),
        ({"id": "demand.ai_share_trend"}, "id", "duplicated"),
    ],
)
def test_registry_errors_name_the_column_and_the_problem(registry, changes, column, problem):
    with pytest.raises(DataValidationError) as error:
        claims_registry.validate_registry(registry_rows(registry, **changes))
    assert error.value.column == column
    assert problem in error.value.problem


def test_an_untestable_claim_may_not_name_a_notebook(registry):
    untestable_row = registry.index[registry["testable"] == "no"][0]
    broken = registry.copy()
    broken.loc[untestable_row, "notebook"] = "02_salary_premium"
    with pytest.raises(DataValidationError, match="cannot test has no notebook"):
        claims_registry.validate_registry(broken)


def test_registry_missing_a_column_is_refused(tmp_path, registry):
    path = tmp_path / "claims.csv"
    registry.drop(columns="data_needed").to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="missing column") as error:
        claims_registry.load_registry(path)
    assert error.value.column == "data_needed"


def test_missing_registry_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataValidationError, match="cannot read"):
        claims_registry.load_registry(tmp_path / "absent.csv")


# --- registry and results agree -----------------------------------------------------------------

def test_fixture_results_agree_with_the_registry(registry, documents):
    assert claims.coverage_problems(registry, documents) == []


def test_coverage_names_unknown_misplaced_duplicated_and_missing_ids(registry, tmp_path):
    results = {
        "01_demand_growth": ("real", [
            ("demand.ai_vs_tech_sectors", 1.0, 0.5, 1.5, "percentage points per year", "supported"),
            ("demand.brand_new_claim", 1.0, 0.5, 1.5, "percentage points per year", "supported"),
            ("salary.ai_premium", 1.0, 0.5, 1.5, "percentage points per year", "supported"),
        ]),
        "02_salary_premium": ("real", [("salary.ai_premium", 1.0, 0.5, 1.5, "percentage points per year", "supported")]),
    }
    problems = claims.coverage_problems(registry, claims.read_all_results(write_fixture_reports(tmp_path, results)))
    text = "\n".join(problems)
    assert "'demand.brand_new_claim', which is not in the registry" in text
    assert "01_demand_growth reports 'salary.ai_premium', which the registry assigns to 02_salary_premium" in text
    assert "'salary.ai_premium' is reported by both 01_demand_growth and 02_salary_premium" in text
    assert "01_demand_growth ran but does not report registered claim 'demand.genai_takeoff'" in text
    assert "02_salary_premium ran but does not report registered claim 'salary.stratification'" in text


def test_two_folders_with_one_notebooks_results_are_named_not_mixed(tmp_path):
    rows = {"01_demand_growth": FIXTURE_RESULTS["01_demand_growth"]}
    write_fixture_reports(tmp_path / "run_a", rows)
    write_fixture_reports(tmp_path / "run_b", rows)
    for folder in ("run_a", "run_b"):  # two runs' folders side by side, as when results_dir is their parent
        (tmp_path / folder / "01_demand_growth").rename(tmp_path / f"01_demand_growth_{folder}")
    with pytest.raises(ResultsError) as raised:
        claims.read_all_results(tmp_path)
    message = str(raised.value)
    assert f"01_demand_growth in {tmp_path / '01_demand_growth_run_a'}, {tmp_path / '01_demand_growth_run_b'}" in message
    assert "set results_dir to a folder that holds one run of each notebook" in message


def _committed_results() -> list[Path]:
    return sorted(p for p in (paths.REPO_ROOT / "reports").glob("*/results.json") if p.parent.name != claims.SCORECARD_NOTEBOOK)


@pytest.mark.skipif(not _committed_results(), reason="no notebook has written reports/*/results.json yet (run the main job)")
def test_every_claim_id_in_the_reports_is_registered_and_every_registered_id_is_reported(registry):
    documents = claims.read_all_results(paths.REPO_ROOT / "reports")
    assert claims.coverage_problems(registry, documents) == []


@pytest.mark.skipif(not _committed_results(), reason="no notebook has written reports/*/results.json yet (run the main job)")
def test_every_claim_in_the_reports_is_worded_as_in_the_registry(registry):
    wording = dict(zip(registry["id"], registry["claim"]))
    reported = {claim.id: claim.claim for document in claims.read_all_results(paths.REPO_ROOT / "reports")
                for claim in document["claims"]}
    assert reported and reported == {claim_id: wording[claim_id] for claim_id in reported}


def test_claim_text_is_the_registry_sentence_and_unknown_ids_are_named(registry, tmp_path):
    assert claims_registry.claim_text("salary.ai_premium") == registry.set_index("id").at["salary.ai_premium", "claim"]
    with pytest.raises(DataValidationError, match="no claim 'salary.imagined'") as caught:
        claims_registry.claim_text("salary.imagined")
    assert caught.value.column == "id"
    edited = tmp_path / "claims.csv"
    edited.write_text(claims_registry.REGISTRY_PATH.read_text(encoding="utf-8").replace(
        "On average, AI roles pay clearly more", "On average, AI roles pay much more"), encoding="utf-8")
    assert claims_registry.claim_text("salary.ai_premium", edited).startswith("On average, AI roles pay much more")


# --- the scorecard -----------------------------------------------------------------------------

def test_scorecard_has_one_row_per_registered_claim_in_registry_order(registry, documents):
    scorecard = claims.build_scorecard(registry, documents)
    assert scorecard["id"].tolist() == registry["id"].tolist()
    status = dict(zip(scorecard["id"], scorecard["status"]))
    assert status["demand.genai_takeoff"] == "finding"
    assert status["convergence.sigma"] == "synthetic"
    assert status["migration.into_healthcare_finance"] == "not run"
    assert status["hiring.talent_gap"] == "untestable"


def test_scorecard_shows_real_verdicts_with_their_numbers_and_section(registry, documents):
    scorecard = claims.build_scorecard(registry, documents).set_index("id")
    row = scorecard.loc["salary.senior_premium_not_decreasing"]
    assert (row["verdict"], row["estimate"], row["ci_low"], row["ci_high"]) == ("contradicted", -4.0, -6.5, -1.4)
    assert (row["unit"], row["data_kind"], row["section"]) == ("percent per year", "real", "4. Verdicts")


def test_scorecard_never_presents_a_synthetic_result_as_a_verdict(registry, documents):
    scorecard = claims.build_scorecard(registry, documents)
    synthetic = scorecard[scorecard["data_kind"] == "synthetic"]
    assert len(synthetic) == 5
    assert (synthetic["verdict"] == "synthetic — not a finding").all()
    assert not scorecard.loc[scorecard["status"] != "finding", "verdict"].isin(claims.VERDICTS).any()


def test_scorecard_gives_untestable_claims_their_reason(registry, documents):
    scorecard = claims.build_scorecard(registry, documents).set_index("id")
    row = scorecard.loc["hiring.interview_to_offer_worse"]
    assert row["verdict"] == "not testable with open data"
    assert row["rationale"] == row["limitation"] != ""
    table = claims.untestable_claims(registry)
    assert set(table["testable"]) == {"no", "partly"}
    assert (table["data_needed"] != "").all()


def test_scorecard_marks_a_registered_claim_its_notebook_did_not_report(registry, tmp_path):
    results = {"01_demand_growth": ("real", [("demand.ai_vs_tech_sectors", 1.0, 0.5, 1.5, "percentage points per year", "supported")])}
    scorecard = claims.build_scorecard(registry, claims.read_all_results(write_fixture_reports(tmp_path, results)))
    status = dict(zip(scorecard["id"], scorecard["verdict"]))
    assert status["demand.genai_takeoff"] == "not reported by its notebook"


def test_scorecard_refuses_a_result_for_an_unregistered_claim(registry, tmp_path):
    results = {"01_demand_growth": ("real", [("demand.brand_new_claim", 1.0, 0.5, 1.5, "percentage points per year", "supported")])}
    with pytest.raises(DataValidationError, match="brand_new_claim.*add a row to data/claims.csv") as error:
        claims.build_scorecard(registry, claims.read_all_results(write_fixture_reports(tmp_path, results)))
    assert error.value.column == "id"


def test_verdict_counts_cover_every_claim_exactly_once(registry, documents):
    counts = claims.count_verdicts(claims.build_scorecard(registry, documents))
    assert counts == {"supported": 6, "contradicted": 1, "mixed": 1, "inconclusive": 1,
                      "synthetic": 5, "not run": 3, "not reported": 0, "untestable": 5}
    assert sum(counts.values()) == len(registry)


def test_scorecard_table_keeps_small_effects_readable(registry, documents):
    table = claims.scorecard_table(claims.build_scorecard(registry, documents)).set_index("claim")
    assert table.loc["demand.ai_share_trend", "estimate"] == "0.123"
    assert table.loc["demand.ai_share_trend", "95% CI"] == "[0.051, 0.198]"
    assert table.loc["salary.ai_premium", "95% CI"] == "[10.1, 14.8]"
    assert table.loc["salary.entry_level_premium", "95% CI"] == "[-7.90, 1.60]"
    assert table.loc["hiring.talent_gap", "estimate"] == ""
    assert table.loc["salary.ai_premium", "notebook section"] == "02_salary_premium — 4. Verdicts"


def test_summary_markdown_counts_and_lists_only_real_findings(registry, documents):
    text = claims.summary_markdown(claims.build_scorecard(registry, documents))
    assert text.startswith("Of the essay's 22 claims, 9 have a verdict from real data: 6 supported, 1 contradicted")
    statement = claims_registry.claim_text("salary.ai_premium")
    assert f"| `salary.ai_premium` | {statement} | supported | 12.4 [10.1, 14.8] percent |" in text
    assert "convergence.sigma" not in text


def test_forest_plot_rows_carry_labels_grouped_by_notebook_with_thresholds_and_hollow_synthetic_markers(registry, documents):
    scorecard = claims.build_scorecard(registry, documents)
    figure = claims.plot_forest(scorecard, claims.provenance_store(documents))
    try:
        rows = [ax for ax in figure.axes if ax.get_yticklabels() and ax.get_yticklabels()[0].get_text() and ax.get_xticklabels()]
        labels = {ax.get_yticklabels()[0].get_text(): ax for ax in rows if ax.get_subplotspec() is not None and ax.lines}
        label_of = dict(zip(registry["id"], registry["label"]))
        plotted = scorecard.dropna(subset=["estimate"]).sort_values("notebook", kind="stable")
        assert list(labels) == [label_of[claim_id] for claim_id in plotted["id"]]
        headers = [text.get_text() for ax in figure.axes if not ax.axison for text in ax.texts]
        assert headers == ["01 · Demand growth", "02 · Salary premium", "03 · Compensation convergence"]
        premium = labels[label_of["salary.ai_premium"]]
        threshold_line, bar, dot = premium.lines
        assert threshold_line.get_xdata()[0] == 5.0 and threshold_line.get_linestyle() == "--"
        assert list(bar.get_xdata()) == [10.1, 14.8] and dot.get_color() == claims.VERDICT_COLOURS["supported"]
        shade = premium.patches[0]
        assert shade.get_x() == 5.0 and shade.get_x() + shade.get_width() > 14.8, "the shaded side starts at the threshold and runs above it"
        sigma = labels[label_of["convergence.sigma"]]
        assert sigma.lines[-1].get_markerfacecolor() == "white"
        shade = sigma.patches[0]
        assert shade.get_x() + shade.get_width() == 0.0 and shade.get_x() < -0.04, "a 'below' claim shades the side below its threshold"
        assert "SYNTHETIC DATA" in figure.texts[-1].get_text()
    finally:
        plt.close(figure)


def test_forest_plot_before_any_estimate_says_so(registry):
    figure = claims.plot_forest(claims.build_scorecard(registry, []), claims.provenance_store([]))
    try:
        assert any("No claim has an estimate yet" in text.get_text() for ax in figure.axes for text in ax.texts)
    finally:
        plt.close(figure)


def test_results_overview_lists_each_notebook_with_its_data_kind(documents):
    overview = claims.results_overview(documents)
    assert overview[["notebook", "data", "claims"]].values.tolist() == [
        ["01_demand_growth", "real", 3], ["02_salary_premium", "real", 6], ["03_compensation_convergence", "synthetic", 5]]


# --- the scorecard's own results.json -----------------------------------------------------------

def test_scorecard_results_hold_counts_and_sources_and_are_reproducible(registry, documents, tmp_path):
    scorecard = claims.build_scorecard(registry, documents)
    first = claims.write_scorecard_results(tmp_path / "a", parameters={"seed": 1}, scorecard=scorecard, documents=documents)
    second = claims.write_scorecard_results(tmp_path / "b", parameters={"seed": 1}, scorecard=scorecard, documents=documents)
    assert first.read_bytes() == second.read_bytes()
    written = json.loads(first.read_text(encoding="utf-8"))
    assert written["data_kind"] == "synthetic"  # one summarised notebook ran on synthetic data
    assert written["summary"]["verdict_counts"]["supported"] == 6
    assert written["summary"]["notebooks"] == {"01_demand_growth": "real", "02_salary_premium": "real",
                                               "03_compensation_convergence": "synthetic"}
    assert written["sources"] == [FIXTURE_SOURCE]
    assert read_results(first)["claims"] == []


def test_reading_all_results_skips_the_scorecards_own_file(registry, documents, tmp_path):
    reports_root = write_fixture_reports(tmp_path / "reports")
    scorecard = claims.build_scorecard(registry, documents)
    claims.write_scorecard_results(reports_root / claims.SCORECARD_NOTEBOOK, parameters={}, scorecard=scorecard, documents=documents)
    notebooks = [d["notebook"] for d in claims.read_all_results(reports_root)]
    assert notebooks == ["01_demand_growth", "02_salary_premium", "03_compensation_convergence"]


def test_merged_sources_keep_each_file_version_once_with_the_notebooks_that_used_it(documents):
    newer = documents[0] | {"notebook": "09_newer", "sources": [FIXTURE_SOURCE | {"version": "newer", "sha256": "1" * 64}]}
    merged = claims.merged_sources(documents + [newer])
    assert [(use["version"], use["used_by"]) for use in merged] == [
        ("41392c3f5a65", ["01_demand_growth", "02_salary_premium", "03_compensation_convergence"]),
        ("newer", ["09_newer"]),
    ]


def test_estimates_that_round_to_zero_carry_no_minus_sign():
    assert format_estimate(-0.04, -17.1, 20.5) == ("0.0", "[-17.1, 20.5]")


def test_scorecard_q_values_are_benjamini_hochberg_over_real_findings_and_missing_elsewhere(registry, tmp_path):
    p_values = {"salary.ai_premium": 0.001, "salary.entry_level_premium": 0.04, "salary.big_employers_pay_most": 0.02}
    results = {"02_salary_premium": ("real", [row for row in FIXTURE_RESULTS["02_salary_premium"][1]]),
               "03_compensation_convergence": FIXTURE_RESULTS["03_compensation_convergence"]}
    reports_root = write_fixture_reports(tmp_path, results, p_values=p_values | {"convergence.sigma": 0.0001})
    scorecard = claims.build_scorecard(registry, claims.read_all_results(reports_root)).set_index("id")
    expected = benjamini_hochberg(list(p_values.values()))
    assert scorecard.loc[list(p_values), "q_value"].tolist() == pytest.approx(list(expected))
    assert scorecard[["q_value"]].drop(index=list(p_values))["q_value"].isna().all(), "synthetic and p-less claims get no q-value"
    table = claims.scorecard_table(scorecard.reset_index()).set_index("claim")
    assert table.loc["salary.ai_premium", "q-value"] == "0.003"
    assert table.loc["salary.stratification", "q-value"] == "—"
    assert table.loc["convergence.sigma", "q-value"] == "—"
    assert table.loc["salary.ai_premium", "threshold"] == "above +5"
    assert table.loc["hiring.talent_gap", "threshold"] == "—"


def test_scorecard_tables_escape_file_names_and_titles(documents):
    hostile = "evil<img src=x onerror=alert(1)>.csv"
    changed = [documents[0] | {"title": hostile, "sources": [FIXTURE_SOURCE | {"file": hostile, "sha256": "not applicable (generated)"}]}]
    for table in (claims.sources_table(changed), reader_table(claims.results_overview(changed), caption=hostile, table_id="results")):
        assert "<img" not in table.html and "&lt;img src=x onerror=alert(1)&gt;" in table.html
    assert "not applicable (generated)" in claims.sources_table(changed).html, "a non-hash is shown whole"
