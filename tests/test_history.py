"""Verdict history: vintage sets, the claim × vintage-set table, the flips, and the runs per set (runner stubbed)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from talentmarket import __main__ as cli
from talentmarket import paths
from talentmarket.data.sources import (
    SOURCES,
    VINTAGES_ENV_VAR,
    Source,
    Vintage,
    format_vintages,
    older_vintages,
)
from talentmarket.report import history
from talentmarket.report.runner import NotebookFailed
from talentmarket.results.contract import ClaimResult, write_results

PREMIUM = "02_salary_premium"
DEMAND = "01_demand_growth"
OLDER = "aijobs_net_salaries@2025-01-19"


def _claim(claim_id: str, verdict: str, estimate: float, low: float, high: float) -> ClaimResult:
    return ClaimResult(id=claim_id, claim="a claim", metric="a metric", estimate=estimate, ci_low=low, ci_high=high,
                       unit="log points", verdict=verdict, rationale="because", n=1000)


def _use(source: str, version: str) -> dict[str, str]:
    return {"source": source, "file": "salaries.csv", "version": version, "sha256": "0" * 64, "url": "u",
            "license": "CC0 1.0", "citation": "c"}


def _write(root: Path, folder: str, notebook: str, claims: list[ClaimResult], sources: list[dict[str, str]]) -> None:
    write_results(root / folder / notebook, notebook=notebook, title=notebook, parameters={}, data_kind="real",
                  sources=sources, claims=claims)


def _two_vintages(root: Path) -> None:
    """A premium notebook whose AI premium is supported on the newest aijobs release and inconclusive on the
    older one (the known flip), and a demand notebook that reads no salary file (run on the newest set only)."""
    _write(root, "newest", PREMIUM, [_claim("salary.ai_premium", "supported", 0.12, 0.08, 0.16),
                                     _claim("salary.entry_level_premium", "inconclusive", 0.02, -0.05, 0.09)],
           [_use("aijobs_net_salaries", "2025-08-03"), _use("isecjobs_infosec_salaries", "2025-08-03")])
    _write(root, OLDER, PREMIUM, [_claim("salary.ai_premium", "inconclusive", 0.07, -0.01, 0.15),
                                  _claim("salary.entry_level_premium", "inconclusive", 0.01, -0.07, 0.09)],
           [_use("aijobs_net_salaries", "2025-01-19"), _use("isecjobs_infosec_salaries", "2025-08-03")])
    _write(root, "newest", DEMAND, [_claim("demand.ai_share_trend", "supported", 0.5, 0.3, 0.7)],
           [_use("indeed_ai_tracker", "2026-07-21")])


def test_vintage_sets_are_the_newest_and_each_older_release_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [s.label for s in history.vintage_sets()] == ["newest", "aijobs_net_salaries=2025-01-19"]
    files = SOURCES["indeed_ai_tracker"].files
    monkeypatch.setitem(SOURCES, "indeed_ai_tracker", Source(
        "indeed_ai_tracker", "t", "p", "l", "c", "d", "h",
        (Vintage("2024-01-01", "older", files), Vintage("2025-01-01", "old", files, "2025-01-01"),
         Vintage("2026-07-21", "newest", files, "2026-07-21")),
    ))
    sets = history.vintage_sets()
    assert [s.label for s in sets] == ["newest", "aijobs_net_salaries=2025-01-19",
                                       "indeed_ai_tracker=2024-01-01", "indeed_ai_tracker=2025-01-01"]
    assert sets[1].folder == OLDER


def test_table_marks_the_flip_and_names_the_vintages_of_every_column(tmp_path: Path) -> None:
    _two_vintages(tmp_path)
    page = history.write_history(tmp_path, history.vintage_sets())
    table, read = history.history_table(tmp_path, history.vintage_sets())
    premium = table.set_index(["id", "vintage_set"]).loc["salary.ai_premium"]
    assert premium.loc["newest", "verdict"] == "supported" and premium.loc["aijobs_net_salaries=2025-01-19", "verdict"] == "inconclusive"
    assert premium.loc["aijobs_net_salaries=2025-01-19", "ci_low"] == -0.01
    demand = table[table["id"] == "demand.ai_share_trend"].set_index("vintage_set")
    assert demand["carried_over"].to_dict() == {"newest": False, "aijobs_net_salaries=2025-01-19": True}
    assert read["aijobs_net_salaries=2025-01-19"]["aijobs_net_salaries"] == "2025-01-19"
    assert read["newest"]["aijobs_net_salaries"] == "2025-08-03" and read["newest"]["indeed_ai_tracker"] == "2026-07-21"

    flips = history.verdict_flips(page.with_name(history.HISTORY_JSON))
    assert flips == [{"id": "salary.ai_premium", "label": flips[0]["label"], "newest": "supported",
                      "aijobs_net_salaries=2025-01-19": "inconclusive"}]
    text = page.read_text(encoding="utf-8")
    assert text.count("<tr class='changed'>") == 1 and text.count("<tr class='same'>") == 2
    assert "aijobs_net_salaries 2025-01-19" in text and "0.07 [-0.01, 0.15] log points" in text
    assert "1 of 3 claims change verdict" in page.with_name(history.HISTORY_MARKDOWN).read_text(encoding="utf-8")


def test_history_without_runs_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(history.HistoryError, match="no results under "):
        history.write_history(tmp_path, history.vintage_sets())
    with pytest.raises(history.HistoryError, match="no verdict history yet"):
        history.verdict_flips(tmp_path / history.HISTORY_JSON)


def test_each_set_runs_with_its_vintages_and_only_the_notebooks_that_read_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[list[str], str, Path]] = []

    def fake_run_many(names: list[str], *, reports_root: Path, **options: Any) -> list[Any]:
        selection = format_vintages(older_vintages())
        calls.append((sorted(names), selection, reports_root))
        aijobs = "2025-01-19" if selection else "2025-08-03"
        if PREMIUM in names:
            verdict = "supported" if not selection else "inconclusive"
            _write(reports_root.parent, reports_root.name, PREMIUM, [_claim("salary.ai_premium", verdict, 0.1, 0.0 if selection else 0.05, 0.2)],
                   [_use("aijobs_net_salaries", aijobs)])
        if DEMAND in names:
            _write(reports_root.parent, reports_root.name, DEMAND, [_claim("demand.ai_share_trend", "supported", 0.5, 0.3, 0.7)],
                   [_use("indeed_ai_tracker", "2026-07-21")])
        return []

    monkeypatch.setattr(history, "run_many", fake_run_many)
    monkeypatch.setenv(VINTAGES_ENV_VAR, "aijobs_net_salaries=2025-01-19")  # an outside selection must not leak into a set
    page = history.run_history(["01", "02", "00"], out=tmp_path, jobs=1)
    assert calls == [([DEMAND, PREMIUM], "", tmp_path / "newest"),
                     ([PREMIUM], "aijobs_net_salaries=2025-01-19", tmp_path / OLDER)]
    assert os.environ[VINTAGES_ENV_VAR] == "aijobs_net_salaries=2025-01-19"
    assert [flip["id"] for flip in history.verdict_flips(page.with_name(history.HISTORY_JSON))] == ["salary.ai_premium"]


def test_results_that_read_another_vintage_than_their_set_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, OLDER, PREMIUM, [_claim("salary.ai_premium", "supported", 0.12, 0.08, 0.16)],
           [_use("aijobs_net_salaries", "2025-08-03")])
    with pytest.raises(history.HistoryError, match="read aijobs_net_salaries vintage 2025-08-03, but the set .* selects 2025-01-19"):
        history.check_vintages_read(tmp_path / OLDER, history.vintage_sets()[1])


def _fake_premium_runs(calls: list[tuple[list[str], str, Path]]) -> Any:
    """A stand-in for run_many that records each call and writes a premium result citing the vintage it was given."""
    def fake_run_many(names: list[str], *, reports_root: Path, **options: Any) -> list[Any]:
        older = older_vintages()
        calls.append((sorted(names), format_vintages(older), reports_root))
        verdict = "inconclusive" if older else "supported"
        _write(reports_root.parent, reports_root.name, PREMIUM, [_claim("salary.ai_premium", verdict, 0.1, 0.0 if older else 0.05, 0.2)],
               [_use("aijobs_net_salaries", older.get("aijobs_net_salaries", "2025-08-03"))])
        return []
    return fake_run_many


def test_history_command_writes_the_page_where_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[tuple[list[str], str, Path]] = []
    monkeypatch.setattr(history, "run_many", _fake_premium_runs(calls))
    page = tmp_path / "site" / "history.html"
    assert cli.main(["history", "02", "--out", str(tmp_path / "runs"), "--page", str(page), "--jobs", "1"]) == 0
    assert [c[1] for c in calls] == ["", "aijobs_net_salaries=2025-01-19"]
    assert page.is_file() and (tmp_path / "site" / history.HISTORY_JSON).is_file()
    assert f"history: {page}" in capsys.readouterr().err


def test_run_on_an_older_vintage_sets_it_for_the_kernels_and_never_writes_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run_many(names: list[str] | None, **options: Any) -> list[Any]:
        seen.update(options, vintages=os.environ[VINTAGES_ENV_VAR])
        return []

    monkeypatch.setattr(cli, "run_many", fake_run_many)
    monkeypatch.delenv(VINTAGES_ENV_VAR, raising=False)
    assert cli.main(["run", "02", "--vintage", "aijobs_net_salaries=2025-01-19"]) == 0
    assert seen["vintages"] == "aijobs_net_salaries=2025-01-19"
    assert seen["reports_root"] == paths.runs_dir() / "vintages-aijobs_net_salaries@2025-01-19"
    assert VINTAGES_ENV_VAR not in os.environ


def test_unknown_vintage_on_the_command_line_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "02", "--vintage", "aijobs_net_salaries=2024-01-01"]) == 2
    assert "known vintages: 2025-01-19, 2025-08-03" in capsys.readouterr().err


def test_sources_command_lists_every_vintage_and_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "    vintage 2025-01-19: 74,301 rows" in out and "    vintage 2025-08-03 (default): 151,445 rows" in out


def test_a_failed_run_leaves_a_gap_not_a_stale_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _two_vintages(tmp_path)  # an earlier history: the older set's premium results are now stale
    calls: list[tuple[list[str], str, Path]] = []
    succeed = _fake_premium_runs(calls)

    def fail_on_older(names: list[str], *, reports_root: Path, **options: Any) -> list[Any]:
        if older_vintages():
            raise NotebookFailed("02_salary_premium: cell 3 raised KeyError")
        return succeed(names, reports_root=reports_root, **options)

    monkeypatch.setattr(history, "run_many", fail_on_older)
    with pytest.raises(history.HistoryError, match="(?s)written with gaps .*aijobs_net_salaries=2025-01-19: 02_salary_premium: cell 3"):
        history.run_history(["02"], out=tmp_path)
    table, _ = history.history_table(tmp_path, history.vintage_sets())
    older = table[(table["vintage_set"] == "aijobs_net_salaries=2025-01-19") & (table["notebook"] == PREMIUM)]
    assert older["verdict"].isna().tolist() == [True]  # a gap, not the stale verdict of the earlier history
    assert history.flips_in(table).empty
    assert "no result (the run failed)" in (tmp_path / history.HISTORY_HTML).read_text(encoding="utf-8")


def test_update_notebook_refuses_an_older_vintage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "02", "--update-notebook", "--vintage", "aijobs_net_salaries=2025-01-19"]) == 2
    assert "--update-notebook stores runs on the newest data only; drop --vintage aijobs_net_salaries=2025-01-19" in capsys.readouterr().err
