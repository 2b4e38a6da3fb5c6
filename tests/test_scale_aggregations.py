"""Posting-level aggregations on DuckDB: they recover the synthetic truth, agree with plain pandas,
derive the AI flag exactly as the taxonomy does, and reject bad input with clear errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from talentmarket.analyses import demand
from talentmarket.stats import trends
from talentmarket.errors import DataUnavailableError, DataValidationError, ParameterError
from talentmarket.scale import (
    POSTING_FIELDS,
    ai_posting_shares,
    count_ai_postings,
    monthly_ai_share,
    monthly_sector_postings,
    posting_series,
    write_synthetic_postings,
    write_synthetic_salaries,
)
from talentmarket.scale import keys
from talentmarket.scale.aggregations import ai_flag
from talentmarket.scale.engine import execute, open_table
from talentmarket.scale.generate import PostingTruth
from talentmarket.data.postings import ai_postings_index
from talentmarket.data.taxonomy import CORE_AI, classify_titles

ROWS = 2_000_000
SMALL_ROWS = 20_000


@pytest.fixture(scope="module")
def postings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PostingTruth]:
    """Two million synthetic postings in four Parquet parts, and their truth."""
    directory = tmp_path_factory.mktemp("postings")
    return directory, write_synthetic_postings(directory, ROWS, seed=11, chunk_rows=ROWS // 4)


@pytest.fixture(scope="module")
def posting_frame(postings: tuple[Path, PostingTruth]) -> pd.DataFrame:
    """The columns the plain pandas group-by reads (titles and salaries would be most of the read), dates as
    datetime64 rather than one Python object per row."""
    return pd.read_parquet(
        postings[0], columns=["posted_date", "country", "sector", "is_ai"], to_pandas_kwargs={"date_as_object": False}
    )


@pytest.fixture(scope="module")
def small_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("small")
    write_synthetic_postings(directory, SMALL_ROWS, seed=3)
    return directory


@pytest.fixture
def small_postings(small_directory: Path) -> pd.DataFrame:
    """A small posting frame to damage in error tests."""
    return pd.read_parquet(small_directory)


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path


def _chi_square_p(observed: np.ndarray, expected: np.ndarray, trials: np.ndarray) -> float:
    """p-value of a binomial goodness-of-fit over independent cells."""
    statistic = np.sum((observed - trials * expected) ** 2 / (trials * expected * (1 - expected)))
    return float(stats.chi2.sf(statistic, len(observed)))


def test_monthly_ai_share_recovers_the_true_share_in_every_country_month(postings):
    directory, truth = postings
    observed = monthly_ai_share(directory)
    cells = truth.expected_cells("M").assign(weighted=lambda c: c.posting_probability * c.ai_probability)
    expected = cells.groupby(["country", "period"])[["weighted", "posting_probability"]].sum()
    merged = observed.merge(
        (expected.weighted / expected.posting_probability).rename("p").reset_index(),
        left_on=["country", "month"], right_on=["country", "period"], validate="one_to_one",
    )
    assert len(merged) == len(observed) == 9 * 90
    assert observed["postings"].sum() == ROWS
    assert _chi_square_p(merged.ai_postings.to_numpy(), merged.p.to_numpy(), merged.postings.to_numpy()) > 0.001


def test_industry_shares_of_ai_postings_recover_the_truth_and_show_the_drift_to_health_care(postings):
    directory, truth = postings
    observed = ai_posting_shares(directory, dimension="industry", period="year")
    cells = truth.expected_cells("Y").assign(weighted=lambda c: c.posting_probability * c.ai_probability)
    expected_ai = cells.groupby(["period", "industry"])["weighted"].sum()
    expected_share = (expected_ai / expected_ai.groupby(level="period").transform("sum")).rename("p").reset_index()
    merged = observed.merge(expected_share, left_on=["year", "industry"], right_on=["period", "industry"], validate="one_to_one")
    ai_in_year = merged.groupby("year")["ai_postings"].transform("sum").to_numpy()
    assert _chi_square_p(merged.ai_postings.to_numpy(), merged.p.to_numpy(), ai_in_year) > 0.001
    health = observed.loc[observed.industry == "Health Care and Social Assistance"].set_index("year")["share_of_ai_postings_pct"]
    assert health.iloc[-1] > health.iloc[0] + 2
    assert np.allclose(observed.groupby("year")[["share_of_ai_postings_pct", "share_of_postings_pct"]].sum(), 100)


def test_posting_series_feed_notebook_01s_estimators_and_recover_the_true_ai_trend(postings):
    directory, truth = postings
    series = posting_series(directory, countries=["GB", "US"])
    direct = monthly_ai_share(directory, countries=["GB", "US"])
    np.testing.assert_allclose(series.ai_share["share_pct"], direct["ai_share_pct"], rtol=1e-12)
    base = series.sector_postings.loc[series.sector_postings.month == "2020-02-01", "index"]
    assert np.allclose(base, 100) and len(base) == 2 * 16
    ai_index = ai_postings_index(series.ai_share, series.total_postings)
    estimated = trends.estimate_log_trend(ai_index.loc[ai_index.country == "US"].set_index("month")["index"])
    cells = truth.expected_cells("M").query("country == 'US'")
    expected_ai = (cells.posting_probability * cells.ai_probability).groupby(cells.period).sum()
    true_trend = trends.estimate_log_trend(expected_ai / expected_ai.index.days_in_month)
    assert estimated.ci_low < true_trend.slope < estimated.ci_high


def test_sector_counts_equal_a_plain_pandas_group_by(postings, posting_frame):
    directory, _ = postings
    observed = monthly_sector_postings(directory, countries=["US", "GB"])
    frame = posting_frame.loc[posting_frame.country.isin(["US", "GB"])]
    reference = (
        frame.assign(month=pd.to_datetime(frame.posted_date).dt.to_period("M").dt.start_time.astype("datetime64[ns]"))
        .groupby(["country", "month", "sector"], as_index=False)
        .agg(postings=("is_ai", "size"), ai_postings=("is_ai", "sum"))
    )
    reference["ai_share_pct"] = 100 * reference.ai_postings / reference.postings
    pd.testing.assert_frame_equal(observed, reference.astype({"ai_postings": "int64"}), check_exact=False, rtol=1e-12)


def test_shares_within_country_sum_to_100_per_country_and_quarter(postings):
    directory, _ = postings
    shares = ai_posting_shares(directory, dimension="sector", period="quarter", within=["country"], countries=["DE", "FR"])
    totals = shares.groupby(["quarter", "country"])[["share_of_ai_postings_pct", "share_of_postings_pct"]].sum()
    assert np.allclose(totals, 100)
    assert set(shares.country) == {"DE", "FR"}
    assert shares.quarter.dt.month.isin([1, 4, 7, 10]).all()


def test_title_derived_flag_equals_the_stored_flag(postings):
    directory, _ = postings
    with open_table(directory, POSTING_FIELDS) as table:
        from_titles = monthly_ai_share(table.drop("is_ai"))
    pd.testing.assert_frame_equal(from_titles, monthly_ai_share(directory))


@pytest.mark.filterwarnings("ignore:The 'future.infer_string' option:DeprecationWarning")  # ibis.memtable on pandas 3
def test_title_rule_matches_the_taxonomy_on_every_real_title(real_store):
    titles = pd.concat([
        real_store.read(source, "salaries.csv")["job_title"]
        for source in ("aijobs_net_salaries", "isecjobs_infosec_salaries", "devops_jobs_net_salaries")
    ])
    extra = pd.Series(["  Senior   Machine  Learning Engineer ", "Research Scientist", "Email Marketer"])
    frame = pd.DataFrame({"title": pd.concat([titles, extra]).drop_duplicates().to_numpy()})
    table = ibis.memtable(frame)
    expression = table.mutate(is_ai=ai_flag(table))
    result = execute(expression).set_index("title")["is_ai"]
    expected = (classify_titles(frame["title"]) == CORE_AI).set_axis(frame["title"])
    assert len(result) > 500
    assert result.loc[expected.index].tolist() == expected.tolist()


def test_counts_do_not_depend_on_chunk_size(tmp_path: Path):
    write_synthetic_postings(tmp_path / "one", SMALL_ROWS, seed=5)
    write_synthetic_postings(tmp_path / "many", SMALL_ROWS, seed=5, chunk_rows=3_000)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "one"), pd.read_parquet(tmp_path / "many")
    )
    assert len(list((tmp_path / "many").glob("part-*.parquet"))) == 7


def test_generators_reject_bad_arguments(tmp_path: Path):
    with pytest.raises(ParameterError, match="both must be positive"):
        write_synthetic_postings(tmp_path / "none", 0)
    with pytest.raises(ParameterError, match="non-negative integer"):
        write_synthetic_postings(tmp_path / "negative", 10, seed=-1)
    with pytest.raises(ParameterError, match="at least 2 employers"):
        write_synthetic_salaries(tmp_path / "one", 10, employers=1)
    write_synthetic_postings(tmp_path / "full", 10)
    with pytest.raises(ParameterError, match="write into an empty directory"):
        write_synthetic_postings(tmp_path / "full", 10)


def test_a_single_file_a_glob_and_a_directory_give_the_same_result(tmp_path: Path):
    directory = tmp_path / "parts"
    write_synthetic_postings(directory, SMALL_ROWS, seed=6, chunk_rows=SMALL_ROWS // 2)
    single = _write(pd.read_parquet(directory), tmp_path / "all.parquet")
    by_directory = monthly_ai_share(directory)
    pd.testing.assert_frame_equal(by_directory, monthly_ai_share(single))
    pd.testing.assert_frame_equal(by_directory, monthly_ai_share(str(directory / "part-*.parquet")))


def test_count_expression_is_engine_neutral_sql():
    table = ibis.table({"posted_date": "date", "country": "string", "sector": "string", "industry": "string",
                        "title": "string", "is_ai": "boolean"}, name="postings")
    expression = count_ai_postings(table, "month", ["country", "industry"])
    for dialect in ("duckdb", "pyspark"):
        sql = ibis.to_sql(expression, dialect=dialect).lower()
        assert "year(" in sql and "month(" in sql  # the engines' own functions, which both have
    assert expression.columns == (
        "month", "country", "industry", "postings", "ai_postings", "flagged", "first_date", "last_date", "ai_share_pct"
    )


@pytest.mark.parametrize("packed", [False, True], ids=["columns", "packed key"])
def test_months_the_data_covers_only_in_part_are_dropped_unless_asked_for(small_postings, tmp_path, monkeypatch, packed):
    if packed:  # the packed path takes the first and last date from its learning scan, not from each cell
        monkeypatch.setattr(keys, "MIN_ROWS", 0)
    window = small_postings.assign(posted_date=pd.to_datetime(small_postings.posted_date))
    window = window.loc[window.posted_date.between("2020-01-15", "2020-03-10")]
    path = _write(window, tmp_path / "window.parquet")
    assert monthly_ai_share(path, countries=["US"]).month.tolist() == [pd.Timestamp("2020-02-01")]
    assert len(monthly_ai_share(path, countries=["US"], complete_periods=False)) == 3
    with pytest.raises(DataValidationError, match="covers no complete year"):
        ai_posting_shares(path)


@pytest.mark.parametrize(
    ("damage", "column", "problem"),
    [
        (lambda f: f.drop(columns="sector"), "sector", "missing column"),
        (lambda f: f.assign(posted_date=f.posted_date.astype("str")), "posted_date", "expected a date"),
        (lambda f: f.assign(is_ai=f.is_ai.map({True: "yes", False: "no"})), "is_ai", "expected a boolean"),
        (lambda f: f.assign(country=f.country.where(f.index != 7)), "country", "1 postings have no value"),
        (lambda f: f.assign(posted_date=f.posted_date.where(f.index > 2)), "posted_date", "3 postings have no value"),
        (lambda f: f.assign(is_ai=f.is_ai.astype("boolean").where(f.index != 0)), "is_ai", "1 postings have no AI flag"),
        (lambda f: f.assign(country=f.country.replace({"GB": "UK", "US": "usa"})), "country", "['usa']"),
    ],
)
@pytest.mark.parametrize("packed", [False, True], ids=["columns", "packed key"])
def test_bad_posting_files_fail_with_source_column_and_problem(small_postings, tmp_path, monkeypatch, damage, column,
                                                               problem, packed):
    if packed:  # small files are grouped by their columns; the packed key must report the same problems
        monkeypatch.setattr(keys, "MIN_ROWS", 0)
    path = _write(damage(small_postings), tmp_path / "bad.parquet")
    with pytest.raises(DataValidationError, match=problem) as caught:
        monthly_ai_share(path)
    assert caught.value.column == column
    assert str(path) in caught.value.source


def test_missing_title_fails_when_the_flag_is_derived_from_it(small_postings, tmp_path):
    frame = small_postings.drop(columns="is_ai").assign(title=small_postings.title.where(small_postings.index != 4))
    with pytest.raises(DataValidationError, match="no AI flag"):
        monthly_ai_share(_write(frame, tmp_path / "titles.parquet"))


def test_empty_input_and_missing_files_are_reported(small_directory, tmp_path):
    empty = tmp_path / "empty.parquet"
    duckdb.sql(f"COPY (SELECT * FROM '{small_directory}/*.parquet' LIMIT 0) TO '{empty}'")
    with pytest.raises(DataValidationError, match="no postings to aggregate"):
        monthly_ai_share(empty)
    with pytest.raises(DataUnavailableError, match="no such Parquet file"):
        monthly_ai_share(tmp_path / "absent.parquet")
    (tmp_path / "void").mkdir()
    with pytest.raises(DataUnavailableError, match="holds no"):
        monthly_ai_share(tmp_path / "void")


def test_unknown_parameters_are_rejected_with_the_choices(small_postings, tmp_path):
    path = _write(small_postings, tmp_path / "ok.parquet")
    with pytest.raises(ParameterError, match=r"no postings for countries \['XX'\]; the data has \['AU', 'CA'"):
        monthly_ai_share(path, countries=["US", "XX"])
    with pytest.raises(ParameterError, match="non-empty list"):
        monthly_ai_share(path, countries="US")
    with pytest.raises(ParameterError, match="period 'week'"):
        ai_posting_shares(path, period="week")
    with pytest.raises(ParameterError, match="choose 'sector' or 'industry'"):
        monthly_sector_postings(path, dimension="title")
    with pytest.raises(ParameterError, match="engine 'polars'"):
        monthly_ai_share(path, engine="polars")
