"""Do AI pay levels converge across countries, and does remote work close the geography gap?

Pure functions on salary postings (the frame :func:`prepare_postings` returns: the shared
:func:`talentmarket.salaries.prepare_salaries` with its ``posting_id`` clusters and
``log_salary_usd``, plus each title's role class), and the Indeed Wage Tracker and the
BLS OEWS area file for context. Each estimator returns a small result object; each
``judge_*`` function turns one into a :class:`~talentmarket.results.ClaimResult`. The
figures are in :mod:`talentmarket.convergence_plots`.

Methods, and why:

- **Country pay effects** come from one regression of log pay on country × year cells
  holding seniority, role (job title) and employment type fixed (and the source file
  when several are stacked), so a country does not look cheaper only because its
  postings are more junior. Countries are compared on their *residents* — people
  who live and work in the same country — so cross-border remote workers, whom
  :func:`estimate_remote_gap` studies, do not blur local pay levels.
- **σ-convergence** is a falling cross-country standard deviation of those effects.
  An estimated effect carries sampling noise, which inflates any spread computed
  from estimates; each year's variance is corrected by subtracting the mean noise
  variance of the effects (clustered by posting). Countries must be observed with
  at least ``min_cell`` postings in *every* selected year, so a change in spread is
  not a change in which countries are counted.
- **β-convergence** is a negative slope of the change in a country's effect (first
  to last year) on its initial effect. Noise in the initial effect biases that
  slope towards −1 (regression to the mean); the estimate is corrected for it
  (errors-in-variables, method of moments). σ and β are tested separately because
  β can hold while σ does not (Young, Higgins & Levy 2008).
- **Uncertainty** comes from a cluster bootstrap that resamples postings within
  each country × year cell (cells keep their size, so the panel stays fixed). The
  countries themselves are the population of interest; the β slope is also
  reported with HC3 robust standard errors treating countries as a sample.
- Small cells are never used silently: countries below ``min_cell`` are dropped
  and job titles below it are pooled into one role, and every such step leaves a
  note on the result.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sparse
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from talentmarket.display import format_interval
from talentmarket.claims import claim_text
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.load import DataStore
from talentmarket.oews import SOURCE as OEWS_SOURCE
from talentmarket.oews import select_occupations
from talentmarket.postings import check_choice
from talentmarket.regression import OLSFit, fit_ols, log_to_percent, solve_least_squares
from talentmarket.results import ClaimResult, verdict_from_interval
from talentmarket.salaries import AI_FIELD, load_salaries, prepare_salaries
from talentmarket.synthetic import geography
from talentmarket.taxonomy import ROLE_CLASSES, classify_titles
from talentmarket.wages import SOURCE as WAGE_SOURCE

DEFAULT_MIN_CELL = 20
DEFAULT_BOOTSTRAP = 499
MIN_COUNTRIES = 3
ALPHA = 0.05
POOLED_TITLES = "other titles (pooled)"
TOP_TITLE_PATTERN = r"\b(research|principal|staff|lead|head|director|chief|distinguished|fellow|vp|vice president)\b"
"""Titles that mark research or leadership roles: the proxy for 'premium roles at leading labs'."""
COMPARABLE_MARGIN_PERCENT = 10.0
"""Pay within ±10% of residents' pay counts as 'comparable' for the remote geography gap."""
RANGE_SUMMARIES = ("midpoint", "max", "min")
"""The ways of reducing a posted range to one salary that the sensitivity table compares."""

REQUIRED_COLUMNS = (
    "log_salary_usd", "posting_id", "work_year", "experience_level", "employment_type", "job_title",
    "employee_residence", "company_location", "remote_ratio",
)
ARRANGEMENTS = ("resident_onsite", "resident_hybrid", "resident_remote", "abroad_remote", "abroad_not_remote")
"""Where a worker lives relative to the employer (resident = same country) and how remote the job is."""
REMOTE_LABELS = {0: "on-site", 50: "hybrid", 100: "fully remote"}



@dataclass(frozen=True)
class Interval:
    """A point estimate with its 95% confidence interval."""

    estimate: float
    ci_low: float
    ci_high: float

    def scaled(self, factor: float) -> Interval:
        """The same interval multiplied by ``factor`` (bounds swap when it is negative)."""
        low, high = sorted((self.ci_low * factor, self.ci_high * factor))
        return Interval(self.estimate * factor, low, high)

    def as_percent(self) -> Interval:
        """A log-point interval as a percent difference: ``100·(exp(x) − 1)``."""
        return Interval(*(float(log_to_percent(v)) for v in (self.estimate, self.ci_low, self.ci_high)))

    def text(self, digits: int = 1) -> str:
        """``'-6.1 [-10.4, -1.6]'``."""
        return f"{self.estimate:.{digits}f} {format_interval(self.ci_low, self.ci_high, digits)}"

    def columns(self, name: str, prefix: str = "") -> dict[str, float]:
        """The interval as table columns: ``{name: estimate, prefix + 'ci_low': …, prefix + 'ci_high': …}``."""
        return {name: self.estimate, f"{prefix}ci_low": self.ci_low, f"{prefix}ci_high": self.ci_high}


# --------------------------------------------------------------------------------------------
# The sample
# --------------------------------------------------------------------------------------------


def load_salary_rows(
    store: DataStore,
    *,
    sources: Sequence[str] | None = None,
    own_files: Mapping[str, str] | None = None,
    synthetic_case: str = "sigma_and_beta",
) -> pd.DataFrame:
    """Raw salary rows in file order, with ``source`` and ``source_field``, as :func:`prepare_postings` wants them.

    Real data come from :func:`talentmarket.salaries.load_salaries`: registered
    sources, or your own files in the salary schema tagged AI or comparison field
    (the store cites them). In synthetic mode the rows come from
    :mod:`talentmarket.synthetic.geography` (case ``synthetic_case``), whose country
    pay structure is known; they are tagged ``source = geography.SOURCE``.
    """
    if store.synthetic:
        rows = geography.generate(synthetic_case, store.seed).frames[geography.SALARY_FILE]
        store.record_generated(geography.SOURCE, f"synthetic geography generator, case {synthetic_case}")
        return rows.assign(source=geography.SOURCE, source_field=AI_FIELD)
    return load_salaries(store, sources, own_files)


def prepare_postings(rows: pd.DataFrame, pair_handling: str = "midpoint") -> pd.DataFrame:
    """Postings ready for analysis: range pairs and duplicates resolved by the shared
    :func:`talentmarket.salaries.prepare_salaries` (``pair_handling`` as there), each title's role class added."""
    postings = prepare_salaries(rows, pair_handling)
    postings["role_class"] = classify_titles(postings["job_title"]).to_numpy()
    return postings


