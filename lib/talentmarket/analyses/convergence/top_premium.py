"""The premium of research and lead titles, and of the top decile, over other roles at the same seniority."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentmarket.analyses.convergence.sample import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_MIN_CELL,
    REQUIRED_COLUMNS,
    TOP_TITLE_PATTERN,
    Interval,
    _build_design,
    _cell_sizes,
    _contrast,
    _controls,
    _count_postings,
    _Design,
    _fit_clustered,
    _insufficient_text,
    _keep_years,
    _most_frequent,
    _notes_text,
    _percentile_interval,
    _require_columns,
    _StratifiedClusterBootstrap,
)
from talentmarket.errors import ParameterError
from talentmarket.stats.regression import solve_least_squares


@dataclass(frozen=True)
class TopPremium:
    """Pay premium of research/lead titles and of the top decile, year by year."""

    by_year: pd.DataFrame
    """year, top_postings, other_postings, premium_percent with ci_low/ci_high,
    top_decile_percent with decile_ci_low/decile_ci_high (P90 over P50 of adjusted pay)."""
    latest: Interval | None
    """Research/lead title premium in the last year with enough postings, percent."""
    latest_p_value: float | None
    latest_year: int | None
    trend: Interval | None
    """Change of the title premium per year, log points."""
    trend_p_value: float | None
    top_titles: pd.DataFrame
    """The most frequent titles counted as research/lead, with postings."""
    pattern: str
    n_postings: int
    insufficient: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """Premiums by year, the latest premium and its trend, and the titles counted, as deterministic text."""
        if self.latest is None:
            return _insufficient_text(self.insufficient, self.notes)
        lines = [self.by_year.round(1).to_string(index=False), f"research/lead premium in {self.latest_year}: {self.latest.text()}%"]
        if self.trend is not None:
            lines.append(f"trend of the premium: {self.trend.scaled(100).text()} log points per year")
        lines.append("titles counted: " + ", ".join(f"{row.job_title} ({row.postings})" for row in self.top_titles.head(8).itertuples()))
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_top_premium(
    sample: pd.DataFrame,
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    top_title_pattern: str = TOP_TITLE_PATTERN,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
) -> TopPremium:
    """Do research/lead titles still earn more than other titles at the same seniority, and how far is the top decile above the median?

    Title premium: log pay on residence country × year cells, seniority, employment
    type (and source) and a research/lead-title dummy per year (cluster-robust CIs),
    plus one fit with the dummy interacted with the centred year for the trend.
    Top decile: the 90th minus the 50th percentile of pay adjusted for the same
    controls, per year, with a bootstrap CI over postings. Years where either group
    has fewer than ``min_cell`` postings are left out with a note.
    """
    _require_columns(sample, REQUIRED_COLUMNS)
    try:
        pattern = re.compile(top_title_pattern, re.IGNORECASE)
    except re.error as error:
        raise ParameterError(f"top_title_pattern {top_title_pattern!r} is not a regular expression: {error}") from None
    rows = sample.assign(top_title=sample["job_title"].map(lambda title: bool(pattern.search(title))).astype(bool))
    sizes = _cell_sizes(rows, ["work_year", "top_title"]).unstack(fill_value=0).reindex(columns=[False, True], fill_value=0)
    sizes.columns = ["other titles", "research/lead titles"]
    top_titles = _most_frequent(rows.loc[rows["top_title"]], "job_title", "job_title").head(15)
    years, thin_years = _keep_years(sizes, min_cell, "postings with or without a research/lead title")
    notes = tuple(n for n in (thin_years,) if n)
    if not years:
        reason = f"no year has at least {min_cell} postings both with and without a research/lead title (pattern {top_title_pattern!r})."
        return TopPremium(pd.DataFrame(), None, None, None, None, None, top_titles, top_title_pattern, 0, reason, notes)
    rows = rows.loc[rows["work_year"].isin(years)].reset_index(drop=True)
    y, clusters = rows["log_salary_usd"].to_numpy(), rows["posting_id"].to_numpy()
    year_values, is_top = rows["work_year"].to_numpy(), rows["top_title"].to_numpy()
    yearly = _fit_clustered(_top_design(rows, {f"top_{year}": (is_top & (year_values == year)).astype(float) for year in years}), y, clusters)
    tests = {year: _contrast(yearly, f"top_{year}") for year in years}
    premiums = {year: interval.as_percent() for year, (interval, _) in tests.items()}
    trend, trend_p = None, None
    if len(years) >= 2:
        middle = (years[0] + years[-1]) / 2
        pooled = {"top": is_top.astype(float), "top_trend": is_top * (year_values - middle)}
        trend, trend_p = _contrast(_fit_clustered(_top_design(rows, pooled), y, clusters), "top_trend")
    _, adjusted_pay = solve_least_squares(_top_design(rows, {}).matrix, y)
    deciles = _top_decile_by_year(adjusted_pay, year_values, clusters, years, n_bootstrap, seed)
    records = [
        {"year": year, "top_postings": int(sizes.loc[year, "research/lead titles"]), "other_postings": int(sizes.loc[year, "other titles"]),
         **premiums[year].columns("premium_percent"), **deciles[year].columns("top_decile_percent", prefix="decile_")}
        for year in years
    ]
    return TopPremium(pd.DataFrame(records), premiums[years[-1]], tests[years[-1]][1], years[-1], trend, trend_p, top_titles,
                      top_title_pattern, _count_postings(rows), None, notes)


def _top_design(rows: pd.DataFrame, numeric: Mapping[str, np.ndarray]) -> _Design:
    """Residence country × year cells, seniority, employment type (and source), and ``numeric`` columns;
    no title control, since the title is what is being compared."""
    return _build_design(rows, ["employee_residence", "work_year"], _controls(rows, role=False), numeric)


def _top_decile_by_year(residuals: np.ndarray, year_values: np.ndarray, clusters: np.ndarray, years: list[int],
                        n_bootstrap: int, seed: int) -> dict[int, Interval]:
    """P90 − P50 of adjusted log pay per year as a percent premium, with a cluster bootstrap CI within the year."""
    bootstrap = _StratifiedClusterBootstrap(clusters, year_values, seed)
    point = _decile_spread(residuals, year_values, years, None)
    draws = [_decile_spread(residuals, year_values, years, bootstrap.draw_weights()) for _ in range(n_bootstrap)]
    return {year: _percentile_interval(point[year], np.array([d[year] for d in draws])).as_percent() for year in years}


def _decile_spread(residuals: np.ndarray, year_values: np.ndarray, years: list[int], weights: np.ndarray | None) -> dict[int, float]:
    """P90 − P50 of (weighted) residuals in each year."""
    spread = {}
    for year in years:
        mask = year_values == year
        p50, p90 = _weighted_quantiles(residuals[mask], None if weights is None else weights[mask], (0.5, 0.9))
        spread[year] = p90 - p50
    return spread


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray | None, quantiles: tuple[float, ...]) -> list[float]:
    if weights is None:
        return [float(q) for q in np.quantile(values, quantiles)]
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    positions = np.searchsorted(cumulative, np.asarray(quantiles) * cumulative[-1])
    return [float(values[order][min(p, len(values) - 1)]) for p in positions]


# --------------------------------------------------------------------------------------------
# Context from official and posted-wage statistics
# --------------------------------------------------------------------------------------------
