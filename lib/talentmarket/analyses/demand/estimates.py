"""Demand estimators: AI postings against occupational sectors, AI share trends and level shifts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from talentmarket.analyses.demand.parameters import (
    check_ai_measure,
    check_tech_sectors,
    parse_date,
)
from talentmarket.data.store import DataStore
from talentmarket.errors import ParameterError
from talentmarket.stats.multiplicity import holm
from talentmarket.stats.trends import (
    BLOCK_MONTHS,
    MIN_MONTHS,
    Trend,
    ar1_mean_difference,
    estimate_log_trend,
    estimate_log_trends,
    window,
)

if TYPE_CHECKING:
    from talentmarket.scale import PostingSeries


def from_sustained_positive(series: pd.Series) -> pd.Series:
    """The series from the month after its last non-positive value: logs need positive values throughout.

    GenAI shares are zero in some early months (no posting mentioned GenAI); a log-linear trend or level
    ratio starts at the first month from which every value is positive, and tables report that month.
    """
    clean = series.dropna().sort_index()
    bad = clean.index[~(clean > 0) | ~np.isfinite(clean)]
    return clean if bad.empty else clean.loc[clean.index > bad.max()]


def _named_trend(series: pd.Series, name: str, level: float) -> Trend:
    """:func:`estimate_log_trend` whose errors name the series that could not be fitted."""
    try:
        return estimate_log_trend(series, level)
    except ParameterError as error:
        raise ParameterError(f"{name}: {error} (months {_span(series)})") from None


def _span(series: pd.Series) -> str:
    return "none" if series.empty else f"{series.index.min():%Y-%m} to {series.index.max():%Y-%m}"


def compare_ai_with_sectors(
    ai_index: pd.DataFrame,
    sector_index: pd.DataFrame,
    start: str,
    tech_sectors: Sequence[str],
    level: float = 0.95,
    *,
    parameter: str = "comparison_start",
) -> pd.DataFrame:
    """Trend of the AI postings index against every sector, per country, from ``start`` to the sector data's end.

    For each country and sector: the sector's trend, the AI trend over the same months, and the gap
    (trend of log(AI/sector)) with an EWC CI and its t degrees of freedom (``dof``). The AI series starts
    at its first sustained positive month (``ai_start``; matters for GenAI keywords, zero in early months).
    Each row's ``end`` is the last month both series cover: the sector files end years before the AI
    series, so every comparison is about its own window. Gap p-values against zero are Holm-adjusted
    within each country's tech sectors (``gap_p_holm``) for statements about single sectors.
    ``parameter`` names ``start`` in errors (``comparison_start`` or ``sensitivity_start`` in notebook 01).
    """
    begin = parse_date(parameter, start)
    check_tech_sectors(sector_index, tech_sectors)
    rows = []
    for country, panel in sector_index.loc[sector_index["month"] >= begin].groupby("country", sort=True):
        ai_all = ai_index.loc[ai_index["country"] == country].set_index("month")["index"]
        for ai_series, sectors in _sector_windows(panel, ai_all, begin):
            common = sectors.index
            if len(common) < MIN_MONTHS:
                continue
            ai_trend, sector_trends, gaps = _window_trends(country, ai_series, sectors, level)
            for sector, sector_trend, gap in zip(sectors.columns, sector_trends, gaps, strict=True):
                rows.append({
                    "country": country, "sector": sector, "is_tech": sector in tech_sectors,
                    "start": common.min(), "end": common.max(), "months": len(common), "ai_start": ai_series.index.min(),
                    "sector_pct_per_year": sector_trend.pct_per_year,
                    "sector_pct_ci_low": sector_trend.pct_ci[0], "sector_pct_ci_high": sector_trend.pct_ci[1],
                    "ai_pct_per_year": ai_trend.pct_per_year,
                    "gap_log_per_year": gap.slope, "gap_se": gap.se, "gap_p": gap.p_value, "dof": gap.dof,
                    "gap_ci_low": gap.ci_low, "gap_ci_high": gap.ci_high,
                })
    if not rows:
        raise ParameterError(f"{parameter} = {start!r}: no country has {MIN_MONTHS}+ months of both AI and sector data "
                             "after it; choose an earlier date (the sector files end between 2024-05 and 2025-06)")
    return _add_holm_for_tech(pd.DataFrame(rows))


def _sector_windows(panel: pd.DataFrame, ai_all: pd.Series, begin: pd.Timestamp) -> list[tuple[pd.Series, pd.DataFrame]]:
    """One country's sectors (rows from ``begin``) grouped by the months they are compared with AI over.

    A sector's window is the months it has rows for that the AI series, from ``begin`` to the sector's last
    month and from its first sustained positive month, also covers. Returns, per distinct window, the AI series
    so cut and the sectors' indices over the window (months × sectors, sorted). Sectors of one file usually
    share their months, so a country is usually one window: its trends are then one fit.
    """
    values = panel.pivot(index="month", columns="sector", values="index")
    present = panel.pivot(index="month", columns="sector", values="month").notna().to_numpy()
    patterns, members = np.unique(present.T, axis=0, return_inverse=True)
    windows = []
    for pattern, rows in enumerate(patterns):
        months = values.index[rows]
        ai_series = from_sustained_positive(window(ai_all, begin, months.max()))
        common = months.intersection(ai_series.index)
        windows.append((ai_series, values.loc[common, values.columns[members.ravel() == pattern]]))
    return windows


def _window_trends(country: str, ai_series: pd.Series, sectors: pd.DataFrame,
                   level: float) -> tuple[Trend, list[Trend], list[Trend]]:
    """Trends of the AI index, of each sector's index and of AI ÷ each sector over the sectors' months, fitted
    together (:func:`estimate_log_trends`); errors name the series and the months."""
    ai = ai_series.loc[sectors.index].to_numpy(dtype=float)[:, None]
    indices = sectors.to_numpy(dtype=float)
    names = [f"{country} (AI postings index)", *(f"{country} / {sector} (sector index)" for sector in sectors.columns),
             *(f"{country} / {sector} (AI ÷ sector)" for sector in sectors.columns)]
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero index is reported by the trend's own check
        frame = pd.DataFrame(np.hstack([ai, indices, ai / indices]), index=sectors.index, columns=names)
    try:
        ai_trend, *trends = estimate_log_trends(frame, level)
    except ParameterError as error:
        raise ParameterError(f"{error} (months {_span(frame)})") from None
    return ai_trend, trends[:indices.shape[1]], trends[indices.shape[1]:]


def _add_holm_for_tech(table: pd.DataFrame) -> pd.DataFrame:
    """Holm-adjusted p-values of the gaps to the tech sectors of each country, and gaps in percent per year."""
    table["gap_p_holm"] = np.nan
    for _, group in table.groupby("country"):
        tech = group.index[group["is_tech"]]
        if len(tech):
            table.loc[tech, "gap_p_holm"] = holm(table.loc[tech, "gap_p"])
    for column in ("gap_log_per_year", "gap_ci_low", "gap_ci_high"):
        table[column.replace("log", "pct").replace("gap_ci", "gap_pct_ci")] = 100 * np.expm1(table[column])
    return table.sort_values(["country", "sector"], ignore_index=True)


def ai_trend_in_window(ai_index: pd.DataFrame, comparison: pd.DataFrame, country: str, start: str, level: float = 0.95) -> Trend:
    """The AI postings index's own trend in ``country`` over the window its sector comparison used."""
    series = ai_index.loc[ai_index["country"] == country].set_index("month")["index"]
    end = comparison.loc[comparison["country"] == country, "end"].max()
    return _named_trend(from_sustained_positive(window(series, parse_date("comparison_start", start), end)),
                        f"{country} (AI postings index)", level)