def select_sample(
    postings: pd.DataFrame,
    *,
    years: Sequence[int],
    roles: Sequence[str] = ROLE_CLASSES,
    countries: Sequence[str] | None = None,
    country_groups: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Postings of the chosen years and role classes, with ``geo_unit``: the country (or group) compared across.

    ``roles`` are title classes of :mod:`talentmarket.taxonomy`. ``countries`` (ISO
    3166 alpha-2 codes of residence) or ``country_groups`` (group name → codes)
    choose the units of the cross-country analyses; postings of other residence
    countries get no unit and stay in the sample for the remote and
    top-of-distribution analyses. Unknown years, roles or countries, and an empty
    selection, raise ParameterError.
    """
    _require_columns(postings, (*REQUIRED_COLUMNS, "role_class"))
    years = _choose("years", years, _years_in(postings))
    roles = _choose("roles", roles, ROLE_CLASSES)
    sample = postings.loc[postings["work_year"].isin(years) & postings["role_class"].isin(roles)].copy()
    if sample.empty:
        raise ParameterError(f"no postings with a title in role classes {roles} in {years}")
    present = sample["employee_residence"].unique()
    if country_groups:
        members = [code for codes in country_groups.values() for code in codes]
        repeated = sorted({code for code in members if members.count(code) > 1})
        if repeated:
            raise ParameterError(f"countries {repeated} appear in more than one country group")
        _choose("country_groups", members, present)
        unit_of = {code: group for group, codes in country_groups.items() for code in codes}
    elif countries:
        unit_of = {code: code for code in _choose("countries", countries, present)}
    else:
        unit_of = {code: code for code in present}
    sample["geo_unit"] = sample["employee_residence"].map(unit_of)
    return sample.reset_index(drop=True)


def describe_sample(sample: pd.DataFrame, *, min_cell: int) -> pd.DataFrame:
    """Per year: postings, share with a US employer, residence countries, countries with at least
    ``min_cell`` resident postings, and fully remote postings filled from abroad."""
    _require_columns(sample, REQUIRED_COLUMNS)
    rows = sample.assign(arrangement=classify_arrangements(sample))
    records = []
    for year, group in rows.groupby("work_year"):
        sizes = _cell_sizes(_residents(group), ["geo_unit"])
        records.append({
            "year": int(year), "postings": _count_postings(group),
            "us_employer_percent": round(100 * float((group["company_location"] == "US").mean()), 1),
            "residence_countries": int(group["employee_residence"].nunique()),
            f"units_with_{min_cell}+_residents": int((sizes >= min_cell).sum()),
            "remote_from_abroad": _count_postings(group.loc[group["arrangement"] == "abroad_remote"]),
        })
    return pd.DataFrame(records)


def show_synthetic_truth(store: DataStore, synthetic_case: str, years: Sequence[int]) -> None:
    """In synthetic mode, print the parameters the estimators should recover over ``years``; nothing on real data."""
    if not store.synthetic:
        return
    drawn = geography.generate(synthetic_case, store.seed).truth
    truth = geography.truth_over_years(drawn, years)
    print(
        f"Synthetic case {drawn['case']!r} (seed {store.seed}), truth over {truth['years'][0]}–{truth['years'][-1]}: "
        f"dispersion trend {100 * truth['dispersion_slope_per_year']:.1f} log points/yr; initial gap closed "
        f"{-100 * truth['beta']:.1f}%; remote gap {log_to_percent(truth['remote_gap_mid_year']):.1f}% at mid-span, trend "
        f"{100 * drawn['remote_gap_trend_per_year']:.1f} log points/yr; remote share trend "
        f"{100 * drawn['remote_share_trend_per_year']:.1f} pp/yr; research/lead premium {log_to_percent(drawn['top_title_premium']):.1f}%."
    )


def _choose(name: str, chosen: Sequence, available: Iterable) -> list:
    """:func:`talentmarket.postings.check_choice` for a list parameter; a bare string or number
    (an easy slip with papermill's ``-p``) is refused as well, instead of being read letter by letter."""
    if isinstance(chosen, (str, int)):
        raise ParameterError(f"{name} must be a list, got {chosen!r}")
    return check_choice(name, list(chosen), list(available))


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], source: str | None = None) -> None:
    """DataValidationError naming the first missing column, ParameterError when there are no rows.

    ``source`` names the data in the message; for salary postings it defaults to their source files.
    """
    if source is None:
        source = ", ".join(sorted(map(str, frame["source"].unique()))) if "source" in frame else "salary postings"
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(source, missing[0], f"missing column (found {sorted(map(str, frame.columns))})")
    if frame.empty:
        raise ParameterError(f"{source}: no rows: the selection is empty")


def _count_postings(frame: pd.DataFrame) -> int:
    return int(frame["posting_id"].nunique())


