"""The convergence sample: loading and selecting salary postings, designs, clustered fits and the bootstrap shared by the estimators."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from statsmodels.regression.linear_model import OLS  # not statsmodels.api: it imports all of statsmodels (~0.6 s)
from statsmodels.tools.tools import add_constant

from talentmarket.data.salaries import AI_FIELD, expand_postings, find_postings, load_salaries, prepare_salaries
from talentmarket.data.store import DataStore
from talentmarket.data.synthetic import geography
from talentmarket.data.taxonomy import ROLE_CLASSES, classify_titles
from talentmarket.errors import DataValidationError, ParameterError, check_choice
from talentmarket.results.display import format_interval
from talentmarket.stats.inference import MIN_DRAWS, ClusteredEstimate, fit_clustered_contrasts
from talentmarket.stats.regression import OLSFit, fit_ols, log_to_percent, solve_normal_equations

DEFAULT_MIN_CELL = 20
DEFAULT_BOOTSTRAP = 499
BATCH_ENTRIES = 400_000
"""Clusters × draws of a batch of bootstrap draws taken and refitted together: arrays of about 3 MB, which stay in
cache. Measured on the real sample (CPU for 199 draws): 14 draws of 27,000 postings as fast as 16 (16 × 30,000 took
0.9 s for 499 draws, batches of 64 1.4 s); 5 draws of the 69,000 postings of all role classes 1.22 s, 16 draws 1.59 s."""
MIN_COUNTRIES = 3
MIN_JACKKNIFE_UNITS = 4
"""Countries needed for a delete-one-country jackknife: each subsample keeps three to fit a slope to."""
POOLED_TITLES = "other titles (pooled)"
TOP_TITLE_PATTERN = r"\b(research|principal|staff|lead|head|director|chief|distinguished|fellow|vp|vice president)\b"
"""Titles that mark research or leadership roles: the proxy for 'premium roles at leading labs'."""
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

    Real data come from :func:`talentmarket.data.salaries.load_salaries`: registered
    sources, or your own files in the salary schema tagged AI or comparison field
    (the store cites them). In synthetic mode the rows come from
    :mod:`talentmarket.data.synthetic.geography` (case ``synthetic_case``), whose country
    pay structure is known; they are tagged ``source = geography.SOURCE``.
    """
    if store.synthetic:
        rows = geography.generate(synthetic_case, store.seed).frames[geography.SALARY_FILE]
        store.record_generated(geography.SOURCE, f"synthetic geography generator, case {synthetic_case}")
        return rows.assign(source=geography.SOURCE, source_field=AI_FIELD)
    return load_salaries(store, sources, own_files)


def prepare_postings(rows: pd.DataFrame, pair_handling: str = "midpoint") -> pd.DataFrame:
    """Postings ready for analysis: range pairs and duplicates resolved by the shared
    :func:`talentmarket.data.salaries.prepare_salaries` (``pair_handling`` as there), each title's role class added."""
    return _with_role_class(prepare_salaries(rows, pair_handling))


def _prepare_postings_by_handling(rows: pd.DataFrame, handlings: Iterable[str]) -> dict[str, pd.DataFrame]:
    """:func:`prepare_postings` of ``rows`` under each pair handling, the same rows, with the postings found and their
    titles classified once (:func:`talentmarket.data.salaries.find_postings` is the costly part and the same for every
    handling; a posting's rows keep its title under any handling)."""
    found = _with_role_class(find_postings(rows))
    return {handling: expand_postings(found, handling) for handling in handlings}


