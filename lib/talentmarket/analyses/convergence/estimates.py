"""Country pay gaps and σ/β-convergence: the estimators, their bootstrap and the sensitivity table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentmarket.analyses.convergence.sample import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_MIN_CELL,
    MIN_COUNTRIES,
    REQUIRED_COLUMNS,
    Interval,
    _bootstrap_p_value,
    _build_design,
    _cell_sizes,
    _codes,
    _contrast,
    _controls,
    _count_postings,
    _Design,
    _dropped_units_note,
    _fit_clustered,
    _hc3_slope,
    _insufficient_text,
    _notes_text,
    _ols_slope,
    _percentile_interval,
    _pool_small_titles,
    _require_columns,
    _residents,
    _StratifiedClusterBootstrap,
    _years_in,
)
from talentmarket.errors import ParameterError
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
        """The gap table (rounded) and the notes on small cells, as deterministic text."""
        return self.table.round(1).to_string(index=False) + _notes_text(self.notes)


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
    """Cross-country dispersion of adjusted pay by year and its linear trend."""

    dispersion: pd.DataFrame
    """year, dispersion (noise-corrected SD of log pay effects), ci_low, ci_high, uncorrected, units."""
    slope: Interval
    """Change of the dispersion per year, in log points (negative: σ-convergence)."""
    p_value: float


@dataclass(frozen=True)
class BetaConvergence:
    """Slope of the change in a unit's pay effect (first to last year) on its initial effect."""

    beta: Interval
    """Noise-corrected slope with cluster-bootstrap CI (negative: β-convergence; −1: gaps fully closed)."""
    p_value: float
    naive: Interval
    """Uncorrected OLS slope across units with an HC3 robust CI (units treated as a sample)."""
    naive_p_value: float
    reliability: float
    """Share of the initial effects' variance that is signal rather than sampling noise."""
    points: pd.DataFrame
    """unit, initial, change: what the slope is fitted to."""
    first_year: int
    last_year: int

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
        """Dispersion by year, its trend and the β estimates (or why there are none), as deterministic text."""
        if self.sigma is None:
            return _insufficient_text(self.insufficient, self.notes)
        lines = [
            f"{len(self.units)} countries/groups in every year {self.years[0]}–{self.years[-1]}: {', '.join(self.units)}",
            self.sigma.dispersion.round(3).to_string(index=False),
            f"trend of the spread: {self.sigma.slope.scaled(100).text()} log points per year (bootstrap p = {self.sigma.p_value:.3f})",
        ]
        if self.beta is not None:
            lines += [
                f"β, noise-corrected: {self.beta.beta.text(3)} (p = {self.beta.p_value:.3f}; reliability {self.beta.reliability:.2f}); "
                f"share of the initial gap closed: {self.beta.gap_closed_percent.text()}%",
                f"β, uncorrected, countries as a sample (HC3): {self.beta.naive.text(3)} (p = {self.beta.naive_p_value:.3f})",
            ]
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_convergence(
    sample: pd.DataFrame,
    *,
    min_cell: int = DEFAULT_MIN_CELL,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
) -> ConvergenceResult:
    """σ- and β-convergence of composition-adjusted pay across the sample's units (see the module docstring).

    Units need at least ``min_cell`` resident postings in every year of the sample;
    fewer than three such units leave the result ``insufficient``. A sample with a
    single year raises ParameterError: convergence is a change over time.
    """
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
    effects, noise = grid.effects_and_noise(*solve_least_squares(design.matrix, y), np.ones(len(rows)))
    point = _convergence_statistics(effects, noise, years)
    draws = _bootstrap_convergence(design, y, grid, n_bootstrap, seed)
    sigma = _sigma_result(point, draws, effects, years)
    beta, beta_note = _beta_result(point, draws["beta"], effects, grid.units, years)
    return ConvergenceResult(
        grid.table(effects, noise, sizes), sigma, beta, tuple(grid.units), years, _count_postings(rows), n_bootstrap, min_cell,
        notes=tuple(n for n in (dropped, pooled, beta_note) if n),
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
        self.cluster_cell = np.empty(self.n_clusters, dtype=np.int64)
        self.cluster_cell[self.cluster_codes] = self.cell_index

    def effects_and_noise(self, coefficients: np.ndarray, residuals: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cell coefficients of a (weighted) fit and their sampling variances, each as a units × years array.

        A cell's noise variance is the clustered variance of its weighted mean
        residual, ``Σ_g k_g e_g² / (Σ w)² · m/(m−1)`` over its ``m`` drawn clusters, each
        drawn ``k_g`` times with residual sum ``e_g``.
        """
        codes, n_clusters = self.cluster_codes, self.n_clusters
        cluster_residual = np.bincount(codes, weights=residuals, minlength=n_clusters)
        cluster_draws = np.bincount(codes, weights=weights, minlength=n_clusters) / self.rows_per_cluster
        squared = np.bincount(self.cluster_cell, weights=cluster_draws * cluster_residual**2, minlength=self.n_cells)
        drawn = np.bincount(self.cluster_cell, weights=cluster_draws, minlength=self.n_cells)
        total_weight = np.bincount(self.cell_index, weights=weights, minlength=self.n_cells)
        variance = squared / total_weight**2 * drawn / np.maximum(drawn - 1, 1)
        effects, noise = np.full(self.shape, np.nan), np.full(self.shape, np.nan)
        effects[self.unit_position, self.year_position] = coefficients[: self.n_cells]
        noise[self.unit_position, self.year_position] = variance
        return effects, noise

    def table(self, effects: np.ndarray, noise: np.ndarray, sizes: pd.DataFrame) -> pd.DataFrame:
        centred = effects - effects.mean(axis=0)
        records = [
            {"unit": unit, "year": year, "effect": centred[i, j], "se": math.sqrt(noise[i, j]), "postings": int(sizes.loc[unit, year])}
            for i, unit in enumerate(self.units) for j, year in enumerate(self.years)
        ]
        return pd.DataFrame(records)


def _bootstrap_convergence(design: _Design, y: np.ndarray, grid: _EffectGrid, n_bootstrap: int, seed: int) -> dict[str, np.ndarray]:
    """The convergence statistics in each of ``n_bootstrap`` draws that resample postings within country × year cells."""
    bootstrap = _StratifiedClusterBootstrap(grid.clusters, design.cell_index, seed)
    draws = []
    for _ in range(n_bootstrap):
        weights = bootstrap.draw_weights()
        coefficients, residuals = solve_least_squares(design.matrix, y, weights)
        draws.append(_convergence_statistics(*grid.effects_and_noise(coefficients, residuals, weights), grid.years))
    return {name: np.array([draw[name] for draw in draws]) for name in ("dispersion", "slope", "beta")}


def _convergence_statistics(effects: np.ndarray, noise: np.ndarray, years: tuple[int, ...]) -> dict[str, object]:
    """Noise-corrected dispersion by year, its OLS slope on year, and the noise-corrected β."""
    signal_variance = effects.var(axis=0, ddof=1) - noise.mean(axis=0)
    dispersion = np.sqrt(np.clip(signal_variance, 0, None))
    slope = _ols_slope(np.asarray(years, dtype=float), dispersion)
    initial, change = effects[:, 0], effects[:, -1] - effects[:, 0]
    initial_signal = initial.var(ddof=1) - noise[:, 0].mean()
    covariance = np.cov(change, initial, ddof=1)[0, 1] + noise[:, 0].mean()
    beta = covariance / initial_signal if initial_signal > 0 else np.nan
    return {"dispersion": dispersion, "slope": slope, "beta": float(beta), "reliability": float(initial_signal / initial.var(ddof=1))}


def _sigma_result(point: dict, draws: dict[str, np.ndarray], effects: np.ndarray, years: tuple[int, ...]) -> SigmaConvergence:
    records = [
        {"year": year, **_percentile_interval(point["dispersion"][j], draws["dispersion"][:, j]).columns("dispersion"),
         "uncorrected": float(effects[:, j].std(ddof=1)), "units": effects.shape[0]}
        for j, year in enumerate(years)
    ]
    return SigmaConvergence(pd.DataFrame(records), _percentile_interval(point["slope"], draws["slope"]), _bootstrap_p_value(draws["slope"]))


def _beta_result(point: dict, beta_draws: np.ndarray, effects: np.ndarray, units: list[str],
                 years: tuple[int, ...]) -> tuple[BetaConvergence | None, str | None]:
    undefined = float(np.mean(~np.isfinite(beta_draws)))
    if not np.isfinite(point["beta"]) or undefined > 0.025:
        return None, (
            f"β cannot be estimated: in {100 * undefined:.0f}% of bootstrap draws the initial country effects are mostly "
            "sampling noise (their spread is no larger than their noise). Raise min_cell or pool countries into groups."
        )
    initial, change = effects[:, 0], effects[:, -1] - effects[:, 0]
    naive, naive_p = _hc3_slope(change, initial)
    points = pd.DataFrame({"unit": units, "initial": initial - initial.mean(), "change": change - change.mean()})
    return BetaConvergence(
        beta=_percentile_interval(point["beta"], beta_draws), p_value=_bootstrap_p_value(beta_draws),
        naive=naive, naive_p_value=naive_p,
        reliability=point["reliability"], points=points, first_year=years[0], last_year=years[-1],
    ), None


# --------------------------------------------------------------------------------------------
# Remote work: the geography gap and the remote share
# --------------------------------------------------------------------------------------------