def _cell_sizes(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Postings per cell of ``keys``."""
    return frame.groupby(keys)["posting_id"].nunique()


def _most_frequent(frame: pd.DataFrame, column: str, label: str) -> pd.DataFrame:
    """Postings per value of ``column``, most frequent first, as a table with columns ``label`` and ``postings``."""
    return _cell_sizes(frame, [column]).sort_values(ascending=False).rename_axis(label).reset_index(name="postings")


def _years_in(frame: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in frame["work_year"].unique())


def _residents(sample: pd.DataFrame) -> pd.DataFrame:
    """Postings of people who live in their employer's country and belong to a compared unit."""
    mask = sample["geo_unit"].notna() & (sample["employee_residence"] == sample["company_location"])
    return sample.loc[mask]


def _percent_words(percent: float) -> str:
    """``-53.2`` → ``'53% less than'``; ``12.0`` → ``'12% more than'``."""
    return f"{abs(percent):.0f}% {'less' if percent < 0 else 'more'} than"


def _notes_text(notes: Iterable[str]) -> str:
    return "".join(f"\nNote: {note}" for note in notes)


def _insufficient_text(reason: str | None, notes: Iterable[str]) -> str:
    return f"Insufficient data: {reason}" + _notes_text(notes)


def _pool_small_titles(frame: pd.DataFrame, min_cell: int) -> tuple[pd.Series, str | None]:
    """Job titles as the role control, titles with fewer than ``min_cell`` postings pooled into one; a note if any were."""
    counts = _cell_sizes(frame, ["job_title"])
    small = counts.index[counts < min_cell]
    role = frame["job_title"].where(~frame["job_title"].isin(small), POOLED_TITLES)
    if small.empty:
        return role, None
    pooled = int(frame["job_title"].isin(small).sum())
    return role, (
        f"{len(small)} job titles with fewer than {min_cell} postings ({pooled} rows) are pooled into one role "
        f"('{POOLED_TITLES}') for the role control."
    )


def _controls(frame: pd.DataFrame, *, role: bool = True) -> list[str]:
    """Categorical controls: seniority, employment type, role (job title) unless ``role`` is False,
    and the source file when several are stacked."""
    controls = ["experience_level", "employment_type"] + (["role"] if role else [])
    if "source" in frame.columns and frame["source"].nunique() > 1:
        controls.append("source")
    return controls


def _dropped_units_note(fewest: pd.Series, kept: Iterable[str], min_cell: int, where: str, postings_dropped: int) -> str | None:
    """A note naming the units left out for having fewer than ``min_cell`` postings (``fewest``: their smallest cell)."""
    dropped = fewest.drop(list(kept), errors="ignore").sort_values(ascending=False)
    if dropped.empty:
        return None
    listed = ", ".join(f"{unit} ({count})" for unit, count in dropped.head(12).items())
    more = f" and {len(dropped) - 12} more" if len(dropped) > 12 else ""
    return (
        f"{len(dropped)} countries/groups with fewer than {min_cell} resident postings {where} are left out "
        f"({postings_dropped} postings in all); smallest cell in brackets: {listed}{more}."
    )


def _keep_years(sizes: pd.DataFrame, min_cell: int, what: str) -> tuple[list[int], str | None]:
    """Years (rows of ``sizes``: postings by year and group) where every group has at least ``min_cell``
    postings, and a note giving the counts of the years left out, if any."""
    enough = (sizes >= min_cell).all(axis=1)
    if enough.all():
        return [int(y) for y in sizes.index], None
    left_out = {int(year): {str(k): int(v) for k, v in row.items()} for year, row in sizes.loc[~enough].iterrows()}
    return [int(y) for y in sizes.index[enough]], f"years with fewer than {min_cell} {what} are left out: {left_out}."


# --------------------------------------------------------------------------------------------
# Fixed effects on a sparse design, cluster-robust fits (talentmarket.regression), bootstrap
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Design:
    """A sparse regressor matrix: one full set of cell dummies, then controls (reference level dropped), then numeric columns."""

    matrix: sparse.csr_matrix
    cells: pd.DataFrame
    cell_index: np.ndarray
    names: list[str]


def _build_design(frame: pd.DataFrame, cell_columns: list[str], controls: list[str], numeric: Mapping[str, np.ndarray]) -> _Design:
    n = len(frame)
    if cell_columns:
        codes = frame.groupby(cell_columns, sort=True).ngroup().to_numpy()
        cell_table = frame[cell_columns].drop_duplicates().sort_values(cell_columns).reset_index(drop=True)
    else:
        codes, cell_table = np.zeros(n, dtype=np.int64), pd.DataFrame({"cell": ["all"]})
    rows, cols, names = [np.arange(n)], [codes], [f"cell{i}" for i in range(len(cell_table))]
    for control in controls:
        values = frame[control].astype(str)
        levels = values.value_counts().index.tolist()  # most frequent level first: the reference
        level_code = pd.Categorical(values, categories=levels).codes.astype(np.int64)
        keep = level_code > 0
        rows.append(np.flatnonzero(keep))
        cols.append(len(names) + level_code[keep] - 1)
        names += [f"{control}={level}" for level in levels[1:]]
    entries = np.ones(sum(len(r) for r in rows))
    matrix = sparse.csr_matrix((entries, (np.concatenate(rows), np.concatenate(cols))), shape=(n, len(names)))
    if numeric:
        extra = sparse.csr_matrix(np.column_stack([np.asarray(v, dtype=float) for v in numeric.values()]))
        matrix = sparse.hstack([matrix, extra], format="csr")
        names += list(numeric)
    return _Design(matrix, cell_table, np.asarray(codes), names)


def _fit_clustered(design: _Design, y: np.ndarray, clusters: np.ndarray) -> OLSFit:
    """Least squares with CR1 cluster-robust covariance (``clusters``: one label per row), via the shared
    :func:`talentmarket.regression.fit_ols`."""
    return fit_ols(design.matrix, y, design.names, clusters=clusters)


def _contrast(fit: OLSFit, plus: str, minus: str | None = None) -> tuple[Interval, float]:
    """Coefficient ``plus`` (minus coefficient ``minus``) with its normal 95% CI and two-sided p-value."""
    estimate = fit.contrast({plus: 1.0} | ({minus: -1.0} if minus is not None else {}))
    return Interval(estimate.value, *estimate.interval()), estimate.p_value


def _codes(values: np.ndarray | pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(np.asarray(values))
    return codes, len(uniques)


def _hc3_slope(y: np.ndarray, x: np.ndarray, *, use_t: bool = False) -> tuple[Interval, float]:
    """OLS slope of ``y`` on ``x`` (with intercept), HC3 robust 95% CI and p-value: for small cross-sections of countries."""
    fit = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC3", use_t=use_t)
    low, high = fit.conf_int()[1]
    return Interval(float(fit.params[1]), float(low), float(high)), float(fit.pvalues[1])


def _ols_slope(x: np.ndarray, y: np.ndarray) -> float:
    centred = x - x.mean()
    return float(centred @ (y - y.mean()) / (centred @ centred))


class _StratifiedClusterBootstrap:
    """Draws of row weights: clusters resampled with replacement within strata (cells keep their size)."""

    def __init__(self, clusters: np.ndarray, strata: np.ndarray, seed: int):
        self.row_cluster, n_clusters = _codes(clusters)
        cluster_stratum = np.empty(n_clusters, dtype=np.int64)
        cluster_stratum[self.row_cluster] = _codes(strata)[0]
        self.order = np.argsort(cluster_stratum, kind="stable")
        sorted_strata = cluster_stratum[self.order]
        starts = np.searchsorted(sorted_strata, sorted_strata, side="left")
        ends = np.searchsorted(sorted_strata, sorted_strata, side="right")
        self.start, self.size = starts, ends - starts
        self.n_clusters = n_clusters
        self.rng = np.random.default_rng(seed)

    def draw_weights(self) -> np.ndarray:
        """Row weights of one draw: how many times each row's cluster was drawn."""
        picks = self.start + np.floor(self.rng.random(self.n_clusters) * self.size).astype(np.int64)
        counts = np.bincount(self.order[picks], minlength=self.n_clusters)
        return counts[self.row_cluster].astype(float)


def _percentile_interval(estimate: float, draws: np.ndarray) -> Interval:
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return Interval(float(estimate), float(min(low, estimate)), float(max(high, estimate)))


def _bootstrap_p_value(draws: np.ndarray) -> float:
    """Two-sided bootstrap p-value for 'the quantity is zero': twice the smaller tail share, at least 1/(B+1)."""
    draws = draws[np.isfinite(draws)]
    tail = min(np.mean(draws <= 0), np.mean(draws >= 0))
    return float(min(1.0, max(2 * tail, 1 / (len(draws) + 1))))


# --------------------------------------------------------------------------------------------
# Country pay effects, σ- and β-convergence
# --------------------------------------------------------------------------------------------


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


def classify_arrangements(frame: pd.DataFrame) -> pd.Series:
    """Each posting's arrangement (one of ``ARRANGEMENTS``): resident or abroad, and how remote."""
    resident = (frame["employee_residence"] == frame["company_location"]).to_numpy()
    remote = frame["remote_ratio"].to_numpy()
    labels = np.select(
        [resident & (remote == 0), resident & (remote == 50), resident & (remote == 100), ~resident & (remote == 100)],
        ARRANGEMENTS[:4], default="abroad_not_remote",
    )
    return pd.Series(labels, index=frame.index, name="arrangement", dtype="str")


@dataclass(frozen=True)
class RemoteGap:
    """Pay of people living outside their employer's country relative to the employer country's residents."""

    gap: Interval | None
    """Fully remote workers abroad vs fully remote residents, log points, at the sample's middle year."""
    trend: Interval | None
    """Change of that gap per year, log points (positive: the gap shrinks when it is negative)."""
    trend_p_value: float | None
    gap_p_value: float | None
    not_remote_gap: Interval | None
    """On-site or hybrid workers abroad vs on-site residents, log points."""
    by_year: pd.DataFrame
    """year, abroad_remote postings, gap_percent, ci_low, ci_high (NaN where below min_cell)."""
    counts: pd.DataFrame
    """Postings by arrangement and year."""
    abroad_countries: pd.DataFrame
    """Residence countries of the fully remote workers abroad, with postings."""
    middle_year: float
    n_postings: int
    min_cell: int
    home_gap_percent: float | None = None
    """What residents of the same home countries earn locally relative to the reference country, percent
    (posting-weighted over the remote workers abroad whose home country has a pay level); for comparison."""
    insufficient: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """Postings by arrangement, the gaps and their trend (or why there are none), as deterministic text."""
        lines = [self.counts.to_string()]
        if self.gap is None:
            lines.append(f"Insufficient data: {self.insufficient}")
        else:
            lines.append(f"remote abroad vs remote residents: {self.gap.as_percent().text()}% at {self.middle_year:g}")
            if self.trend is not None:
                lines.append(f"trend of that gap: {self.trend.scaled(100).text()} log points per year")
            if self.not_remote_gap is not None:
                lines.append(f"on-site/hybrid abroad vs on-site residents: {self.not_remote_gap.as_percent().text()}%")
            lines.append(self.by_year.round(1).to_string(index=False))
        lines.append("home countries of remote workers abroad: " + ", ".join(
            f"{row.country} {row.postings}" for row in self.abroad_countries.head(10).itertuples()))
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_remote_gap(sample: pd.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL, levels: CountryGaps | None = None) -> RemoteGap:
    """Do remote workers abroad earn like the employer country's residents, and is the gap shrinking?

    One regression of log pay on employer country × year cells, seniority, role,
    employment type (and source) and arrangement dummies (reference: on-site
    residents), with the abroad-remote dummy also interacted with the centred year.
    The headline gap compares fully remote workers abroad with fully remote
    residents, so it isolates *where the worker lives* from *whether the job is
    remote*. Cluster-robust (by posting) CIs. Fewer than ``min_cell`` fully remote
    workers abroad, or remote residents, leave the result ``insufficient``.
    """
    _require_columns(sample, REQUIRED_COLUMNS)
    rows = sample.assign(arrangement=classify_arrangements(sample))
    counts = _cell_sizes(rows, ["work_year", "arrangement"]).unstack(fill_value=0).reindex(columns=list(ARRANGEMENTS), fill_value=0)
    totals = counts.sum()
    abroad = rows.loc[rows["arrangement"] == "abroad_remote"]
    abroad_countries = _most_frequent(abroad, "employee_residence", "country")
    years = _years_in(rows)
    middle = (years[0] + years[-1]) / 2
    thin = [a for a in ("abroad_remote", "resident_remote") if totals[a] < min_cell]
    if thin:
        reason = (
            f"too few postings to compare: {', '.join(f'{a} {int(totals[a])}' for a in thin)} "
            f"(at least {min_cell} needed) in {years[0]}–{years[-1]}."
        )
        return RemoteGap(None, None, None, None, None, pd.DataFrame(), counts, abroad_countries, middle,
                         _count_postings(rows), min_cell, insufficient=reason)
    rows["role"], pooled = _pool_small_titles(rows, min_cell)
    dummies = _arrangement_dummies(rows, ARRANGEMENTS[1:])
    has_trend = int((counts["abroad_remote"] > 0).sum()) >= 2
    if has_trend:
        dummies["abroad_remote_trend"] = dummies["abroad_remote"] * (rows["work_year"].to_numpy(float) - middle)
    regression = _fit_clustered(_employer_design(rows, dummies), rows["log_salary_usd"].to_numpy(), rows["posting_id"].to_numpy())
    gap, gap_p = _contrast(regression, "abroad_remote", "resident_remote")
    trend, trend_p = _contrast(regression, "abroad_remote_trend") if has_trend else (None, None)
    not_remote = (
        _contrast(regression, "abroad_not_remote")[0]
        if "abroad_not_remote" in regression.names and totals["abroad_not_remote"] >= min_cell else None
    )
    by_year = _remote_gap_by_year(rows, counts, min_cell)
    home_gap_percent, home_note = _home_country_gap(abroad, levels)
    notes = (pooled, None if has_trend else "fully remote workers abroad appear in one year only: no trend can be estimated.",
             _thin_years_note(by_year, min_cell), home_note)
    return RemoteGap(gap, trend, trend_p, gap_p, not_remote, by_year, counts, abroad_countries, middle,
                     _count_postings(rows), min_cell, home_gap_percent, None, tuple(n for n in notes if n))


def _thin_years_note(by_year: pd.DataFrame, min_cell: int) -> str | None:
    small_years = by_year.loc[by_year["gap_percent"].isna(), "year"].tolist()
    if not small_years:
        return None
    return f"years {small_years} have fewer than {min_cell} fully remote workers abroad: no yearly gap is shown for them."


def _arrangement_dummies(rows: pd.DataFrame, arrangements: Iterable[str], year: int | None = None) -> dict[str, np.ndarray]:
    """A 0/1 column for each of ``arrangements`` that occurs in ``rows``; with ``year``, only that year's
    rows count and the column is named ``<arrangement>_<year>``."""
    in_year = np.ones(len(rows), dtype=bool) if year is None else rows["work_year"].to_numpy() == year
    dummies = {}
    for arrangement in arrangements:
        column = (rows["arrangement"] == arrangement).to_numpy() & in_year
        if column.any():
            dummies[arrangement if year is None else f"{arrangement}_{year}"] = column.astype(float)
    return dummies


def _employer_design(rows: pd.DataFrame, dummies: Mapping[str, np.ndarray]) -> _Design:
    """Employer country × year cells, the standard controls and the given arrangement dummies."""
    return _build_design(rows, ["company_location", "work_year"], _controls(rows), dummies)


def _home_country_gap(abroad: pd.DataFrame, levels: CountryGaps | None) -> tuple[float | None, str | None]:
    """Posting-weighted mean local pay gap (percent) of the home units of remote workers abroad, and a note."""
    if levels is None:
        return None, None
    gaps = levels.table.set_index("unit")["gap_log"]
    home = abroad["geo_unit"].map(gaps).dropna()
    if home.empty:
        return None, "none of the remote workers abroad lives in a country with an estimated pay level."
    note = (
        f"{len(home)} of {len(abroad)} remote workers abroad live in a country with an estimated local pay level; "
        f"residents of their home countries earn {_percent_words(log_to_percent(home.mean()))} residents of {levels.reference} on average."
    )
    return float(log_to_percent(home.mean())), note


def _remote_gap_by_year(rows: pd.DataFrame, counts: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The abroad-remote vs resident-remote gap year by year (one dummy pair per year)."""
    years = _years_in(rows)
    dummies = _arrangement_dummies(rows, ("resident_hybrid", "abroad_not_remote"))
    for year in years:
        dummies |= _arrangement_dummies(rows, ("resident_remote", "abroad_remote"), year)
    regression = _fit_clustered(_employer_design(rows, dummies), rows["log_salary_usd"].to_numpy(), rows["posting_id"].to_numpy())
    records = []
    for year in years:
        abroad, resident = int(counts.loc[year, "abroad_remote"]), int(counts.loc[year, "resident_remote"])
        gap = Interval(np.nan, np.nan, np.nan)
        if abroad >= min_cell and resident >= min_cell:
            gap = _contrast(regression, f"abroad_remote_{year}", f"resident_remote_{year}")[0].as_percent()
        records.append({"year": year, "abroad_remote": abroad, "resident_remote": resident, **gap.columns("gap_percent")})
    return pd.DataFrame(records)


@dataclass(frozen=True)
class RemoteShare:
    """Shares of fully remote, hybrid and on-site postings by year, and the trend of the fully remote share."""

    shares: pd.DataFrame
    """year, arrangement (fully remote / hybrid / on-site), postings, share, ci_low, ci_high (percent)."""
    raw_trend: Interval
    """Change of the fully remote share per year, percentage points, no adjustment."""
    adjusted_trend: Interval
    """The same within employer country, seniority, role, employment type (and source)."""
    adjusted_p_value: float
    us_share_of_postings: pd.DataFrame
    """year, percent of postings with a US employer: the composition shift behind the raw trend."""
    n_postings: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """Shares by year, the raw and adjusted trends and the US share of employers, as deterministic text."""
        shares = self.shares.pivot(index="year", columns="arrangement", values="share")[list(REMOTE_LABELS.values())]
        us = self.us_share_of_postings.set_index("year")["percent_us_employer"]
        lines = [
            shares.assign(us_employer=us).round(1).to_string(),
            f"fully remote share, raw trend: {self.raw_trend.text()} pp per year",
            f"fully remote share, within employer country, seniority, title, employment type: {self.adjusted_trend.text()} pp per year",
        ]
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_remote_share(sample: pd.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL) -> RemoteShare:
    """How the share of remote postings moves over the years, raw and holding composition fixed.

    Yearly shares carry cluster-robust 95% CIs. The trend is a linear probability
    model of 'fully remote' on the year, once raw and once within employer country,
    seniority, role and employment type: the sample's mix shifts towards US
    on-site postings over time, and the adjusted trend removes the part of the raw
    trend that this shift alone would produce. Years with fewer than ``min_cell``
    postings are left out with a note; fewer than two remaining years raise ParameterError.
    """
    _require_columns(sample, REQUIRED_COLUMNS)
    sizes = _cell_sizes(sample, ["work_year"])
    kept_years, thin_years = _keep_years(sizes.to_frame("postings"), min_cell, "postings")
    if len(kept_years) < 2:
        raise ParameterError(f"a remote-share trend needs at least two years with {min_cell}+ postings; got {sizes.to_dict()}")
    rows = sample.loc[sample["work_year"].isin(kept_years)].copy()
    rows["role"], pooled = _pool_small_titles(rows, min_cell)
    records = []
    for year, group in rows.groupby("work_year"):
        for ratio, label in REMOTE_LABELS.items():
            share = _clustered_mean((group["remote_ratio"] == ratio).to_numpy(float), group["posting_id"].to_numpy())
            records.append({"year": int(year), "arrangement": label, "postings": _count_postings(group),
                            **share.scaled(100).columns("share")})
    remote = (rows["remote_ratio"] == 100).to_numpy(float)
    rows["centred_year"] = rows["work_year"].to_numpy(float) - rows["work_year"].mean()
    raw, _ = _year_slope(rows, remote, [], [])
    adjusted, adjusted_p = _year_slope(rows, remote, ["company_location"], _controls(rows))
    us_share = rows.groupby("work_year")["company_location"].apply(lambda c: 100 * (c == "US").mean())
    return RemoteShare(
        pd.DataFrame(records), raw.scaled(100), adjusted.scaled(100), adjusted_p,
        us_share.rename_axis("year").reset_index(name="percent_us_employer"), _count_postings(rows),
        tuple(n for n in (thin_years, pooled) if n),
    )


def _year_slope(rows: pd.DataFrame, outcome: np.ndarray, cells: list[str], controls: list[str]) -> tuple[Interval, float]:
    """Coefficient of ``rows["centred_year"]`` in a regression of ``outcome`` on it, ``cells`` and ``controls``; clustered by posting."""
    design = _build_design(rows, cells, controls, {"year": rows["centred_year"].to_numpy()})
    return _contrast(_fit_clustered(design, outcome, rows["posting_id"].to_numpy()), "year")


def _clustered_mean(values: np.ndarray, clusters: np.ndarray) -> Interval:
    """A mean with a cluster-robust 95% CI (a regression on a constant; clamped to [0, 1] for shares)."""
    mean = fit_ols(np.ones((len(values), 1)), values, ["mean"], clusters=clusters).coefficient("mean")
    low, high = mean.interval()
    return Interval(mean.value, max(0.0, low), min(1.0, high))


# --------------------------------------------------------------------------------------------
# The top of the distribution
# --------------------------------------------------------------------------------------------


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


def estimate_area_dispersion(
    by_area: pd.DataFrame,
    *,
    occupations: Sequence[str],
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
) -> pd.DataFrame:
    """Spread of the median annual wage across US states and across metro areas (OEWS, one year: a level, no trend).

    ``by_area`` is :func:`talentmarket.oews.load_oews_by_area` output. Per occupation
    and area type: the standard deviation of log median wages across areas (the
    same unit as the cross-country dispersion), corrected for sampling noise with
    BLS's relative standard errors (of the mean wage, used as an approximation),
    a bootstrap CI over areas, and the ratio of the 90th to the 10th percentile
    area. Territories and areas whose wages BLS did not release are left out.
    """
    _require_columns(by_area, ("area_type", "occ_code", "occ_title", "annual_median_wage",
                               "wage_percent_relative_standard_error", "wages_released", "territory"), OEWS_SOURCE)
    areas_of_interest = select_occupations(by_area.loc[by_area["area_type"].isin(["state", "metropolitan"])], occupations)
    rng = np.random.default_rng(seed)
    records = []
    for (area_type, code), group in areas_of_interest.groupby(["area_type", "occ_code"]):
        areas = group.loc[group["wages_released"] & ~group["territory"] & group["annual_median_wage"].notna()]
        if len(areas) < MIN_COUNTRIES:
            continue
        log_wage = np.log(areas["annual_median_wage"].to_numpy())
        noise = (areas["wage_percent_relative_standard_error"].fillna(0).to_numpy() / 100) ** 2
        picks = rng.integers(0, len(areas), size=(n_bootstrap, len(areas)))
        draws = np.array([_noise_corrected_sd(log_wage[p], noise[p]) for p in picks])
        p10, p90 = np.percentile(areas["annual_median_wage"], [10, 90])
        records.append({
            "occupation": group["occ_title"].iloc[0], "occ_code": code, "area_type": area_type, "areas": len(areas),
            **_percentile_interval(_noise_corrected_sd(log_wage, noise), draws).columns("dispersion"),
            "uncorrected": float(log_wage.std(ddof=1)), "p90_p10_ratio": float(p90 / p10),
        })
    missing = sorted(set(occupations) - {r["occ_code"] for r in records})
    if missing:
        raise ParameterError(f"OEWS: occupations {missing} have fewer than {MIN_COUNTRIES} areas with released wages")
    return pd.DataFrame(records).sort_values(["occ_code", "area_type"]).reset_index(drop=True)


def _noise_corrected_sd(values: np.ndarray, noise_variance: np.ndarray) -> float:
    return float(math.sqrt(max(values.var(ddof=1) - noise_variance.mean(), 0.0)))


@dataclass(frozen=True)
class WageGrowthBeta:
    """Do countries with lower tech pay see faster posted-wage growth (Indeed Wage Tracker)?"""

    slope: Interval | None
    """Average yearly posted-wage growth (percentage points) per 10% higher tech pay level."""
    p_value: float | None
    table: pd.DataFrame
    """country, mean_growth_percent, months, pay_gap_percent (vs the reference country)."""
    first_month: pd.Timestamp | None
    last_month: pd.Timestamp | None
    insufficient: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """Mean posted-wage growth and tech pay level by country and the slope across them, as deterministic text."""
        lines = [self.table.round(2).to_string(index=False)]
        lines.append(f"Insufficient data: {self.insufficient}" if self.slope is None else
                     f"growth per 10% higher tech pay: {self.slope.text(2)} pp per year (HC3, p = {self.p_value:.3f})")
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_wage_growth_beta(wage_growth: pd.DataFrame, levels: CountryGaps, *, years: Sequence[int]) -> WageGrowthBeta:
    """β-convergence in posted wages: mean year-over-year posted-wage growth by country on the country's tech pay level.

    ``wage_growth`` is :func:`talentmarket.wages.load_country_wage_growth` output;
    ``levels`` are composition-adjusted tech pay gaps from :func:`estimate_country_gaps`.
    Growth is averaged over the months of ``years``; the slope across countries has
    HC3 robust standard errors and t critical values (few countries). The growth
    covers all occupations in national currency: a check on the direction of
    catch-up, not a measure of AI pay growth.
    """
    _require_columns(wage_growth, ("jobcountry", "month", "posted_wage_growth_yoy"), WAGE_SOURCE)
    window = wage_growth.loc[wage_growth["month"].dt.year.isin(list(years))].dropna(subset=["posted_wage_growth_yoy"])
    growth = window.groupby("jobcountry").agg(
        mean_growth_percent=("posted_wage_growth_yoy", lambda g: 100 * g.mean()), months=("month", "size"),
    )
    gaps = levels.table.set_index("unit")["gap_log"]
    matched = growth.join(gaps, how="inner").rename_axis("country").reset_index()
    matched["pay_gap_percent"] = log_to_percent(matched.pop("gap_log"))
    unmatched = sorted(set(growth.index) - set(matched["country"]))
    notes = [f"Wage Tracker series without a tech pay level in the salary data are left out: {', '.join(unmatched)}."] if unmatched else []
    first, last = (window["month"].min(), window["month"].max()) if not window.empty else (None, None)
    if len(matched) < MIN_COUNTRIES + 1:
        reason = (
            f"only {len(matched)} Wage Tracker countries ({', '.join(matched['country']) or 'none'}) have a tech pay level "
            f"in the salary data for {list(years)}; at least {MIN_COUNTRIES + 1} are needed."
        )
        return WageGrowthBeta(None, None, matched, first, last, reason, tuple(notes))
    slope, p_value = _hc3_slope(matched["mean_growth_percent"].to_numpy(), np.log1p(matched["pay_gap_percent"].to_numpy() / 100), use_t=True)
    per_ten_percent = math.log(1.1)
    return WageGrowthBeta(slope.scaled(per_ten_percent), p_value, matched.sort_values("pay_gap_percent").reset_index(drop=True),
                          first, last, None, tuple(notes))


# --------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------

SECTIONS = {
    "convergence.sigma": "σ-convergence: is the spread across countries falling?",
    "convergence.beta": "β-convergence: do low-pay countries catch up?",
    "convergence.remote_closes_geo_gap": "The remote geography gap",
    "convergence.remote_share_rising": "The remote share over time",
    "convergence.top_roles_keep_premium": "The top of the distribution",
}


def _claim(claim_id: str, *, metric: str, unit: str, interval: Interval | None, verdict: str, rationale: str, n: int) -> ClaimResult:
    """One of this module's claims, with its wording and notebook section filled in."""
    estimate, ci_low, ci_high = (interval.estimate, interval.ci_low, interval.ci_high) if interval else (None, None, None)
    return ClaimResult(
        id=claim_id, claim=claim_text(claim_id), metric=metric, estimate=estimate, ci_low=ci_low, ci_high=ci_high, unit=unit,
        verdict=verdict, rationale=rationale, n=n, section=SECTIONS[claim_id],
    )


def _inconclusive(claim_id: str, metric: str, unit: str, reason: str, n: int) -> ClaimResult:
    return _claim(claim_id, metric=metric, unit=unit, interval=None, verdict="inconclusive",
                  rationale=f"Insufficient data: {reason}", n=n)


def _holm(p_values: list[float]) -> np.ndarray:
    """Holm-adjusted p-values of the tests one verdict rests on."""
    return multipletests(p_values, method="holm")[1]


def _significant_sign(p_value: float, estimate: float) -> int:
    """+1 or −1 when the (adjusted) p-value is below ALPHA, by the estimate's sign; 0 when not significant."""
    return int(np.sign(estimate)) if p_value < ALPHA else 0


def _robustness_text(sensitivity: pd.DataFrame | None, column: str, verdict: str) -> str:
    if sensitivity is None:
        return ""
    agree = int((sensitivity[column] == verdict).sum())
    return f" Robustness: the verdict is '{verdict}' in {agree} of {len(sensitivity)} specifications of the sensitivity table."


SIGMA_READINGS = {
    "supported": "The spread fell: pay levels moved closer together.",
    "contradicted": "The spread rose: pay levels moved apart.",
    "inconclusive": "The interval includes no change, so the data cannot tell whether the spread is falling.",
}


def judge_sigma(result: ConvergenceResult, sensitivity: pd.DataFrame | None = None) -> ClaimResult:
    """Supported when the cross-country spread falls (trend CI below zero), contradicted when it rises; one test.
    ``sensitivity`` (from :func:`estimate_convergence_sensitivity`) adds how many specifications agree."""
    claim_id = "convergence.sigma"
    metric = "change per year in the cross-country standard deviation of composition-adjusted log pay"
    unit = "log points per year"
    if result.sigma is None:
        return _inconclusive(claim_id, metric, unit, result.insufficient or "no estimate", result.n_postings)
    slope = result.sigma.slope.scaled(100)
    fall = slope.scaled(-1)
    verdict = verdict_from_interval(fall.ci_low, fall.ci_high)
    first, last = result.sigma.dispersion.iloc[0], result.sigma.dispersion.iloc[-1]
    rationale = (
        f"Across {len(result.units)} countries/groups with at least {result.min_cell} resident postings in every year "
        f"{result.years[0]}–{result.years[-1]} ({', '.join(result.units)}), the standard deviation of composition-adjusted "
        f"log pay (same seniority, title and employment type; corrected for sampling noise) went from "
        f"{100 * first['dispersion']:.0f} to {100 * last['dispersion']:.0f} log points. Linear trend "
        f"{slope.text()} log points per year (cluster bootstrap by posting, {result.n_bootstrap} draws; one test). "
        f"{SIGMA_READINGS[verdict]}{_robustness_text(sensitivity, 'sigma_verdict', verdict)}"
    )
    return _claim(claim_id, metric=metric, unit=unit, interval=slope, verdict=verdict, rationale=rationale, n=result.n_postings)


def judge_beta(result: ConvergenceResult, wage_growth: WageGrowthBeta | None = None,
               sensitivity: pd.DataFrame | None = None) -> ClaimResult:
    """Verdict from the salary microdata's noise-corrected β, Holm-adjusted together with the Wage Tracker slope.

    Supported when low-pay countries significantly catch up in the microdata
    (mixed if posted-wage growth significantly diverges); contradicted when they
    significantly fall behind (mixed if posted wages significantly converge);
    inconclusive otherwise. Estimate: share of the initial pay gap closed over the span.
    ``sensitivity`` (from :func:`estimate_convergence_sensitivity`) adds how many specifications agree.
    """
    claim_id = "convergence.beta"
    unit = "percent"
    metric = "share of a country's initial pay gap closed (percent of the initial gap)"
    if result.beta is None:
        reason = result.insufficient or " ".join(n for n in result.notes if n.startswith("β"))
        return _inconclusive(claim_id, metric, unit, reason, result.n_postings)
    beta = result.beta
    closed = beta.gap_closed_percent
    wage_ok = wage_growth is not None and wage_growth.slope is not None
    p_values = [beta.p_value] + ([wage_growth.p_value] if wage_ok else [])
    holm = _holm(p_values)
    micro = _significant_sign(holm[0], beta.beta.estimate)
    wage = _significant_sign(holm[1], wage_growth.slope.estimate) if wage_ok else 0
    if micro < 0:
        verdict = "mixed" if wage > 0 else "supported"
    elif micro > 0:
        verdict = "mixed" if wage < 0 else "contradicted"
    else:
        verdict = "inconclusive"
    wage_text = _wage_check_text(wage_growth, holm[1] if wage_ok else None)
    rationale = (
        f"{len(result.units)} countries/groups, {beta.first_year}–{beta.last_year}: a country's composition-adjusted pay "
        f"gap shrank by {closed.text()}% of its initial size (slope of change on initial level, corrected for "
        f"sampling noise in the initial level — reliability {beta.reliability:.2f}; cluster bootstrap; Holm p = {holm[0]:.3f} "
        f"over {len(p_values)} tests). Treating countries as a sample (HC3), the uncorrected slope is "
        f"{beta.naive.text(2)}.{wage_text} σ is judged separately: catching up does not imply a narrower spread."
        f"{_robustness_text(sensitivity, 'beta_verdict', verdict)}"
    )
    return _claim(claim_id, metric=f"{metric}, {beta.first_year}–{beta.last_year}", unit=unit,
                  interval=closed, verdict=verdict, rationale=rationale, n=result.n_postings)


def _wage_check_text(wage_growth: WageGrowthBeta | None, holm_p: float | None) -> str:
    """The Wage Tracker sentence of the β rationale: its slope and Holm p-value, or why it could not be run."""
    if wage_growth is None:
        return ""
    if holm_p is None:
        return f" The Wage Tracker check could not be run: {wage_growth.insufficient}"
    return (
        f" Indeed Wage Tracker, {len(wage_growth.table)} countries: posted-wage growth (all occupations, national currency) "
        f"changes by {wage_growth.slope.text(2)} percentage points a year per 10% higher tech pay level (HC3; Holm p = {holm_p:.3f})."
    )


def judge_remote_gap(gap: RemoteGap, *, margin_percent: float = COMPARABLE_MARGIN_PERCENT) -> ClaimResult:
    """'Comparable pay' means the 95% CI of the remote-abroad gap lies within ±``margin_percent``.

    Supported when it does (or when remote workers abroad earn significantly
    more); contradicted when the whole CI is below −margin and the gap is not
    significantly shrinking; mixed when it is below but shrinking (trend Holm-adjusted
    with the gap test); inconclusive when the CI is too wide to tell.
    """
    claim_id = "convergence.remote_closes_geo_gap"
    metric = (
        "pay of fully remote workers living outside the employer's country, percent above (−: below) the employer "
        "country's fully remote residents"
    )
    unit = "percent"
    if gap.gap is None:
        return _inconclusive(claim_id, metric, unit, gap.insufficient or "no estimate", gap.n_postings)
    percent = gap.gap.as_percent()
    p_values = [gap.gap_p_value] + ([gap.trend_p_value] if gap.trend is not None else [])
    holm = _holm(p_values)
    shrinking = gap.trend is not None and _significant_sign(holm[1], gap.trend.estimate) * np.sign(gap.gap.estimate) < 0
    verdict, reading = _comparability(percent, margin_percent, shrinking)
    abroad = int(gap.counts["abroad_remote"].sum())
    home_text = (
        f" For comparison, residents working locally in those workers' home countries earn "
        f"{_percent_words(gap.home_gap_percent)} residents of the reference country (posting-weighted), so remote work "
        "recovers part, not all, of the home-country gap."
        if gap.home_gap_percent is not None and gap.home_gap_percent < percent.estimate else ""
    )
    trend_text = (
        f" Trend of the gap: {gap.trend.scaled(100).text()} log points per year (Holm p = {holm[1]:.3f}, "
        f"{len(p_values)} tests)." if gap.trend is not None else " No trend: remote workers abroad appear in one year only."
    )
    rationale = (
        f"{abroad} fully remote postings filled by people living outside the employer's country "
        f"({', '.join(gap.abroad_countries['country'].head(5))} most often) against remote residents of the same employer "
        f"country and year, same seniority, title and employment type: {percent.text()}% (cluster-robust)."
        f"{trend_text} {reading}{home_text} Residence is known by country only, not by city."
    )
    return _claim(claim_id, metric=metric, unit=unit, interval=percent, verdict=verdict, rationale=rationale, n=gap.n_postings)


def _comparability(percent: Interval, margin_percent: float, shrinking: bool) -> tuple[str, str]:
    """The remote-gap verdict and a sentence saying why, from the gap's CI in percent (see :func:`judge_remote_gap`)."""
    if percent.ci_low >= -margin_percent and percent.ci_high <= margin_percent:
        return "supported", f"The whole interval lies within ±{margin_percent:.0f}%: pay is comparable."
    if percent.ci_low > margin_percent:
        return "supported", "Remote workers abroad earn more than remote residents: no geography penalty."
    if percent.ci_high < -margin_percent:
        reading = f"Remote workers abroad earn clearly less (the whole interval is below −{margin_percent:.0f}%)" + (
            ", though the gap is shrinking." if shrinking else ", and the gap is not significantly shrinking."
        )
        return ("mixed" if shrinking else "contradicted"), reading
    return "inconclusive", f"The interval is too wide to say whether pay is within ±{margin_percent:.0f}%."


def judge_remote_share(share: RemoteShare) -> ClaimResult:
    """Verdict from the composition-adjusted trend of the fully remote share (one test): up, down or can't tell."""
    adjusted, raw = share.adjusted_trend, share.raw_trend
    remote = share.shares.loc[share.shares["arrangement"] == REMOTE_LABELS[100]]
    first, last = remote.iloc[0], remote.iloc[-1]
    us = share.us_share_of_postings
    rationale = (
        f"The fully remote share of postings went from {first['share']:.1f}% ({int(first['year'])}) to {last['share']:.1f}% "
        f"({int(last['year'])}); raw trend {raw.text()} pp per year. Within employer country, seniority, title "
        f"and employment type the trend is {adjusted.text()} pp per year (cluster-robust; one test). Composition "
        f"caveat: the files change from a survey to job-board postings, and US employers' share of postings goes from "
        f"{us['percent_us_employer'].iloc[0]:.0f}% to {us['percent_us_employer'].iloc[-1]:.0f}%; the adjustment holds the "
        "observed mix fixed but cannot make the sample representative of AI teams."
    )
    return _claim(
        "convergence.remote_share_rising", metric="change per year in the share of fully remote postings, composition-adjusted",
        unit="percentage points per year", interval=adjusted, verdict=verdict_from_interval(adjusted.ci_low, adjusted.ci_high),
        rationale=rationale, n=share.n_postings,
    )


def judge_top_premium(top: TopPremium) -> ClaimResult:
    """Supported when research/lead titles earn significantly more in the latest year and the premium is not
    significantly shrinking (mixed if it is); contradicted when they earn significantly less. Holm over the two tests."""
    claim_id = "convergence.top_roles_keep_premium"
    metric = "pay of research/lead titles, percent above other titles at the same seniority, country and year"
    unit = "percent"
    if top.latest is None:
        return _inconclusive(claim_id, metric, unit, top.insufficient or "no estimate", top.n_postings)
    p_values = [top.latest_p_value] + ([top.trend_p_value] if top.trend is not None else [])
    holm = _holm(p_values)
    premium = _significant_sign(holm[0], top.latest.estimate)
    trend = _significant_sign(holm[1], top.trend.estimate) if top.trend is not None else 0
    if premium > 0:
        verdict = "mixed" if trend < 0 else "supported"
    else:
        verdict = "contradicted" if premium < 0 else "inconclusive"
    first, last = top.by_year.iloc[0], top.by_year.iloc[-1]
    trend_text = (
        f"; trend {top.trend.scaled(100).text()} log points per year (Holm p = {holm[1]:.3f})"
        if top.trend is not None else ""
    )
    rationale = (
        f"In {top.latest_year} postings with research or lead titles (e.g. {', '.join(top.top_titles['job_title'].head(3))}) "
        f"paid {top.latest.text()}% more than other titles at the same seniority, in the same country and year "
        f"(cluster-robust; {len(p_values)} tests, Holm){trend_text}. The top decile of adjusted pay sat "
        f"{last['top_decile_percent']:.0f}% above the median in {int(last['year'])} ({first['top_decile_percent']:.0f}% in "
        f"{int(first['year'])}). Employers are not named, so 'leading labs' can only be proxied by titles."
    )
    return _claim(claim_id, metric=f"{metric}, {top.latest_year}", unit=unit, interval=top.latest, verdict=verdict,
                  rationale=rationale, n=top.n_postings)


# --------------------------------------------------------------------------------------------
# Sensitivity
# --------------------------------------------------------------------------------------------


def estimate_convergence_sensitivity(
    rows: pd.DataFrame,
    headline: ConvergenceResult,
    *,
    years: Sequence[int],
    roles: Sequence[str],
    min_cell: int,
    pair_handling: str,
    countries: Sequence[str] | None = None,
    country_groups: Mapping[str, Sequence[str]] | None = None,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
) -> pd.DataFrame:
    """σ and β verdicts under other reasonable choices: all role classes, half and double the minimum cell
    size, without the first year, and posted ranges read at their other summaries (midpoint, max, min).

    ``rows`` are the raw salary rows (:func:`load_salary_rows`), so that range pairs can be
    resolved another way; ``headline`` is the :func:`estimate_convergence` result for the
    choices given here and fills the row "as chosen", so that row shows exactly the headline
    estimates (same bootstrap draws). The other rows use ``n_bootstrap`` draws each. One row
    per specification; thin ones say why in their cells ("n/a", inconclusive).
    """
    if headline.min_cell != min_cell or list(headline.years) != sorted(years):
        raise ParameterError(
            f"the headline result was estimated with min_cell {headline.min_cell} over {list(headline.years)}, "
            f"not with min_cell {min_cell} over {sorted(years)}: pass the headline of these choices"
        )
    later_years = sorted(years)[1:]
    specifications = {
        "all role classes": (pair_handling, years, ROLE_CLASSES, min_cell),
        f"min_cell {2 * min_cell}": (pair_handling, years, roles, 2 * min_cell),
        f"min_cell {max(min_cell // 2, 3)}": (pair_handling, years, roles, max(min_cell // 2, 3)),
    }
    if len(later_years) >= 2:
        specifications[f"from {later_years[0]}"] = (pair_handling, later_years, roles, min_cell)
    for handling in RANGE_SUMMARIES:
        if handling != pair_handling:
            specifications[f"pair_handling {handling}"] = (handling, years, roles, min_cell)
    postings: dict[str, pd.DataFrame] = {}
    records = [_sensitivity_record("as chosen", headline)]
    for name, (handling, spec_years, spec_roles, spec_min_cell) in specifications.items():
        if handling not in postings:
            postings[handling] = prepare_postings(rows, handling)
        sample = select_sample(postings[handling], years=spec_years, roles=spec_roles, countries=countries, country_groups=country_groups)
        result = estimate_convergence(sample, min_cell=spec_min_cell, n_bootstrap=n_bootstrap, seed=seed)
        records.append(_sensitivity_record(name, result))
    return pd.DataFrame(records)


def _sensitivity_record(name: str, result: ConvergenceResult) -> dict[str, object]:
    sigma, beta = judge_sigma(result), judge_beta(result)
    return {
        "specification": name, "countries": len(result.units), "postings": result.n_postings,
        "sigma_trend": _interval_text(sigma), "sigma_verdict": sigma.verdict,
        "gap_closed_percent": _interval_text(beta), "beta_verdict": beta.verdict,
    }


def _interval_text(claim: ClaimResult) -> str:
    if claim.estimate is None:
        return "n/a"
    return Interval(claim.estimate, claim.ci_low, claim.ci_high).text()
