"""Indeed Wage Tracker: monthly year-over-year growth of posted wages, by country and
by US occupational sector.

The publisher takes the median posted wage per job title × region × salary-type
cell, its growth over twelve months, and the median of those growth rates: the
series measure *growth*, not pay levels. Months arrive as text like ``Jan-19``;
the loaders turn them into month-start dates, keep ``NA`` (the 3-month average of
the first two months) as missing, sort each series and check it has no gaps.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from talentmarket.data.store import DataStore
from talentmarket.errors import DataValidationError, ParameterError, check_choice

SOURCE = "indeed_wage_tracker"
COUNTRY_FILE = "posted-wage-growth-by-country.csv"
SECTOR_FILE = "posted-wage-growth-by-sector.csv"
MONTH_FORMAT = "%b-%y"
GROWTH_COLUMNS = ("posted_wage_growth_yoy", "posted_wage_growth_yoy_3moavg")
"""Growth as a fraction (0.031 = 3.1% a year); the second is the 3-month trailing average."""


def parse_months(months: pd.Series, file_name: str) -> pd.Series:
    """``"Jan-19"`` → ``2019-01-01``; a clear error naming the first value that is not a month."""
    parsed = pd.to_datetime(months, format=MONTH_FORMAT, errors="coerce")
    bad = months[parsed.isna()]
    if not bad.empty:
        raise DataValidationError(
            f"{SOURCE}/{file_name}", "month", f"{len(bad)} value(s) are not months like 'Jan-19', e.g. {bad.iloc[0]!r}"
        )
    return parsed.astype("datetime64[ns]")


def load_country_wage_growth(
    store: DataStore,
    countries: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Posted wage growth by country (two-letter ``jobcountry`` codes; ``EA`` is the euro area).

    ``countries`` selects codes (default all); ``start``/``end`` (``"2021-01"``) bound the months.
    """
    return _tidy(store, COUNTRY_FILE, "jobcountry", countries, start, end)


def load_sector_wage_growth(
    store: DataStore,
    sectors: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Posted wage growth by US occupational sector (Indeed's sector names, e.g. "Nursing").

    The file covers 19 mostly non-tech sectors: it has no Software Development or
    Mathematics series. ``sectors`` selects sectors (default all).
    """
    return _tidy(store, SECTOR_FILE, "sector", sectors, start, end)


def _tidy(
    store: DataStore, file_name: str, group: str, chosen: Sequence[str] | None, start: str | None, end: str | None
) -> pd.DataFrame:
    frame = store.read(SOURCE, file_name)
    frame["month"] = parse_months(frame["month"], file_name)
    keys = ["jobcountry", "sector"] if group == "sector" else ["jobcountry"]
    frame = frame.sort_values([*keys, "month"]).reset_index(drop=True)
    _check_no_gaps(frame, keys, file_name)
    if chosen is not None:
        frame = frame[frame[group].isin(check_choice(group, list(chosen), sorted(frame[group].unique())))]
    if start is not None:
        frame = frame[frame["month"] >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame["month"] <= pd.Timestamp(end)]
    if frame.empty:
        raise ParameterError(f"{SOURCE}/{file_name}: no months between {start or 'the first'} and {end or 'the last'} for this selection")
    return frame.reset_index(drop=True)


def _check_no_gaps(frame: pd.DataFrame, keys: list[str], file_name: str) -> None:
    """Every series must run month after month: a gap would silently distort trends and averages."""
    for key, series in frame.groupby(keys, sort=True):
        expected = pd.date_range(series["month"].iloc[0], series["month"].iloc[-1], freq="MS")
        if len(expected) != len(series):
            missing = expected.difference(series["month"])
            raise DataValidationError(
                f"{SOURCE}/{file_name}", "month",
                f"series {' / '.join(key)} misses {len(missing)} month(s), first {missing[0]:%b %Y}",
            )
