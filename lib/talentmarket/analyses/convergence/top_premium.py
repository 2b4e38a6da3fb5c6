"""The premium of research and lead titles, and of the top decile, over other roles at the same seniority."""

from __future__ import annotations

import re
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
    _controls,
    _count_postings,
    _Design,
    _fit_by_cluster,
    _insufficient_text,
    _keep_years,
    _most_frequent,
    _notes_text,
    _percentile_interval,
    _require_columns,
    _StratifiedClusterBootstrap,
    check_draws,
)
from talentmarket.errors import ParameterError
from talentmarket.stats.inference import ClusteredEstimate, few_points_trend
from talentmarket.stats.regression import solve_least_squares


@dataclass(frozen=True)
class TopPremium:
    """Pay premium of research/lead titles and of the top decile, year by year."""

    by_year: pd.DataFrame
    """year, top_postings, other_postings, premium_percent with ci_low/ci_high (clustered by title),
    top_decile_percent with decile_ci_low/decile_ci_high (P90 over P50 of adjusted pay, bootstrap over postings)."""
    latest: ClusteredEstimate | None
    """Research/lead title premium in the last year with enough postings, log points; clustered by job title
    (titles are what decides top vs other), small-cluster inference of talentmarket.stats.inference."""
    latest_year: int | None
    trend: ClusteredEstimate | None
    """Change of the yearly title premium per year, log points, t(T−2) over the years (None below three)."""
    top_titles: pd.DataFrame
    """The most frequent titles counted as research/lead, with postings."""
    pattern: str
    n_postings: int
    insufficient: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def latest_percent(self) -> Interval | None:
        """The latest premium and its interval in percent."""
        return None if self.latest is None else Interval(*self.latest.percent())

    def summary(self) -> str:
        """The latest premium, its trend and the titles counted, as deterministic text; premiums by year are in ``by_year``."""
        if self.latest is None:
            return _insufficient_text(self.insufficient, self.notes)
        inference = self.latest.inference
        lines = [
            (f"research/lead premium in {self.latest_year}: {self.latest_percent.text()}% ({inference.method}; "
             f"{inference.clusters} job titles, {inference.effective_clusters:.1f} effective)"),
        ]
        if self.trend is not None:
            trend = Interval(self.trend.value, self.trend.ci_low, self.trend.ci_high)
            lines.append(f"trend of the premium: {trend.scaled(100).text()} log points per year ({self.trend.inference.method})")
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

    Title premium: log pay on a research/lead-title dummy per year with residence country × year,
    seniority, employment type (and source) fixed effects. Whether a posting counts as research/lead is
    decided by its title, and each title has its own pay level, so the premium is clustered by job title
    with the small-cluster inference of :func:`talentmarket.stats.inference.fit_clustered` (a few titles
    hold most postings: see the effective number of clusters). The trend is the slope over the yearly
    premiums with a t(T−2) interval. Top decile: the 90th minus the 50th percentile of pay adjusted for
    the same controls, per year, with a bootstrap CI over postings (``n_bootstrap`` draws, at least 99).
    Years where either group has fewer than ``min_cell`` postings are left out with a note.
    """
    check_draws("n_bootstrap", n_bootstrap)
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
    if not years:
        reason = f"no year has at least {min_cell} postings both with and without a research/lead title (pattern {top_title_pattern!r})."
        return TopPremium(pd.DataFrame(), None, None, None, top_titles, top_title_pattern, 0, reason,
                          tuple(n for n in (thin_years,) if n))
    rows = rows.loc[rows["work_year"].isin(years)].reset_index(drop=True)
    y, clusters = rows["log_salary_usd"].to_numpy(), rows["posting_id"].to_numpy()
    year_values, is_top = rows["work_year"].to_numpy(), rows["top_title"].to_numpy()
    rows["cell"] = rows["employee_residence"] + ":" + rows["work_year"].astype(str)
    dummies = {f"top_{year}": (is_top & (year_values == year)).astype(float) for year in years}
    tests, singletons = _fit_by_cluster(rows, dummies, ["cell", *_controls(rows, role=False)], "job_title",
                                        {year: {f"top_{year}": 1.0} for year in years})
    trend = (few_points_trend(np.asarray(years, dtype=float), np.array([tests[year].value for year in years]))
             if len(years) >= 3 else None)
    _, adjusted_pay = solve_least_squares(_top_design(rows).matrix, y)
    deciles = _top_decile_by_year(adjusted_pay, year_values, clusters, years, n_bootstrap, seed)
    records = [
        {"year": year, "top_postings": int(sizes.loc[year, "research/lead titles"]), "other_postings": int(sizes.loc[year, "other titles"]),
         **Interval(*tests[year].percent()).columns("premium_percent"), **deciles[year].columns("top_decile_percent", prefix="decile_")}
        for year in years
    ]
    notes = tuple(n for n in (thin_years, singletons) if n)
    return TopPremium(pd.DataFrame(records), tests[years[-1]], years[-1], trend, top_titles, top_title_pattern,
                      _count_postings(rows), None, notes)


def _top_design(rows: pd.DataFrame) -> _Design:
    """Residence country × year cells, seniority, employment type (and source); no title control, since the
    title is what is being compared: its residuals are the adjusted pay whose deciles are compared."""
    return _build_design(rows, ["employee_residence", "work_year"], _controls(rows, role=False), {})


def _top_decile_by_year(residuals: np.ndarray, year_values: np.ndarray, clusters: np.ndarray, years: list[int],
                        n_bootstrap: int, seed: int) -> dict[int, Interval]:
    """P90 − P50 of adjusted log pay per year as a percent premium, with a cluster bootstrap CI within the year
    (draws taken in batches, :meth:`_StratifiedClusterBootstrap.batches`, which bound the memory of the draws × rows weights).

    Each year's residuals are sorted once, and a draw's weights are read off its cluster counts in that order:
    sorting them and converting every row's weight to float per batch took half the bootstrap's time."""
    bootstrap = _StratifiedClusterBootstrap(clusters, year_values, seed)
    point = _decile_spread(residuals, year_values, years)
    ranked = {}
    for year in years:
        rows = np.flatnonzero(year_values == year)
        order = np.argsort(residuals[rows])
        ranked[year] = residuals[rows][order], bootstrap.row_cluster[rows][order]
    draws = {year: [] for year in years}
    for counts in bootstrap.batches(n_bootstrap):
        for year, (values, row_clusters) in ranked.items():
            p50, p90 = _weighted_quantiles(values, counts[row_clusters], (0.5, 0.9))
            draws[year].append(p90 - p50)
    return {year: _percentile_interval(point[year], np.concatenate(draws[year])).as_percent() for year in years}


def _decile_spread(residuals: np.ndarray, year_values: np.ndarray, years: list[int]) -> dict[int, float]:
    """P90 − P50 of the residuals in each year."""
    spread = {}
    for year in years:
        p50, p90 = np.quantile(residuals[year_values == year], (0.5, 0.9))
        spread[year] = p90 - p50
    return spread


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray:
    """Quantiles (quantiles × draws) of sorted ``values`` under each column of whole-number frequency ``weights``
    (values × draws): the smallest value whose cumulative weight reaches the quantile's share of the total.

    A draw's cumulative weights never decrease, so the number of them below a target is where
    ``np.searchsorted`` would insert it: a binary search per draw instead of comparing every value."""
    cumulative = np.cumsum(weights.T, axis=1, dtype=float)  # draws × values; whole numbers, so exact in any order
    targets = np.asarray(quantiles)[None, :] * cumulative[:, -1:]
    positions = np.array([np.searchsorted(draw, target) for draw, target in zip(cumulative, targets, strict=True)]).T
    return values[np.minimum(positions, len(values) - 1)]
