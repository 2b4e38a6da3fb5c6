"""Demand-growth and sector-share aggregations of posting-level data, written once as Ibis expressions.

:func:`count_ai_postings` and :func:`add_shares_within` build the expressions;
they run unchanged on DuckDB (default, out-of-core over Parquet) or on Spark.
The ``monthly_*`` and :func:`ai_posting_shares` functions open a source on an
engine, execute, check the (small) result and hand back a tidy pandas frame:

- :func:`monthly_ai_share` — AI share of postings by country and month, the
  posting-level counterpart of the Indeed AI Tracker series in notebook 01;
- :func:`monthly_sector_postings` — postings and AI postings by country, month and
  sector (or industry), the counterpart of the sector posting indices;
- :func:`posting_series` — notebook 01's inputs (AI share, total and sector indices)
  from one scan, in the shapes :mod:`talentmarket.data.postings` returns for the Indeed files;
- :func:`ai_posting_shares` — each industry's (or sector's) share of all AI postings
  and of all postings per period, the stock measure sector migration compares over time.

Checks ride on the aggregation itself, so they cost no extra scan: a missing
key value shows up as a null group, a missing AI flag as a gap between rows
and flagged rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from talentmarket.data.postings import rebase
from talentmarket.data.taxonomy import CORE_AI, RULES
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.scale.engine import (
    Engine,
    EngineSettings,
    Source,
    execute,
    open_table,
)
from talentmarket.scale.keys import KeyCodes, aggregate_by, builtin_function, learn_codes
from talentmarket.scale.schema import POSTING_FIELDS

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
"""Period name → its length in months. In expressions a period is an integer index
(``year·12 + month − 1`` for months, ``year·4 + quarter − 1`` for quarters, the year
for years): grouping by an integer is a third faster in DuckDB than grouping by a
truncated date. Results hand back the period's first day as a timestamp."""
DIMENSIONS = ("country", "sector", "industry")
COUNT_COLUMNS = ("postings", "ai_postings")
_COUNTRY_CODE = r"^[A-Z]{2}$"


def core_ai_title_pattern() -> str:
    """One case-insensitive regular expression matching exactly the titles talentmarket.data.taxonomy calls core AI.

    Core-AI rules come first in the taxonomy's priority order, so a title is core AI
    exactly when one of them matches. The pattern uses only syntax that DuckDB (RE2)
    and Spark (Java) read the same way as Python.
    """
    return "(?i)" + "|".join(f"(?:{pattern})" for role, pattern in RULES if role == CORE_AI)


def ai_flag(table: ir.Table, title_column: str = "title") -> ir.BooleanColumn:
    """The table's ``is_ai`` column, or, when it has none, whether the whitespace-normalised title is core AI.

    ``title_column`` names the title (``job_title`` in the salary layout).
    """
    if "is_ai" in table.columns:
        return table.is_ai
    return table[title_column].re_replace(r"\s+", " ").strip().re_search(core_ai_title_pattern())


def count_ai_postings(
    table: ir.Table,
    period: str = "month",
    by: Sequence[str] = ("country",),
    codes: KeyCodes | None = None,
    cell_dates: bool = True,
) -> ir.Table:
    """Expression: postings, AI postings and AI share (%) per period and ``by`` cell.

    Also counts ``flagged`` rows (AI flag not missing), so callers can reject missing
    flags, and keeps each cell's first and last posting date, so callers can tell
    which periods the data covers only in part. With ``codes`` (:func:`learn_posting_codes`)
    the cells are grouped by one packed integer: the same table, at about half the CPU on DuckDB.
    With ``cell_dates=False`` the two dates are left out, for a caller that has the data's first and last
    date already (``codes.summaries``): on DuckDB's packed aggregate, a quarter less CPU.
    """
    keys = [_check_period(period), *_check_dimensions(by)]

    def metrics(keyed: ir.Table) -> dict[str, ir.Scalar]:
        counts = {
            "postings": keyed.count(), "ai_postings": keyed.ai_flag.cast("int64").sum(),
            "flagged": keyed.ai_flag.count(),
        }
        if not cell_dates:
            return counts
        return {**counts, "first_date": keyed.posted_date.min(), "last_date": keyed.posted_date.max()}

    counts = aggregate_by(_keyed(table, period), keys, metrics, codes)
    return counts.mutate(ai_share_pct=100 * counts.ai_postings / counts.postings)