def _with_role_class(postings: pd.DataFrame) -> pd.DataFrame:
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

    ``roles`` are title classes of :mod:`talentmarket.data.taxonomy`. ``countries`` (ISO
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


def check_draws(name: str, draws: int) -> int:
    """``draws`` itself, or a ParameterError naming the parameter: a percentile interval needs at least
    :data:`talentmarket.stats.inference.MIN_DRAWS` bootstrap draws."""
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < MIN_DRAWS:
        raise ParameterError(f"{name}: the cluster bootstrap needs a whole number of at least {MIN_DRAWS} draws; got {draws!r}")
    return int(draws)


def _choose(name: str, chosen: Sequence, available: Iterable) -> list:
    """:func:`talentmarket.errors.check_choice` for a list parameter; a bare string or number
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
# Fixed effects on a sparse design, cluster-robust fits (talentmarket.stats.regression), bootstrap
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
        level_code = _category_codes(values, levels)
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


def _category_codes(values: pd.Series, levels: list[str]) -> np.ndarray:
    """``pd.Categorical(values, categories=levels).codes`` as int64 (−1 for a missing value), from the distinct
    values: matching every row's string against the levels cost most of a design's build (70 → 25 ms)."""
    codes, uniques = pd.factorize(values)
    position = pd.Index(levels).get_indexer(uniques)
    return np.where(codes < 0, -1, position[codes]).astype(np.int64)


def _fit_clustered(design: _Design, y: np.ndarray, clusters: np.ndarray) -> OLSFit:
    """Least squares with CR1 cluster-robust covariance (``clusters``: one label per row), via the shared
    :func:`talentmarket.stats.regression.fit_ols`."""
    return fit_ols(design.matrix, y, design.names, clusters=clusters)


def _contrast(fit: OLSFit, plus: str, minus: str | None = None) -> tuple[Interval, float]:
    """Coefficient ``plus`` (minus coefficient ``minus``) with its normal 95% CI and two-sided p-value."""
    estimate = fit.contrast({plus: 1.0} | ({minus: -1.0} if minus is not None else {}))
    return Interval(estimate.value, *estimate.interval()), estimate.p_value


def _fit_by_cluster(
    rows: pd.DataFrame,
    regressors: Mapping[str, np.ndarray],
    fixed_effects: Sequence[str],
    cluster: str,
    tests: Mapping[str, Mapping[str, float]],
) -> tuple[dict[str, ClusteredEstimate], str | None]:
    """Log pay on ``regressors`` and ``fixed_effects`` (columns of ``rows``), fitted once, each of ``tests``
    (name → contrast) with :func:`talentmarket.stats.inference.fit_clustered_contrasts` (its default small-cluster
    inference) clustered on the column ``cluster``: where the compared attribute is assigned.

    Rows alone in a fixed-effect level say nothing about the regressors; they are dropped first (repeatedly,
    as dropping one can leave another alone), and the note says how many.
    """
    frame = rows[["log_salary_usd", cluster, *fixed_effects]].astype({f: str for f in fixed_effects})
    frame = frame.assign(**{name: np.asarray(values, dtype=float) for name, values in regressors.items()})
    before = len(frame)
    while True:
        alone = np.zeros(len(frame), dtype=bool)
        for column in fixed_effects:
            alone |= frame.groupby(column)[column].transform("size").to_numpy() == 1
        if not alone.any():
            break
        frame = frame.loc[~alone]
    note = (f"{before - len(frame)} postings alone in their {', '.join(fixed_effects)} level are left out of the "
            "clustered fit (they carry no information on the compared groups)." if len(frame) < before else None)
    formula = f"log_salary_usd ~ {' + '.join(regressors)} | {' + '.join(fixed_effects)}"
    return fit_clustered_contrasts(frame.reset_index(drop=True), formula, cluster=cluster, contrasts=tests), note


def _codes(values: np.ndarray | pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(np.asarray(values))
    return codes, len(uniques)


def _hc3_slope(y: np.ndarray, x: np.ndarray) -> tuple[Interval, float]:
    """OLS slope of ``y`` on ``x`` (with intercept), HC3 robust 95% CI with t(n−2) critical values and its
    p-value: for small cross-sections of countries."""
    fit = OLS(y, add_constant(x)).fit(cov_type="HC3", use_t=True)
    low, high = fit.conf_int()[1]
    return Interval(float(fit.params[1]), float(low), float(high)), float(fit.pvalues[1])


class _StratifiedClusterBootstrap:
    """Draws of cluster counts: clusters resampled with replacement within strata (cells keep their size)."""

    def __init__(self, clusters: np.ndarray, strata: np.ndarray, seed: int):
        self.row_cluster, n_clusters = _codes(clusters)
        cluster_stratum = np.empty(n_clusters, dtype=np.int64)
        cluster_stratum[self.row_cluster] = _codes(strata)[0]
        order = np.argsort(cluster_stratum, kind="stable")  # the clusters stratum by stratum: the places drawn from
        sorted_strata = cluster_stratum[order]
        starts = np.searchsorted(sorted_strata, sorted_strata, side="left")
        ends = np.searchsorted(sorted_strata, sorted_strata, side="right")
        self.start, self.size = starts, ends - starts
        self.place = np.argsort(order)  # each cluster's place
        self.n_clusters = n_clusters
        self.rng = np.random.default_rng(seed)

    def draw_counts(self, n_draws: int) -> np.ndarray:
        """The next ``n_draws`` draws as clusters × draws: how many times each cluster was drawn.

        One uniform per cluster and draw, taken from the stream in draw order, so any batching of
        the draws gives the same draws as taking them one at a time. The draws are counted by place
        (each draw in its own block of places), then the counts are read out cluster by cluster in one
        pass: mapping every pick to its cluster first cost two passes more. The counts come out
        C-contiguous (cluster-major): the row weights and the cell sums that use them read whole rows,
        and a transposed view cost each of those products a copy (0.9 → 0.5 s CPU for 499 draws)."""
        scaled = self.rng.random((n_draws, self.n_clusters))
        scaled *= self.size
        picks = scaled.astype(np.int64)  # truncation is the floor: the products are non-negative
        picks += self.start
        picks += (np.arange(n_draws) * self.n_clusters)[:, None]
        by_place = np.bincount(picks.ravel(), minlength=self.n_clusters * n_draws).reshape(n_draws, self.n_clusters)
        return np.ascontiguousarray(by_place[:, self.place].T)

    def batches(self, n_draws: int) -> Iterator[np.ndarray]:
        """The next ``n_draws`` draws' counts (see :meth:`draw_counts`) in batches of about ``BATCH_ENTRIES``
        clusters × draws: the same draws as in one batch, with the memory of a batch bounded."""
        size = max(1, BATCH_ENTRIES // self.n_clusters)
        for done in range(0, n_draws, size):
            yield self.draw_counts(min(size, n_draws - done))

    def row_weights(self, counts: np.ndarray) -> np.ndarray:
        """Row weights (rows × draws) of cluster counts: how many times each row's cluster was drawn."""
        return np.ascontiguousarray(counts[self.row_cluster], dtype=float)


def _membership(codes: np.ndarray, n_groups: int) -> sparse.csr_array:
    """The groups × items 0/1 matrix of ``codes`` (each item's group): ``membership @ values`` sums the
    rows of ``values`` (items × draws) within each group, over the items in order, as ``np.bincount``
    does, so the sums are the same to the last bit."""
    return sparse.csr_array((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_groups, len(codes)))


class _WeightedRefits:
    """Frequency-weighted least squares of one 0/1 design and outcome for many weight vectors at once: the
    refits of a bootstrap, each the fit :func:`talentmarket.stats.regression.solve_least_squares` returns.

    Per draw that function forms ``X'WX`` and ``X'Wy`` with two sparse products and solves them. Here the
    Gram matrices of a batch of draws come from the weights summed over the rows of each distinct design
    row and one product with those rows' pair products ``x_k·x_l`` (on a 0/1 design sums of whole numbers,
    exact in any order); the moments come from one product that sums over the rows in the order the per-draw
    product does, and each row's fitted value is its distinct row's, computed by the same steps. The
    coefficients and residuals are bit-identical to per-draw refits, at a fraction of the cost: a design of
    dummies has few distinct rows (1,243 of 27,149 on the real sample).
    """

    def __init__(self, design: sparse.csr_matrix, y: np.ndarray):
        self.y = np.asarray(y, dtype=float)
        self.n_params = design.shape[1]
        self.distinct_rows, self.row_position = _distinct_rows(design)
        self.distinct_membership = _membership(self.row_position, self.distinct_rows.shape[0])
        self.pair_products = _pair_products(self.distinct_rows)
        self.transposed = sparse.csr_array(design.T)

    def solve(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients (columns × draws) and residuals (rows × draws) for row weights (rows × draws)."""
        size = self.n_params
        grams = self.pair_products @ (self.distinct_membership @ weights)
        moments = self.transposed @ (weights * self.y[:, None])
        coefficients = np.empty((size, weights.shape[1]))
        for draw in range(weights.shape[1]):
            gram = grams[:, draw].reshape(size, size)
            empty = np.diag(gram) == 0
            gram[empty, empty] = 1.0
            coefficients[:, draw] = solve_normal_equations(gram, moments[:, draw])
        return coefficients, self.y[:, None] - (self.distinct_rows @ coefficients)[self.row_position]


def _distinct_rows(matrix: sparse.csr_matrix) -> tuple[sparse.csr_array, np.ndarray]:
    """The distinct rows of a CSR matrix (the same entries in the same stored order, so that a product with them
    takes the same steps as with the rows themselves) and the position of each row among them."""
    per_row = np.diff(matrix.indptr)
    entry_row = np.repeat(np.arange(matrix.shape[0]), per_row)
    slot = np.arange(matrix.nnz) - matrix.indptr[entry_row]
    width = int(per_row.max(initial=0))
    keys = np.full((matrix.shape[0], 1 + 2 * width), -1, dtype=np.int64)  # entries, their columns, their values' bits
    keys[:, 0] = per_row
    keys[entry_row, 1 + slot] = matrix.indices
    keys[entry_row, 1 + width + slot] = np.asarray(matrix.data, dtype=float).view(np.int64)
    # pandas groups the key columns by hashing; np.unique(axis=0) sorts the rows as byte strings, 10 times slower.
    position = pd.DataFrame(keys).groupby(list(range(keys.shape[1])), sort=False).ngroup().to_numpy()
    first = np.unique(position, return_index=True)[1]
    return sparse.csr_array(matrix[first]), position


def _pair_products(matrix: sparse.csr_array) -> sparse.csr_array:
    """The (columns²) × rows matrix of each row's products ``x_k·x_l``: its product with row weights (rows × draws)
    gives the flattened Gram matrices ``X'WX`` of the draws."""
    n_rows, n_params = matrix.shape
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    per_row = np.diff(indptr)
    entry_row = np.repeat(np.arange(n_rows), per_row)
    partners = per_row[entry_row]
    first = np.repeat(np.arange(len(indices)), partners)
    second = indptr[entry_row[first]] + np.arange(len(first)) - np.repeat(np.cumsum(partners) - partners, partners)
    return sparse.csr_array(
        (data[first] * data[second], (indices[first] * n_params + indices[second], entry_row[first])),
        shape=(n_params**2, n_rows))


def _percentile_interval(estimate: float, draws: np.ndarray) -> Interval:
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return Interval(float(estimate), float(min(low, estimate)), float(max(high, estimate)))


# --------------------------------------------------------------------------------------------
# Country pay effects, σ- and β-convergence
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
