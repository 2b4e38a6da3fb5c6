"""Country pay gaps and σ/β-convergence: the estimators and the inference that reflects few countries and few years."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentmarket.analyses.convergence.sample import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_MIN_CELL,
    MIN_COUNTRIES,
    MIN_JACKKNIFE_UNITS,
    REQUIRED_COLUMNS,
    Interval,
    _build_design,
    _cell_sizes,
    _codes,
    _contrast,
    _controls,
    _count_postings,
    _Design,
    _dropped_units_note,
    _fit_clustered,
    _insufficient_text,
    _membership,
    _notes_text,
    _percentile_interval,
    _pool_small_titles,
    _require_columns,
    _residents,
    _StratifiedClusterBootstrap,
    _WeightedRefits,
    _years_in,
    check_draws,
)
from talentmarket.errors import ParameterError
from talentmarket.stats.inference import (
    ClusteredEstimate,
    few_points_trend,
    jackknife_from_leave_outs,
)
from talentmarket.stats.regression import solve_least_squares


@dataclass(frozen=True)
class CountryGaps:
    """Composition-adjusted pay of each unit relative to a reference unit, pooled over the selected years."""

    table: pd.DataFrame
    """unit, postings, gap_log, gap_percent with ci_low/ci_high, raw_median_gap_percent; sorted by gap."""
    reference: str
    years: tuple[int, ...]
    n_postings: int
    notes: tuple[str, ...]

    def summary(self) -> str:
        """The notes on small cells, as deterministic text (the gaps are in ``table``)."""
        return _notes_text(self.notes).lstrip("\n")


def estimate_country_gaps(sample: pd.DataFrame, *, reference: str = "US", min_cell: int = DEFAULT_MIN_CELL) -> CountryGaps:
    """How much less (or more) residents of each country earn than residents of ``reference``, same job.

    Log pay on unit dummies plus year, seniority, role, employment type (and source)
    dummies, on residents of units with at least ``min_cell`` postings over the
    selected years; cluster-robust (by posting) 95% CIs. The raw gap of medians is
    shown beside it, so the reader sees what composition adjustment changes.
    """
    residents = _residents(sample)
    _require_columns(residents, REQUIRED_COLUMNS)
    sizes = _cell_sizes(residents, ["geo_unit"])
    kept = sizes.index[sizes >= min_cell]
    dropped = _dropped_units_note(sizes, kept, min_cell, "over the selected years", int(sizes.drop(kept).sum()))
    if reference not in kept:
        raise ParameterError(
            f"reference {reference!r} has {int(sizes.get(reference, 0))} resident postings; it needs at least {min_cell}. "
            f"Units with enough postings: {', '.join(sorted(kept))}"
        )
    rows = residents.loc[residents["geo_unit"].isin(kept)].copy()
    rows["role"], pooled = _pool_small_titles(rows, min_cell)
    rows["year"] = rows["work_year"].astype(str)
    design = _build_design(rows, ["geo_unit"], ["year", *_controls(rows)], {})
    regression = _fit_clustered(design, rows["log_salary_usd"].to_numpy(), rows["posting_id"].to_numpy())
    units = design.cells["geo_unit"].tolist()
    reference_cell = f"cell{units.index(reference)}"
    medians = rows.groupby("geo_unit")["salary_in_usd"].median()
    records = []
    for position, unit in enumerate(units):
        gap = Interval(0.0, 0.0, 0.0) if unit == reference else _contrast(regression, f"cell{position}", reference_cell)[0]
        records.append({
            "unit": unit, "postings": int(sizes[unit]), "gap_log": gap.estimate, **gap.as_percent().columns("gap_percent"),
            "raw_median_gap_percent": 100 * (medians[unit] / medians[reference] - 1),
        })
    table = pd.DataFrame(records).sort_values(["gap_percent", "unit"]).reset_index(drop=True)
    notes = tuple(n for n in (dropped, pooled) if n)
    return CountryGaps(table, reference, tuple(_years_in(rows)), _count_postings(rows), notes)


@dataclass(frozen=True)
class SigmaConvergence:
    """Cross-country dispersion of adjusted pay by year and its linear trend over the years."""

    dispersion: pd.DataFrame
    """year, dispersion (noise-corrected SD of log pay effects), ci_low, ci_high, uncorrected, units. The yearly
    intervals come from the cluster bootstrap over postings within cells: the sampling noise of that year only."""
    change_per_year: float
    """(last − first year's dispersion) / span, log points per year: the descriptive change."""
    trend: ClusteredEstimate | None
    """OLS slope of the yearly dispersion on the year with a t(T−2) interval (T years), in log points per year;
    None with fewer than three years, where a trend has no residual to measure year-level shocks by."""

    @property
    def slope(self) -> Interval:
        """The trend as an Interval (log points per year; NaN bounds when there is no trend inference)."""
        if self.trend is None:
            return Interval(self.change_per_year, math.nan, math.nan)
        return Interval(self.trend.value, self.trend.ci_low, self.trend.ci_high)


@dataclass(frozen=True)
class BetaConvergence:
    """Slope of the change in a unit's pay effect (first to last year) on its initial effect."""

    estimate: float
    """Noise-corrected slope (negative: β-convergence; −1: gaps fully closed)."""
    jackknife: ClusteredEstimate | None
    """Delete-one-country jackknife of that slope with a t(U−1) interval (U countries); None when it cannot be
    computed (then ``insufficient`` says why and the estimate is descriptive)."""
    reliability: float
    """Share of the initial effects' variance that is signal rather than sampling noise."""
    points: pd.DataFrame
    """unit, initial, change: what the slope is fitted to."""
    first_year: int
    last_year: int
    insufficient: str | None = None

    @property
    def beta(self) -> Interval:
        """The slope with its jackknife interval (NaN bounds without one)."""
        if self.jackknife is None:
            return Interval(self.estimate, math.nan, math.nan)
        return Interval(self.estimate, self.jackknife.ci_low, self.jackknife.ci_high)

    @property
    def gap_closed_percent(self) -> Interval:
        """Share of a unit's initial pay gap closed over the span, in percent (−100·β)."""
        return self.beta.scaled(-100)


@dataclass(frozen=True)
class ConvergenceResult:
    """Country pay effects by year and the two convergence tests built on them."""

    effects: pd.DataFrame
    """unit, year, effect (log points, mean zero across units each year), se, postings."""
    sigma: SigmaConvergence | None
    beta: BetaConvergence | None
    units: tuple[str, ...]
    years: tuple[int, ...]
    n_postings: int
    n_bootstrap: int
    min_cell: int
    insufficient: str | None = None
    """Why the data cannot answer (then ``sigma`` and ``beta`` are None)."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """The panel, the trend of the spread and the β estimates (or why there are none), as deterministic text;
        the spread by year is in ``sigma.dispersion``."""
        if self.sigma is None:
            return _insufficient_text(self.insufficient, self.notes)
        lines = [
            f"{len(self.units)} countries/groups in every year {self.years[0]}–{self.years[-1]}: {', '.join(self.units)}",
        ]
        trend = self.sigma.trend
        if trend is None:
            lines.append(f"change of the spread: {100 * self.sigma.change_per_year:.1f} log points per year (descriptive: "
                         f"{len(self.years)} years leave no residual for a trend interval)")
        else:
            lines.append(f"trend of the spread: {self.sigma.slope.scaled(100).text()} log points per year "
                         f"({trend.inference.method}, {trend.inference.df} df)")
        if self.beta is not None:
            closed = self.beta.gap_closed_percent
            if self.beta.jackknife is None:
                lines.append(f"β, noise-corrected: {self.beta.estimate:.3f} (reliability {self.beta.reliability:.2f}); share of "
                             f"the initial gap closed: {closed.estimate:.1f}% (descriptive: no interval, see the note)")
            else:
                lines.append(f"β, noise-corrected: {self.beta.beta.text(3)} ({self.beta.jackknife.inference.method}; reliability "
                             f"{self.beta.reliability:.2f}); share of the initial gap closed: {closed.text()}%")
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_convergence(
    sample: pd.DataFrame,
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
) -> ConvergenceResult:
    """σ- and β-convergence of composition-adjusted pay across the sample's units (see the package docstring).

    Units need at least ``min_cell`` resident postings in every year of the sample;
    fewer than three such units leave the result ``insufficient``. A sample with a
    single year raises ParameterError: convergence is a change over time. ``n_bootstrap``
    draws (at least 99) give the yearly dispersions their intervals.
    """
    check_draws("n_bootstrap", n_bootstrap)
    residents = _residents(sample)
    _require_columns(residents, REQUIRED_COLUMNS)
    years = tuple(_years_in(sample))
    if len(years) < 2:
        raise ParameterError(f"convergence is a change over time: the selection has only the year {years[0]}; choose at least two years")
    sizes = _cell_sizes(residents, ["geo_unit", "work_year"]).unstack(fill_value=0).reindex(columns=list(years), fill_value=0)
    panel = sizes.index[(sizes >= min_cell).all(axis=1)]
    dropped = _dropped_units_note(sizes.min(axis=1), panel, min_cell, f"in at least one year of {years[0]}–{years[-1]}",
                                  int(sizes.drop(panel).to_numpy().sum()))
    if len(panel) < MIN_COUNTRIES:
        reason = (
            f"only {len(panel)} countries/groups ({', '.join(sorted(panel)) or 'none'}) have at least {min_cell} resident "
            f"postings in every year {years[0]}–{years[-1]}; at least {MIN_COUNTRIES} are needed. Lower min_cell, choose "
            "fewer or later years, or group countries."
        )
        empty = pd.DataFrame(columns=["unit", "year", "effect", "se", "postings"])
        return ConvergenceResult(empty, None, None, tuple(sorted(panel)), years, 0, n_bootstrap, min_cell, reason,
                                 tuple(n for n in (dropped,) if n))
    rows = residents.loc[residents["geo_unit"].isin(panel)].copy()
    rows["role"], pooled = _pool_small_titles(rows, min_cell)
    design = _build_design(rows, ["geo_unit", "work_year"], _controls(rows), {})
    y = rows["log_salary_usd"].to_numpy()
    grid = _EffectGrid(design, years, rows["posting_id"].to_numpy())
    coefficients, residuals = solve_least_squares(design.matrix, y)
    effects, noise = (values[0] for values in grid.effects_and_noise(coefficients[:, None], residuals[:, None],
                                                                     np.ones((grid.n_clusters, 1))))
    draws = _bootstrap_dispersion(design, y, grid, n_bootstrap, seed)
    sigma = estimate_sigma_trend(effects, noise, years, draws)
    beta = estimate_beta(effects, noise, grid.units, years)
    return ConvergenceResult(
        grid.table(effects, noise, sizes), sigma, beta, tuple(grid.units), years, _count_postings(rows), n_bootstrap, min_cell,
        notes=tuple(n for n in (dropped, pooled, beta.insufficient) if n),
    )


class _EffectGrid:
    """Maps the design's unit × year cells onto a units × years grid of effects and noise variances."""

    def __init__(self, design: _Design, years: tuple[int, ...], clusters: np.ndarray):
        self.units = sorted(design.cells["geo_unit"].unique())
        self.unit_position = design.cells["geo_unit"].map({u: i for i, u in enumerate(self.units)}).to_numpy()
        self.year_position = design.cells["work_year"].map({y: i for i, y in enumerate(years)}).to_numpy()
        self.cell_index = design.cell_index
        self.n_cells = len(design.cells)
        self.shape = (len(self.units), len(years))
        self.years = years
        self.clusters = clusters
        self.cluster_codes, self.n_clusters = _codes(clusters)
        self.rows_per_cluster = np.bincount(self.cluster_codes, minlength=self.n_clusters)
        self.one_row_per_cluster = bool((self.rows_per_cluster == 1).all())  # then a cell's weight is its drawn clusters
        cluster_cell = np.empty(self.n_clusters, dtype=np.int64)
        cluster_cell[self.cluster_codes] = self.cell_index
        self.cluster_membership = _membership(self.cluster_codes, self.n_clusters)
        self.cell_membership = _membership(cluster_cell, self.n_cells)

    def effects_and_noise(self, coefficients: np.ndarray, residuals: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cell coefficients of (weighted) fits and their sampling variances, each as a draws × units × years array;
        ``coefficients`` (columns × fits) and ``residuals`` (rows × fits) of fits whose clusters were drawn
        ``counts`` (clusters × fits) times.

        A cell's noise variance is the clustered variance of its weighted mean
        residual, ``Σ_g k_g e_g² / (Σ w)² · m/(m−1)`` over its ``m`` drawn clusters, each
        drawn ``k_g`` times with residual sum ``e_g``.
        """
        weighted_squares = self.cluster_membership @ residuals  # e_g, then k_g·e_g² in place
        weighted_squares *= weighted_squares
        weighted_squares *= counts
        squared = self.cell_membership @ weighted_squares
        drawn = self.cell_membership @ counts
        total_weight = drawn if self.one_row_per_cluster else self.cell_membership @ (counts * self.rows_per_cluster[:, None])
        variance = squared / total_weight**2 * drawn / np.maximum(drawn - 1, 1)
        n_draws = counts.shape[1]
        effects, noise = np.full((n_draws, *self.shape), np.nan), np.full((n_draws, *self.shape), np.nan)
        effects[:, self.unit_position, self.year_position] = coefficients[: self.n_cells].T
        noise[:, self.unit_position, self.year_position] = variance.T
        return effects, noise

    def table(self, effects: np.ndarray, noise: np.ndarray, sizes: pd.DataFrame) -> pd.DataFrame:
        centred = effects - effects.mean(axis=0)
        records = [
            {"unit": unit, "year": year, "effect": centred[i, j], "se": math.sqrt(noise[i, j]), "postings": int(sizes.loc[unit, year])}
            for i, unit in enumerate(self.units) for j, year in enumerate(self.years)
        ]
        return pd.DataFrame(records)


def _bootstrap_dispersion(design: _Design, y: np.ndarray, grid: _EffectGrid, n_bootstrap: int, seed: int) -> np.ndarray:
    """The noise-corrected dispersion by year (draws × years) in each of ``n_bootstrap`` draws that resample postings
    within country × year cells: the sampling noise of each year's value, not year-level shocks.

    The draws are refitted in batches (:meth:`_StratifiedClusterBootstrap.batches`; :class:`_WeightedRefits`: the
    same numbers as one refit per draw, bit for bit); the batch size bounds the memory of the draws × rows arrays."""
    bootstrap = _StratifiedClusterBootstrap(grid.clusters, design.cell_index, seed)
    refits = _WeightedRefits(design.matrix, y)
    draws = []
    for counts in bootstrap.batches(n_bootstrap):
        effects, noise = grid.effects_and_noise(*refits.solve(bootstrap.row_weights(counts)), counts)
        draws += [noise_corrected_dispersion(*draw) for draw in zip(effects, noise)]
    return np.array(draws)


def noise_corrected_dispersion(effects: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Per year (column of the units × years arrays): the cross-unit SD of the effects after subtracting their
    mean sampling variance ``noise`` (0 when the noise exceeds the spread)."""
    return np.sqrt(np.clip(effects.var(axis=0, ddof=1) - noise.mean(axis=0), 0, None))


def estimate_sigma_trend(effects: np.ndarray, noise: np.ndarray, years: tuple[int, ...],
                         draws: np.ndarray | None = None) -> SigmaConvergence:
    """σ-convergence from a units × years grid of effects and their sampling variances.

    The trend is the OLS slope of the yearly noise-corrected dispersion on the year with a t(T−2)
    interval (:func:`talentmarket.stats.inference.few_points_trend`): each year's spread deviates from the
    line by a year-level shock plus its own sampling noise, and only the residuals around the line can
    measure those; a bootstrap over postings would see the sampling noise only. ``draws`` (bootstrap
    draws × years) give the yearly values their intervals.
    """
    dispersion = noise_corrected_dispersion(effects, noise)
    records = []
    for j, year in enumerate(years):
        interval = (_percentile_interval(dispersion[j], draws[:, j]) if draws is not None
                    else Interval(float(dispersion[j]), math.nan, math.nan))
        records.append({"year": year, **interval.columns("dispersion"), "uncorrected": float(effects[:, j].std(ddof=1)),
                        "units": effects.shape[0]})
    change = float((dispersion[-1] - dispersion[0]) / (years[-1] - years[0]))
    trend = few_points_trend(np.asarray(years, dtype=float), dispersion) if len(years) >= 3 else None
    return SigmaConvergence(pd.DataFrame(records), change, trend)


def estimate_beta(effects: np.ndarray, noise: np.ndarray, units: list[str], years: tuple[int, ...]) -> BetaConvergence:
    """β-convergence from a units × years grid of effects and their sampling variances.

    The slope of the change (first to last year) on the initial effect, corrected for the noise in the
    initial effect (errors in variables); its interval is the delete-one-country jackknife with t(U−1)
    (:func:`talentmarket.stats.inference.jackknife_from_leave_outs` of the slopes without each country), so
    it reflects how few countries there are and how much one of them moves the slope. Below ``MIN_JACKKNIFE_UNITS`` countries, or when a
    delete-one slope is undefined, the estimate is descriptive and ``insufficient`` says why.
    """
    estimate, reliability = _noise_corrected_beta(effects, noise)
    initial, change = effects[:, 0], effects[:, -1] - effects[:, 0]
    points = pd.DataFrame({"unit": units, "initial": initial - initial.mean(), "change": change - change.mean()})
    jackknife, insufficient = None, None
    if not math.isfinite(estimate):
        insufficient = ("β cannot be estimated: the initial country effects are mostly sampling noise (their spread is no "
                        "larger than their noise). Raise min_cell or pool countries into groups.")
    elif len(units) < MIN_JACKKNIFE_UNITS:
        insufficient = (f"β has no interval: {len(units)} countries/groups; the delete-one-country jackknife needs at least "
                        f"{MIN_JACKKNIFE_UNITS}, so that each subsample keeps three to fit a slope to. Lower min_cell, "
                        "choose later years or group countries.")
    else:
        others = [np.delete(np.arange(len(units)), i) for i in range(len(units))]
        leave_out = np.array([_noise_corrected_beta(effects[kept], noise[kept])[0] for kept in others])
        undefined = [unit for unit, slope in zip(units, leave_out, strict=True) if not math.isfinite(slope)]
        if undefined:
            insufficient = (f"β has no jackknife interval: the delete-one slope is undefined without {', '.join(undefined)} "
                            "(the other countries' initial effects are then mostly sampling noise). Raise min_cell or pool "
                            "countries into groups.")
        else:
            jackknife = jackknife_from_leave_outs(np.array([estimate]), leave_out[:, None], unit="unit")[0]
    return BetaConvergence(estimate, jackknife, reliability, points, years[0], years[-1], insufficient)


def _noise_corrected_beta(effects: np.ndarray, noise: np.ndarray) -> tuple[float, float]:
    """The errors-in-variables slope of the change (last − first column) on the first column, and the reliability
    of the first column (signal share of its variance); NaN slope when its signal variance is not positive.

    The change shares the initial effect's noise with a minus sign, so the noise variance is added back to
    the covariance and subtracted from the initial variance (method of moments)."""
    initial, change = effects[:, 0], effects[:, -1] - effects[:, 0]
    initial_noise = noise[:, 0].mean()
    initial_variance = initial.var(ddof=1)
    initial_signal = initial_variance - initial_noise
    covariance = _sample_covariance(change, initial) + initial_noise
    beta = covariance / initial_signal if initial_signal > 0 else math.nan
    return float(beta), float(initial_signal / initial_variance)


def _sample_covariance(x: np.ndarray, y: np.ndarray) -> float:
    """``np.cov(x, y, ddof=1)[0, 1]`` by np.cov's own steps (each series centred on its mean, one dot product,
    times ``1/(n−1)``), so the same number, without its argument handling: half the cost of a call, and the
    jackknife and its Monte Carlos make one per country and panel."""
    centred = np.stack([x, y])
    centred -= centred.mean(axis=1)[:, None]
    return float((np.dot(centred, centred.T) * np.true_divide(1, len(x) - 1))[0, 1])