def learn_posting_codes(table: ir.Table, period: str = "month", by: Sequence[str] = ("country",)) -> KeyCodes | None:
    """The packed-key numbering of :func:`count_ai_postings`' cells (one cheap scan; None where packing does not pay).

    The period index rises with the date, so its range is that of the first and last dates' periods; those
    two dates come back too, as ``summaries["first_date"]`` and ``summaries["last_date"]``.
    """
    dates = table.posted_date
    bounds = {period: (period_index(dates.min(), period), period_index(dates.max(), period), dates.count())}
    summaries = {"first_date": dates.min(), "last_date": dates.max()}
    return learn_codes(table, [_check_period(period), *_check_dimensions(by)], bounds, summaries)


def _keyed(table: ir.Table, period: str) -> ir.Table:
    """The postings with their period index and AI flag."""
    return table.mutate(**{period: period_index(table.posted_date, period)}, ai_flag=ai_flag(table))


def period_index(dates: ir.DateValue, period: str) -> ir.IntegerValue:
    """Expression: the integer index of the period each date falls in (see ``PERIOD_MONTHS``).

    Through the engines' ``year``/``month``/``quarter`` functions (DuckDB and Spark both have them): what Ibis'
    own ``.year()`` compiles to, ``EXTRACT(year FROM …)``, costs DuckDB a fifth more per row of a 100M-row scan.
    """
    def part(name: str) -> ir.IntegerValue:
        return builtin_function(name, (dates.type(),), dt.int64)(dates)

    if period == "month":
        return part("year") * 12 + part("month") - 1
    if period == "quarter":
        return part("year") * 4 + part("quarter") - 1
    return part("year")


