"""Demand estimators: AI postings against occupational sectors, AI share trends and level shifts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from talentmarket.data.store import DataStore
from talentmarket.errors import ParameterError
from talentmarket.stats.trends import MIN_MONTHS, estimate_log_trend, fit_ewc, window

if TYPE_CHECKING:
    from talentmarket.scale import PostingSeries



def compare_ai_with_sectors(
    ai_index: pd.DataFrame,
    sector_index: pd.DataFrame,
    start: str,
    tech_sectors: list[str],
    level: float = 0.95,
) -> pd.DataFrame:
    """Trend of the AI postings index against every sector, per country, from ``start`` to the sector data's end.

    For each country and sector: the sector's trend, the AI trend over the same
    months, and the gap (trend of log(AI/sector)) with an EWC CI.

    "AI outgrew *every* tech sector" is an intersection–union hypothesis: it holds when
    each gap's own 95% CI lies above zero, and that test has level 5% without any
    multiplicity correction (Berger 1982). Statements about individual sectors ("AI
    outgrew Mathematics") are a union of tests, so their p-values are Holm-adjusted
    within each country's tech family (``gap_p_holm``).
    """
    rows = []
    for (country, sector), group in sector_index.groupby(["country", "sector"], sort=True):
        sector_series = window(group.set_index("month")["index"], start)
        ai_series = window(ai_index.loc[ai_index["country"] == country].set_index("month")["index"], start, sector_series.index.max())
        common = sector_series.index.intersection(ai_series.index)
        if len(common) < MIN_MONTHS:
            continue
        sector_trend = estimate_log_trend(sector_series.loc[common], level)
        ai_trend = estimate_log_trend(ai_series.loc[common], level)
        gap = estimate_log_trend(ai_series.loc[common] / sector_series.loc[common], level)
        rows.append({
            "country": country, "sector": sector, "is_tech": sector in tech_sectors,
            "start": common.min(), "end": common.max(), "months": len(common),
            "sector_pct_per_year": sector_trend.pct_per_year,
            "sector_pct_ci_low": sector_trend.pct_ci[0], "sector_pct_ci_high": sector_trend.pct_ci[1],
            "ai_pct_per_year": ai_trend.pct_per_year,
            "gap_log_per_year": gap.slope, "gap_se": gap.se, "gap_p": gap.p_value,
            "gap_ci_low": gap.ci_low, "gap_ci_high": gap.ci_high,
        })
    if not rows:
        raise ParameterError(f"no country has {MIN_MONTHS}+ months of both AI and sector data after {start}")
    return _add_holm_for_tech(pd.DataFrame(rows))


def _add_holm_for_tech(table: pd.DataFrame) -> pd.DataFrame:
    """Holm-adjusted p-values of the gaps to the tech sectors of each country, and gaps in percent per year."""
    table["gap_p_holm"] = np.nan
    for _, group in table.groupby("country"):
        tech = group.index[group["is_tech"]]
        if len(tech):
            table.loc[tech, "gap_p_holm"] = multipletests(table.loc[tech, "gap_p"], method="holm")[1]
    for column in ("gap_log_per_year", "gap_ci_low", "gap_ci_high"):
        table[column.replace("log", "pct").replace("gap_ci", "gap_pct_ci")] = 100 * np.expm1(table[column])
    return table.sort_values(["country", "sector"], ignore_index=True)


@dataclass(frozen=True)
class LevelShift:
    """Ratio of a series' mean level after an event to its mean level before, with a CI."""

    ratio: float
    ci_low: float
    ci_high: float
    months_before: int
    months_after: int


def estimate_level_shift(series: pd.Series, event: str | pd.Timestamp, months: int = 12, level: float = 0.95) -> LevelShift:
    """Compare the ``months`` before ``event`` with the latest ``months`` of the series.

    Fits ``log(y) = a + b·after + e`` on those two windows with EWC errors; the ratio
    is ``exp(b)`` (geometric mean after / geometric mean before).
    """
    clean = series.dropna().sort_index()
    when = pd.Timestamp(event)
    before = clean.loc[:when].iloc[-months:]
    after = clean.loc[when:].iloc[-months:]
    if len(before) < months or len(after) < months:
        raise ParameterError(f"a level shift needs {months} months before and after {when.date()}; got {len(before)} and {len(after)}")
    if (pd.concat([before, after]) <= 0).any():
        raise ParameterError("a level shift in logs needs strictly positive values")
    values = np.log(pd.concat([before, after]).to_numpy(dtype=float))
    design = np.column_stack([np.ones(len(values)), np.r_[np.zeros(len(before)), np.ones(len(after))]])
    fit = fit_ewc(values, design)
    low, high = fit.interval(1, 1 - level)
    return LevelShift(float(np.exp(fit.params[1])), float(np.exp(low)), float(np.exp(high)), len(before), len(after))


def estimate_share_trends(ai_share: pd.DataFrame, start: str, end: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Log-linear trend of the AI share of postings per country, with Holm-adjusted p-values across countries."""
    rows = []
    for country, group in ai_share.groupby("country", sort=True):
        trend = estimate_log_trend(window(group.set_index("month")["share_pct"], start, end), level)
        low, high = trend.pct_ci
        rows.append({"country": country, "months": trend.n, "pct_per_year": trend.pct_per_year,
                     "ci_low": low, "ci_high": high, "p": trend.p_value})
    table = pd.DataFrame(rows)
    table["p_holm"] = multipletests(table["p"], method="holm")[1]
    return table


def estimate_level_shifts(share: pd.DataFrame, event: str, months: int = 12, level: float = 0.95) -> pd.DataFrame:
    """:func:`estimate_level_shift` of the share series of every country."""
    rows = []
    for country, group in share.groupby("country", sort=True):
        shift = estimate_level_shift(group.set_index("month")["share_pct"], event, months, level)
        rows.append({"country": country, "ratio": shift.ratio, "ci_low": shift.ci_low, "ci_high": shift.ci_high})
    return pd.DataFrame(rows)


def load_own_postings(store: DataStore, path: str, countries: Sequence[str], ai_measure: str = "ai") -> PostingSeries:
    """Monthly AI share, total and sector postings indices from a posting-level Parquet file or directory.

    The aggregation runs out-of-core through :func:`talentmarket.scale.posting_series` (DuckDB), so
    the file may be far larger than memory; the file is cited in the store's provenance. Posting
    files carry one AI flag, not a GenAI flag, so ``ai_measure`` must be ``"ai"``.
    """
    if ai_measure != "ai":
        raise ParameterError("posting-level files carry an AI flag but no GenAI flag: use ai_measure='ai' with postings_path")
    from talentmarket.scale import (
        posting_series,  # optional extra: pip install -e .[scale]
    )

    store.record_own_file(path)
    return posting_series(path, countries)