def ai_growth_after_sector_end(ai_index: pd.DataFrame, comparison: pd.DataFrame, months: int = 3) -> pd.DataFrame:
    """Descriptive only: how much the AI postings index moved after each country's sector data end.

    Per country: the sector data's last month, the AI index's last month, and the change (%) of the AI
    index's mean over its latest ``months`` months against its mean over the ``months`` months to the
    sector end. No interval: nothing is compared with a sector, and no claim rests on it.
    """
    rows = []
    for country, end in comparison.groupby("country")["end"].max().items():
        series = ai_index.loc[ai_index["country"] == country].set_index("month")["index"].sort_index()
        at_end, latest = series.loc[:end].iloc[-months:], series.iloc[-months:]
        rows.append({"country": country, "sector_data_end": end, "ai_index_end": series.index.max(),
                     "months_after": len(series.loc[end:]) - 1,
                     "ai_change_pct": 100 * (latest.mean() / at_end.mean() - 1)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LevelShift:
    """Ratio of a series' geometric mean level after an event to before, with its AR(1) window-mean interval.

    ``log_ratio`` and ``se`` are on the log scale the interval is built on, ``dof`` its t degrees of
    freedom, ``rho`` the bias-corrected AR(1) coefficient of the log series; ``start``/``end`` the first
    and last month of the two windows.
    """

    ratio: float
    ci_low: float
    ci_high: float
    months_before: int
    months_after: int
    log_ratio: float
    se: float
    dof: float
    rho: float
    start: pd.Timestamp
    end: pd.Timestamp


def _earlier_blocks(log_values: pd.Series, start: pd.Timestamp, months: int = BLOCK_MONTHS) -> list[np.ndarray]:
    """The finite months of ``log_values`` before ``start`` (the earlier window's first month), as runs of
    consecutive months cut into ``months``-month stretches; a remainder of fewer than 6 months is left out.
    The months between the windows are never used: they hold the change being measured."""
    rest = log_values.loc[(log_values.index < start) & np.isfinite(log_values)]
    if rest.empty:
        return []
    run = np.r_[0, np.cumsum(np.diff(rest.index.year * 12 + rest.index.month) != 1)]
    blocks = []
    for _, values in rest.groupby(run):
        for first in range(0, len(values), months):
            piece = values.iloc[first:first + months].to_numpy(dtype=float)
            if len(piece) >= 6:
                blocks.append(piece)
    return blocks


def estimate_level_shift(series: pd.Series, event: str | pd.Timestamp, months: int = 12, level: float = 0.95,
                         *, name: str = "series", parameter: str = "event_date") -> LevelShift:
    """Compare the ``months`` before ``event`` with the latest ``months`` of the series.

    The ratio is ``exp(mean log after − mean log before)`` (geometric mean after / geometric mean before).
    Its interval is :func:`talentmarket.stats.trends.ar1_mean_difference`: AR(1) errors whose coefficient is
    estimated from the two windows and the months before the earlier one (12-month stretches, each detrended),
    not from the months between the windows, where the take-off being measured would pass for persistence.
    ``name`` and ``parameter`` name the series and the date parameter in errors.
    """
    clean = series.dropna().sort_index()
    when = parse_date(parameter, event)
    before = clean.loc[:when].iloc[-months:]
    after = clean.loc[when:].iloc[-months:]
    if len(before) < months or len(after) < months:
        raise ParameterError(f"{name}: a level shift needs {months} months before and after {parameter} = {when.date()}; "
                             f"got {len(before)} and {len(after)} (data {_span(clean)})")
    both = pd.concat([before, after])
    if not (both > 0).all():
        zero = both.index[~(both > 0)]
        raise ParameterError(f"{name}: a level shift in logs needs strictly positive values; {len(zero)} month(s) are not, "
                             f"first {zero[0]:%Y-%m}; choose a later {parameter}")
    logs = np.log(clean.where(clean > 0))
    log_before, log_after = np.log(before.to_numpy(dtype=float)), np.log(after.to_numpy(dtype=float))
    blocks = [log_before, log_after, *_earlier_blocks(logs, before.index.min())]
    shift = ar1_mean_difference(log_before, log_after, blocks, level)
    return LevelShift(float(np.exp(shift.difference)), float(np.exp(shift.ci_low)), float(np.exp(shift.ci_high)),
                      len(before), len(after), float(shift.difference), float(shift.se), float(shift.dof),
                      float(shift.rho), before.index.min(), after.index.max())


def estimate_share_trends(ai_share: pd.DataFrame, start: str, end: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Log-linear trend of the AI share of postings per country, with Holm-adjusted p-values across countries.

    Descriptive: the share was flat for years and then rose, so no claim rests on this straight line.
    """
    begin = parse_date("share_trend_start", start)
    rows = []
    for country, group in ai_share.groupby("country", sort=True):
        series = from_sustained_positive(window(group.set_index("month")["share_pct"], begin, end))
        trend = _named_trend(series, f"{country} (AI share)", level)
        low, high = trend.pct_ci
        rows.append({"country": country, "start": series.index.min(), "end": series.index.max(), "months": trend.n,
                     "pct_per_year": trend.pct_per_year, "ci_low": low, "ci_high": high, "p": trend.p_value})
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p"])
    return table


def estimate_level_shifts(share: pd.DataFrame, event: str, months: int = 12, level: float = 0.95,
                          *, parameter: str = "event_date") -> pd.DataFrame:
    """:func:`estimate_level_shift` of the share series of every country, with its log-scale SE and window."""
    rows = []
    for country, group in share.groupby("country", sort=True):
        shift = estimate_level_shift(group.set_index("month")["share_pct"], event, months, level,
                                     name=f"{country} (share)", parameter=parameter)
        rows.append({"country": country, "ratio": shift.ratio, "ci_low": shift.ci_low, "ci_high": shift.ci_high,
                     "log_ratio": shift.log_ratio, "se": shift.se, "dof": shift.dof, "rho": shift.rho, "start": shift.start, "end": shift.end})
    return pd.DataFrame(rows)


def load_own_postings(store: DataStore, path: str, countries: Sequence[str], ai_measure: str = "ai") -> PostingSeries:
    """Monthly AI share, total and sector postings indices from a posting-level Parquet file or directory.

    The aggregation runs out-of-core through :func:`talentmarket.scale.posting_series` (DuckDB), so
    the file may be far larger than memory; the file is cited in the store's provenance. Posting
    files carry one AI flag, not a GenAI flag, so ``ai_measure`` must be ``"ai"``.
    """
    if check_ai_measure(ai_measure) != "ai":
        raise ParameterError("posting-level files carry an AI flag but no GenAI flag: use ai_measure='ai' with postings_path")
    from talentmarket.scale import (
        posting_series,  # optional extra: pip install -e .[scale]
    )

    store.record_own_file(path)
    return posting_series(path, countries)