def period_start(index: pd.Series, period: str) -> pd.Series:
    """The first day (datetime64[ns]) of each period index from :func:`period_index`."""
    months = index.astype("int64") * PERIOD_MONTHS[period]
    parts = pd.DataFrame({"year": months // 12, "month": months % 12 + 1, "day": 1})
    return pd.to_datetime(parts).astype("datetime64[ns]")


def add_shares_within(counts: ir.Table, within: Sequence[str]) -> ir.Table:
    """Expression: each row's share (%) of all AI postings and of all postings in its ``within`` group.

    A group without AI postings has no AI share distribution: its ``share_of_ai_postings_pct`` is missing.
    """
    return counts.mutate(
        share_of_ai_postings_pct=100 * counts.ai_postings / counts.ai_postings.sum().over(group_by=list(within)).nullif(0),
        share_of_postings_pct=100 * counts.postings / counts.postings.sum().over(group_by=list(within)),
    )


def monthly_ai_share(
    source: Source,
    engine: Engine = "duckdb",
    countries: Sequence[str] | None = None,
    complete_periods: bool = True,
    settings: EngineSettings | None = None,
) -> pd.DataFrame:
    """AI share of postings by country and calendar month, from posting-level data.

    Returns columns ``country`` (str), ``month`` (datetime64[ns], first day of the
    month), ``ai_share_pct`` (0–100), ``postings`` and ``ai_postings`` (int64),
    sorted by country and month. ``countries`` restricts the scan (None: all).
    With ``complete_periods``, months at the edges of the data that it covers only
    in part are dropped (their counts would look like a collapse in demand).
    """
    return _collect(source, engine, settings, period="month", by=("country",), countries=countries,
                    complete_periods=complete_periods,
                    columns=["country", "month", "ai_share_pct", "postings", "ai_postings"])


def monthly_sector_postings(
    source: Source,
    engine: Engine = "duckdb",
    countries: Sequence[str] | None = None,
    dimension: str = "sector",
    complete_periods: bool = True,
    settings: EngineSettings | None = None,
) -> pd.DataFrame:
    """Postings, AI postings and AI share (%) by country, month and sector (or ``dimension="industry"``).

    Columns ``country``, ``month``, ``<dimension>``, ``postings``, ``ai_postings``, ``ai_share_pct``;
    other arguments as for :func:`monthly_ai_share`.
    """
    if dimension not in ("sector", "industry"):
        raise ParameterError(f"dimension {dimension!r}: choose 'sector' or 'industry'")
    return _collect(source, engine, settings, period="month", by=("country", dimension), countries=countries,
                    complete_periods=complete_periods,
                    columns=["country", "month", dimension, "postings", "ai_postings", "ai_share_pct"])


def ai_posting_shares(
    source: Source,
    engine: Engine = "duckdb",
    dimension: str = "industry",
    period: str = "year",
    within: Sequence[str] = (),
    countries: Sequence[str] | None = None,
    complete_periods: bool = True,
    settings: EngineSettings | None = None,
) -> pd.DataFrame:
    """How AI postings spread across industries (or sectors) per period: the sector-migration stock measure.

    For each period (× ``within`` keys, e.g. ``("country",)``) and ``dimension`` value:
    ``postings``, ``ai_postings``, ``ai_share_pct`` (AI share within the industry),
    ``share_of_ai_postings_pct`` (the industry's share of all AI postings) and
    ``share_of_postings_pct`` (its share of all postings). A share of AI postings
    above the share of postings means AI work is concentrated there. Periods the
    data covers only in part are dropped unless ``complete_periods`` is False.
    """
    if dimension not in ("sector", "industry"):
        raise ParameterError(f"dimension {dimension!r}: choose 'sector' or 'industry'")
    if dimension in within:
        raise ParameterError(f"within={list(within)} must not contain the dimension {dimension!r}")
    return _collect(
        source, engine, settings, period=period, by=(*within, dimension), countries=countries,
        complete_periods=complete_periods, columns=[period, *within, dimension, "postings", "ai_postings", "ai_share_pct",
                 "share_of_ai_postings_pct", "share_of_postings_pct"],
        shares_within=(period, *within),
    )


@dataclass(frozen=True)
class PostingSeries:
    """Notebook 01's monthly inputs computed from posting-level data, shaped as :mod:`talentmarket.data.postings` returns them.

    ``ai_share``: ``country``, ``month``, ``share_pct`` (0–100), ``postings``;
    ``total_postings``: ``country``, ``month``, ``index``;
    ``sector_postings``: ``country``, ``sector``, ``month``, ``index`` — indices are
    postings per calendar day of the month, rebased to February 2020 = 100, like the
    Indeed indices (which average daily values, so month length does not move them).
    """

    ai_share: pd.DataFrame
    total_postings: pd.DataFrame
    sector_postings: pd.DataFrame


def posting_series(
    source: Source,
    countries: Sequence[str] | None = None,
    engine: Engine = "duckdb",
    settings: EngineSettings | None = None,
) -> PostingSeries:
    """The AI share, total-postings index and sector indices of notebook 01 from one scan of posting-level data.

    Country totals are sums over sectors, so the data is read once. The data must
    cover February 2020, the base month of the indices.
    """
    sectors = monthly_sector_postings(source, engine, countries, settings=settings)
    totals = sectors.groupby(["country", "month"], as_index=False)[list(COUNT_COLUMNS)].sum()
    ai_share = totals.assign(share_pct=100 * totals["ai_postings"] / totals["postings"])
    return PostingSeries(
        ai_share=ai_share[["country", "month", "share_pct", "postings"]],
        total_postings=_count_index(totals, ["country"]),
        sector_postings=_count_index(sectors, ["country", "sector"]),
    )


def _count_index(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Postings per day as an index, February 2020 = 100, with the columns of the Indeed indices."""
    frame = counts[[*keys, "month"]].assign(value=counts["postings"] / counts["month"].dt.days_in_month)
    return rebase(frame, keys).rename(columns={"value": "index"})


def _collect(
    source: Source,
    engine: Engine,
    settings: EngineSettings | None,
    period: str,
    by: Sequence[str],
    countries: Sequence[str] | None,
    complete_periods: bool,
    columns: list[str],
    shares_within: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Open, filter, aggregate, execute; check the result; return ``columns``, sorted by the key columns among them.

    Where the cells are packed, the scan that learns their numbering also finds the first and last posting
    date, so the aggregate leaves out each cell's dates; otherwise the aggregate keeps them.
    """
    chosen = _check_countries(countries)
    with open_table(source, POSTING_FIELDS, engine, settings) as table:
        name = str(source) if not isinstance(source, ir.Table) else "input table"
        filtered = table.filter(table.country.isin(chosen)) if chosen else table
        codes = learn_posting_codes(filtered, period, by)
        expression = count_ai_postings(filtered, period, by, codes, cell_dates=codes is None)
        if shares_within is not None:
            expression = add_shares_within(expression, shares_within)
        frame = execute(expression)
        if chosen:
            _check_countries_found(frame, chosen, table, name)
    keys = [period, *by]
    _check_result(frame, keys, name)
    frame = _tidy(frame, period, keys)
    if complete_periods:
        frame = _drop_partial_periods(frame, period, _date_range(frame, codes), name)
    return frame[columns].sort_values([c for c in columns if c in keys], ignore_index=True)


def _date_range(frame: pd.DataFrame, codes: KeyCodes | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The data's first and last posting date: learnt with the packed key's ``codes``, else from each cell's dates."""
    if codes is None:
        return pd.Timestamp(frame["first_date"].min()), pd.Timestamp(frame["last_date"].max())
    return pd.Timestamp(codes.summaries["first_date"]), pd.Timestamp(codes.summaries["last_date"])


def _drop_partial_periods(
    frame: pd.DataFrame, period: str, dates: tuple[pd.Timestamp, pd.Timestamp], name: str
) -> pd.DataFrame:
    """Keep the periods that lie wholly between the data's first and last posting date (``dates``)."""
    first, last = (date.normalize() for date in dates)
    ends = frame[period] + pd.DateOffset(months=PERIOD_MONTHS[period]) - pd.Timedelta(days=1)
    complete = frame.loc[(frame[period] >= first) & (ends <= last)]
    if complete.empty:
        raise DataValidationError(
            name, "posted_date", f"the data ({first.date()} to {last.date()}) covers no complete {period}; "
            "pass complete_periods=False to use partial periods"
        )
    return complete


def _check_period(period: str) -> str:
    if period not in PERIOD_MONTHS:
        raise ParameterError(f"period {period!r} is not one of {sorted(PERIOD_MONTHS)}")
    return period


def _check_dimensions(by: Sequence[str]) -> list[str]:
    unknown = [key for key in by if key not in DIMENSIONS]
    if unknown or len(set(by)) != len(by):
        raise ParameterError(f"by={list(by)}: group by distinct columns among {list(DIMENSIONS)}")
    return list(by)


def _check_countries(countries: Sequence[str] | None) -> list[str]:
    if countries is None:
        return []
    if isinstance(countries, str) or not countries:
        raise ParameterError(f"countries={countries!r}: give a non-empty list of codes such as ['US', 'GB'], or None for all")
    return sorted(set(countries))


def _check_countries_found(frame: pd.DataFrame, chosen: list[str], table: ir.Table, name: str) -> None:
    """ParameterError naming requested countries with no postings, and the countries the data has."""
    missing = sorted(set(chosen) - set(frame["country"].dropna()))
    if missing:
        available = sorted(execute(table.select("country").distinct())["country"].dropna())
        raise ParameterError(f"{name}: no postings for countries {missing}; the data has {available}")


def _check_result(frame: pd.DataFrame, keys: list[str], name: str) -> None:
    """DataValidationError for empty input, missing key values, missing AI flags or malformed country codes."""
    if frame.empty:
        raise DataValidationError(name, None, "no postings to aggregate (empty input or selection)")
    for key in keys:
        missing = int(frame.loc[frame[key].isna(), "postings"].sum())
        if missing:
            column = "posted_date" if key in PERIOD_MONTHS else key
            raise DataValidationError(name, column, f"{missing} postings have no value; fill or drop them before aggregating")
    unflagged = int((frame["postings"] - frame["flagged"]).sum())
    if unflagged:
        raise DataValidationError(name, "is_ai", f"{unflagged} postings have no AI flag (missing is_ai, or missing title when deriving it)")
    if "country" in frame:
        codes = pd.Series(frame["country"].unique(), dtype="str")
        bad = sorted(codes[~codes.str.match(_COUNTRY_CODE)])
        if bad:
            raise DataValidationError(name, "country", f"expected ISO alpha-2 codes like 'US', found {bad[:5]}")


def _tidy(frame: pd.DataFrame, period: str, keys: list[str]) -> pd.DataFrame:
    """Same dtypes whatever the engine: period as its first day (datetime64[ns]), text as str, counts as int64."""
    frame = frame.copy()
    frame[period] = period_start(frame[period], period)
    for key in keys[1:]:
        frame[key] = frame[key].astype("str")
    frame[list(COUNT_COLUMNS)] = frame[list(COUNT_COLUMNS)].astype("int64")
    return frame
