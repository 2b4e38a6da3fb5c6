"""The results contract: validation of claims and byte-identical output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from talentmarket.results.contract import ClaimResult, ResultsError, read_results, write_results
from talentmarket.stats.verdicts import verdict_from_interval


def _claim(**overrides: object) -> ClaimResult:
    fields = dict(id="topic.some_claim", claim="A claim.", metric="a metric", estimate=1.23456789, ci_low=0.5,
                  ci_high=2.0, unit="percent", verdict="supported", rationale="Because.", n=10)
    return ClaimResult(**(fields | overrides))


def _document(claims: list[ClaimResult], data_kind: str = "real") -> dict:
    return dict(notebook="99_test", title="Test", parameters={"b": [2, 1], "a": 0.1 + 0.2}, data_kind=data_kind,
                sources=[{"source": "s", "file": "f.csv"}], claims=claims)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"id": "NoTopic"}, "topic.snake_case"),
        ({"verdict": "probably"}, "verdict 'probably'"),
        ({"unit": "% pay premium"}, r"unit '% pay premium' is not one of \('percent', 'percent per year'"),
        ({"estimate": 3.0}, "outside its CI"),
        ({"estimate": None}, "only for an inconclusive verdict"),
        ({"ci_high": float("nan")}, "finite"),
        ({"rationale": " "}, "rationale is empty"),
        ({"n": -1}, "non-negative"),
    ],
)
def test_invalid_claims_are_refused_with_the_reason(overrides: dict, problem: str) -> None:
    with pytest.raises(ResultsError, match=problem):
        _claim(**overrides)


def test_inconclusive_claim_may_lack_numbers() -> None:
    claim = _claim(verdict="inconclusive", estimate=None, ci_low=None, ci_high=None)
    assert claim.estimate is None


def test_two_writes_are_byte_identical_and_round_trip(tmp_path: Path) -> None:
    first = write_results(tmp_path / "a", **_document([_claim(id="b.two"), _claim(id="a.one")]))
    second = write_results(tmp_path / "b", **_document([_claim(id="a.one"), _claim(id="b.two")]))
    assert first.read_bytes() == second.read_bytes()
    document = read_results(first)
    assert [c.id for c in document["claims"]] == ["a.one", "b.two"]
    assert document["claims"][0].estimate == 1.23457 and document["parameters"]["a"] == 0.3
    assert document["synthetic"] is False


def test_synthetic_results_are_flagged(tmp_path: Path) -> None:
    written = json.loads(write_results(tmp_path, **_document([_claim()], "synthetic")).read_text())
    assert written["synthetic"] is True and written["data_kind"] == "synthetic"


def test_document_level_errors(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="data_kind"):
        write_results(tmp_path, **_document([_claim()], "imagined"))
    with pytest.raises(ResultsError, match="repeat"):
        write_results(tmp_path, **_document([_claim(), _claim()]))


@pytest.mark.parametrize(("low", "high", "verdict"), [(0.1, 1, "supported"), (-1, -0.1, "contradicted"), (-1, 1, "inconclusive")])
def test_verdict_from_interval(low: float, high: float, verdict: str) -> None:
    assert verdict_from_interval(low, high) == verdict
