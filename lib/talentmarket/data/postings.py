"""Tidy monthly series from the Indeed Hiring Lab and OWID/AI Index posting data.

Daily files are averaged to calendar months inside DuckDB (the files are scanned,
not loaded), months with too few observed days are dropped, and every index is
rebased so that February 2020 = 100, the base the publisher uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from talentmarket.data.sources import AGGREGATE_COUNTRIES, SECTOR_COUNTRIES
from talentmarket.data.store import DataStore
from talentmarket.errors import ParameterError, check_choice

SOURCE_AI = "indeed_ai_tracker"
SOURCE_POSTINGS = "indeed_hiring_lab_job_postings"
SOURCE_OWID = "owid_ai_index_ai_job_postings_share"
AI_MEASURES = {"ai": ("AI_posting.csv", "AI_share_postings"), "genai": ("GenAI_posting.csv", "GenAI_share_postings")}
AI_TRACKER_COUNTRIES = ("AU", "CA", "DE", "FR", "GB", "IE", "IT", "NL", "US")
BASE_MONTH = pd.Timestamp("2020-02-01")
MIN_DAYS_PER_MONTH = 20


def _monthly_sql(value_column: str, group_column: str, extra_group: str = "") -> str:
    groups = f"{group_column}{', ' + extra_group if extra_group else ''}"
    return (
        f"SELECT {groups}, date_trunc('month', date) AS month, avg({value_column}) AS value, count(*) AS days "
        f"FROM t WHERE {group_column} IN (SELECT unnest($countries)) "
        f"GROUP BY ALL HAVING count(*) >= {MIN_DAYS_PER_MONTH} ORDER BY ALL"
    )


def _query_monthly(store: DataStore, sql: str, source: str, files: list[str], countries: list[str]) -> pd.DataFrame:
    frame = store.query(sql.replace("$countries", repr(countries)), {"t": (source, files)})
    frame["month"] = pd.to_datetime(frame["month"]).astype("datetime64[ns]")
    return frame


def monthly_ai_share(store: DataStore, countries: Sequence[str], measure: str = "ai") -> pd.DataFrame:
    """Monthly mean share (%) of postings mentioning AI (``measure='ai'``) or GenAI, by country.

    Columns: ``country``, ``month``, ``share_pct``, ``days``.
    """
    if measure not in AI_MEASURES:
        raise ParameterError(f"ai_measure {measure!r} is not one of {sorted(AI_MEASURES)}")
    chosen = check_choice("countries", countries, AI_TRACKER_COUNTRIES)
    file_name, column = AI_MEASURES[measure]
    frame = _query_monthly(store, _monthly_sql(column, "jobcountry"), SOURCE_AI, [file_name], chosen)
    return frame.rename(columns={"jobcountry": "country", "value": "share_pct"})


def monthly_total_postings(store: DataStore, countries: Sequence[str]) -> pd.DataFrame:
    """Monthly seasonally adjusted total-postings index by country, rebased to Feb 2020 = 100."""
    chosen = check_choice("countries", countries, AGGREGATE_COUNTRIES)
    files = [f"aggregate_job_postings_{c}.csv" for c in chosen]
    sql = _monthly_sql("indeed_job_postings_index_SA", "jobcountry").replace(
        "WHERE", "WHERE variable = 'total postings' AND"
    )
    frame = _query_monthly(store, sql, SOURCE_POSTINGS, files, chosen).rename(columns={"jobcountry": "country"})
    return rebase(frame, ["country"]).rename(columns={"value": "index"})


def monthly_sector_postings(store: DataStore, countries: Sequence[str]) -> pd.DataFrame:
    """Monthly postings index by occupational sector and country, rebased to Feb 2020 = 100.

    Columns: ``country``, ``sector``, ``month``, ``index``, ``days``.
    """
    chosen = check_choice("countries", countries, SECTOR_COUNTRIES)
    files = [f"job_postings_by_sector_{c}.csv" for c in chosen]
    sql = _monthly_sql("indeed_job_postings_index", "jobcountry", "display_name")
    frame = _query_monthly(store, sql, SOURCE_POSTINGS, files, chosen)
    frame = frame.rename(columns={"jobcountry": "country", "display_name": "sector"})
    return rebase(frame, ["country", "sector"]).rename(columns={"value": "index"})


def rebase(frame: pd.DataFrame, keys: list[str], column: str = "value", base_month: str | pd.Timestamp = BASE_MONTH) -> pd.DataFrame:
    """Divide each series (grouped by ``keys``) by its value in ``base_month`` and multiply by 100.

    A series without a positive value in the base month cannot be rebased; that is an error,
    not an infinite index.
    """
    base = frame.loc[frame["month"] == pd.Timestamp(base_month), [*keys, column]].rename(columns={column: "base"})
    merged = frame.merge(base, on=keys, how="left")
    bad = merged.loc[~(merged["base"] > 0), keys].drop_duplicates()
    if not bad.empty:
        raise ParameterError(
            f"no positive value in the base month {pd.Timestamp(base_month):%Y-%m} for {bad.to_dict('records')}; "
            "choose a base month the data cover"
        )
    merged[column] = 100 * merged[column] / merged["base"]
    return merged.drop(columns="base")


def ai_postings_index(ai_share: pd.DataFrame, total: pd.DataFrame, base_month: str | pd.Timestamp = BASE_MONTH) -> pd.DataFrame:
    """AI postings index = AI share × total postings index, rebased to ``base_month`` = 100, by country.

    It counts AI-mentioning postings relative to the base month, on the same footing as
    the sector indices (Feb 2020 = 100). Trend comparisons do not depend on the base month;
    pick a later one for series that are near zero in Feb 2020 (GenAI mentions).
    """
    merged = ai_share.merge(total[["country", "month", "index"]], on=["country", "month"], how="inner")
    merged["value"] = merged["share_pct"] * merged["index"]
    return rebase(merged[["country", "month", "value"]], ["country"], base_month=base_month).rename(columns={"value": "index"})



def owid_ai_share(store: DataStore) -> pd.DataFrame:
    """Annual share (%) of Lightcast postings requiring AI skills: ``country``, ``code``, ``year``, ``share_pct``."""
    frame = store.read(SOURCE_OWID, "share-artificial-intelligence-job-postings.csv")
    return frame.rename(
        columns={"Entity": "country", "Code": "code", "Year": "year",
                 "Share of artificial intelligence jobs among all job postings": "share_pct"}
    ).sort_values(["country", "year"], ignore_index=True)
