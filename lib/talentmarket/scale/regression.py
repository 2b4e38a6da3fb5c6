"""Least squares with categorical controls from compressed sufficient statistics: exact, at any row count.

When every regressor is discrete (an AI flag, dummies for experience level, year,
country, …), rows that share a *cell* — one combination of regressor values —
share one row of the design matrix. Grouping the data by cell and keeping the
count ``n``, the mean ``ȳ`` and the population variance ``s²`` of the outcome
loses nothing the estimator needs:

- point estimates: OLS on the rows equals weighted least squares of ``ȳ`` on the
  cells with weights ``n`` (``X'WX β = X'W ȳ``);
- HC1 robust errors: the meat ``Σᵢ xᵢxᵢ' eᵢ²`` sums, within a cell, to
  ``x x' (n s² + n (ȳ − x'β)²)``;
- cluster-robust errors: each cluster's score ``Σᵢ xᵢ eᵢ`` is the sum over its
  cells of ``x · n (ȳ − x'β)``, so the data is grouped by cluster × cell instead.

The group-by is an Ibis expression (DuckDB or Spark, out-of-core); the cell table
is small and solved with numpy. The sandwich and its small-sample factors are the
shared ones of :mod:`talentmarket.stats.regression` (as in statsmodels: HC1 scales by
``N/(N−K)``, clustered by ``G/(G−1) · (N−1)/(N−K)``), fed with the cell sums above;
confidence intervals use t with ``N−K`` (HC1) or ``G−1`` (clustered) degrees of freedom.
Means and variances (not raw sums of squares) travel from the engine, so no
precision is lost to cancellation on log salaries around 11.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray
from scipy import sparse, special, stats

from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.scale.engine import (
    Engine,
    EngineSettings,
    Source,
    execute,
    open_table,
)
from talentmarket.scale.schema import Field
from talentmarket.stats.regression import (
    cluster_robust_covariance,
    hc1_covariance,
    log_to_percent,
)

INTERCEPT = "Intercept"


@dataclass(frozen=True)
class CellOLS:
    """An OLS fit computed from cells: coefficients, covariance, and what inference rests on.

    ``cov`` is cluster-robust when the fit was clustered, HC1 otherwise;
    ``cov_hc1`` is always the HC1 covariance (for comparison).
    """

    params: pd.Series
    cov: pd.DataFrame
    cov_hc1: pd.DataFrame
    cov_type: str
    n_obs: int
    n_cells: int
    n_clusters: int | None
    df_inference: int
    outcome: str

    @property
    def bse(self) -> pd.Series:
        """Standard errors from ``cov``."""
        return pd.Series(np.sqrt(np.diag(self.cov)), index=self.params.index, name="se")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Lower and upper ``level`` confidence bounds for every coefficient (t with ``df_inference``)."""
        critical = special.stdtrit(self.df_inference, 0.5 + level / 2)  # stats.t.ppf without its argument checks
        estimate, se = self.params.to_numpy(), np.sqrt(np.diag(self.cov.to_numpy()))
        return pd.DataFrame({"ci_low": estimate - critical * se, "ci_high": estimate + critical * se}, index=self.params.index)

    def percent_effect(self, name: str, level: float = 0.95) -> tuple[float, float, float]:
        """Effect of a coefficient on a logged outcome in percent, ``100·(exp(β)−1)``, with its CI."""
        if name not in self.params:
            raise ParameterError(f"no coefficient {name!r}; the fit has {list(self.params.index)}")
        low, high = self.conf_int(level).loc[name]
        return tuple(float(log_to_percent(v)) for v in (self.params[name], low, high))

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficient table: estimate, SE, t, two-sided p, CI."""
        t_values = self.params / self.bse
        table = pd.DataFrame({
            "coef": self.params, "se": self.bse, "t": t_values,
            "p": 2 * stats.t.sf(np.abs(t_values), self.df_inference),
        })
        return table.join(self.conf_int(level))


def compress_to_cells(
    table: ir.Table,
    outcome: str,
    regressors: Sequence[str],
    categorical: Sequence[str] = (),
    cluster: str | None = None,
    log_outcome: bool = True,
) -> ir.Table:
    """Expression: one row per cell (× cluster) with ``n``, ``y_mean``, ``y_var`` (population variance)
    of the (logged) outcome, and ``invalid_outcome``, the count of missing or (when logging) non-positive values."""
    value = table[outcome].cast("float64")
    valid = value.notnull() & (value > 0) if log_outcome else value.notnull()
    y = valid.ifelse(value.log() if log_outcome else value, None)
    keyed = table.mutate(y=y, invalid=(~valid).cast("int64"))
    keys = [*regressors, *categorical, *([cluster] if cluster else [])]
    return keyed.group_by(keys).aggregate(
        n=keyed.count(), y_mean=keyed.y.mean(), y_var=keyed.y.var(how="pop"), invalid_outcome=keyed.invalid.sum()
    )


def fit_cell_ols(
    source: Source,
    outcome: str = "salary_in_usd",
    regressors: Sequence[str] = ("is_ai",),
    categorical: Sequence[str] = (),
    cluster: str | None = None,
    log_outcome: bool = True,
    engine: Engine = "duckdb",
    settings: EngineSettings | None = None,
) -> CellOLS:
    """OLS of (log) ``outcome`` on ``regressors`` plus treatment dummies of ``categorical`` controls.

    ``regressors`` are numeric or boolean columns with few distinct values (each
    combination is a cell). The first level (sorted) of each control is the base,
    so coefficient names match statsmodels' formula API, e.g. ``experience_level[T.SE]``.
    With ``cluster``, standard errors are clustered by that column (and HC1 ones are
    kept in ``cov_hc1``); otherwise they are HC1.
    """
    _check_names(outcome, regressors, categorical, cluster)
    fields = [
        Field(outcome, "number", True, "outcome"),
        *(Field(name, "number_or_boolean", True, "regressor") for name in regressors),
        *(Field(name, "any", True, "control") for name in [*categorical, *([cluster] if cluster else [])]),
    ]
    with open_table(source, fields, engine, settings) as table:
        cells = execute(compress_to_cells(table, outcome, regressors, categorical, cluster, log_outcome))
    name = "input table" if isinstance(source, ir.Table) else str(source)
    _check_cells(cells, outcome, [*regressors, *categorical, *([cluster] if cluster else [])], log_outcome, name)
    return fit_cells(cells, regressors, categorical, cluster, outcome=f"log({outcome})" if log_outcome else outcome)


def fit_cells(
    cells: pd.DataFrame,
    regressors: Sequence[str],
    categorical: Sequence[str] = (),
    cluster: str | None = None,
    outcome: str = "y",
) -> CellOLS:
    """Solve the least-squares problem on a cell table from :func:`compress_to_cells` (numpy, exact).

    A clustered table has one row per cluster × cell (a 10M-row fit: ~700k rows, 36 columns) but only
    the cluster scores need that detail: the Gram matrix, the coefficients and the HC1 meat are sums
    over the distinct cells (~17k), so the rows are folded onto those first and the design is built
    for the distinct cells alone.
    """
    coded = {key: _factorize_key(cells[key], key) for key in [*regressors, *categorical]}
    cell_of_row, first_row = distinct_cells(list(coded.values()), len(cells))
    design, names = design_matrix(cells, first_row, regressors, {name: coded[name] for name in categorical})
    n_cells = len(first_row)

    def fold(values: np.ndarray) -> np.ndarray:
        return np.bincount(cell_of_row, weights=values, minlength=n_cells)

    row_weights = cells["n"].to_numpy(dtype=float)
    y_mean = cells["y_mean"].to_numpy(dtype=float)
    weights = fold(row_weights)
    gram = design.T @ (design * weights[:, None])
    n_obs, n_params = int(weights.sum()), design.shape[1]
    rank = np.linalg.matrix_rank(gram)
    if rank < n_params:
        raise ParameterError(
            f"the design has {n_params} columns but rank {rank}: some controls are collinear "
            "(e.g. a level that only occurs with another); drop a control or merge levels"
        )
    if n_obs <= n_params:
        raise ParameterError(f"{n_obs} observations cannot identify {n_params} coefficients")
    bread = np.linalg.inv(gram)
    beta = bread @ (design.T @ fold(row_weights * y_mean))
    mean_residual = y_mean - (design @ beta)[cell_of_row]
    squared_residuals = fold(row_weights * cells["y_var"].to_numpy(dtype=float) + row_weights * mean_residual**2)
    cov_hc1 = hc1_covariance(bread, design.T @ (design * squared_residuals[:, None]), n_obs)
    index = pd.Index(names)
    params, hc1 = pd.Series(beta, index=index), pd.DataFrame(cov_hc1, index=index, columns=index)
    if cluster is None:
        return CellOLS(params, hc1, hc1, "HC1", n_obs, len(cells), None, n_obs - n_params, outcome)
    # A cluster's score is the sum over its rows of x·n·(ȳ − x'β): per cluster, the residual sums of
    # each distinct cell (a sparse cluster × cell table) times that cell's design row.
    clusters, labels = pd.factorize(cells[cluster].to_numpy())
    if (clusters < 0).any():
        raise ParameterError(f"{int((clusters < 0).sum())} rows have no {cluster!r} label; drop or fill them first")
    residual_sums = sparse.csr_array((row_weights * mean_residual, (clusters, cell_of_row)), shape=(len(labels), n_cells))
    scores = residual_sums @ design
    cov_cluster, n_clusters = cluster_robust_covariance(bread, scores, np.arange(len(labels)), n_obs)
    clustered = pd.DataFrame(cov_cluster, index=index, columns=index)
    return CellOLS(params, clustered, hc1, "cluster", n_obs, len(cells), n_clusters, n_clusters - 1, outcome)


def _factorize_key(values: pd.Series, key: str) -> tuple[np.ndarray, ExtensionArray]:
    """Codes of one key column into its distinct values (a missing value is an error, not a level).

    The column's array is factorized, not the Series: the same codes and levels without building an
    Index of the levels (for a text key of a few hundred cells, a third of the time).
    """
    codes, levels = pd.factorize(values.array)
    if (codes < 0).any():
        raise ParameterError(f"{int((codes < 0).sum())} rows have no {key!r} value; drop or fill them first")
    return codes, levels


def distinct_cells(coded: Sequence[tuple[np.ndarray, ExtensionArray]], n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``n_rows`` rows, the code of its combination of keys (0…C−1, in order of first
    appearance); and for every code, the first row that has it.

    ``coded`` holds each key's codes and levels (:func:`_factorize_key`). The codes are packed into one
    mixed-radix integer and factorized once (re-coded on the way only if the packed number would
    overflow); how a combination is numbered does not change the order of first appearance.
    """
    codes, combinations = np.zeros(n_rows, dtype=np.int64), 1
    for key_codes, levels in coded:
        if combinations * len(levels) > np.iinfo(np.int64).max:
            codes, seen = pd.factorize(codes)
            combinations = len(seen)
        codes, combinations = codes * len(levels) + key_codes, combinations * len(levels)
    codes, _ = pd.factorize(codes)
    first_row = np.empty(codes.max(initial=-1) + 1, dtype=np.int64)
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    return codes, first_row


def design_matrix(
    cells: pd.DataFrame, rows: np.ndarray, regressors: Sequence[str], coded: dict[str, tuple[np.ndarray, ExtensionArray]]
) -> tuple[np.ndarray, list[str]]:
    """Design rows for ``cells.iloc[rows]``: intercept, regressors as numbers, and treatment dummies of each
    control in ``coded`` (its codes over all of ``cells`` and its levels, :func:`_factorize_key`); the
    first sorted level is the base. Only the few levels are sorted, never the codes of every row."""
    names = [INTERCEPT, *regressors]
    ranked = {name: _rank_levels(levels) for name, (_, levels) in coded.items()}
    for name, (_, levels) in ranked.items():
        names.extend(f"{name}[T.{level}]" for level in levels[1:])
    design = np.zeros((len(rows), len(names)))
    design[:, 0] = 1.0
    for column, name in enumerate(regressors, start=1):
        design[:, column] = cells[name].to_numpy(dtype=float)[rows]
    offset = 1 + len(regressors)
    for (all_codes, _), (rank, levels) in zip(coded.values(), ranked.values()):
        codes = rank[all_codes[rows]]
        present = np.flatnonzero(codes > 0)
        design[present, offset + codes[present] - 1] = 1.0
        offset += len(levels) - 1
    return design, names


def _rank_levels(levels: ExtensionArray) -> tuple[np.ndarray, ExtensionArray]:
    """Each level's rank in sorted order, and the levels sorted: ``pd.factorize(levels, sort=True)`` for
    distinct levels, by one argsort (a tenth of the time, which counts when many small cell tables are fitted)."""
    order = levels.argsort()
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank, levels[order]


def _check_names(outcome: str, regressors: Sequence[str], categorical: Sequence[str], cluster: str | None) -> None:
    if isinstance(regressors, str) or isinstance(categorical, str):
        raise ParameterError("regressors and categorical take lists of column names, not a single string")
    used = [outcome, *regressors, *categorical, *([cluster] if cluster else [])]
    repeated = sorted({name for name in used if used.count(name) > 1})
    if repeated:
        raise ParameterError(f"columns {repeated} are used twice among outcome, regressors, controls and cluster")


def _check_cells(cells: pd.DataFrame, outcome: str, keys: list[str], log_outcome: bool, name: str) -> None:
    """DataValidationError for an empty input, missing key values, or missing/non-positive outcomes."""
    if cells.empty:
        raise DataValidationError(name, None, "no rows to fit (empty input or selection)")
    for key in keys:
        missing = int(cells.loc[cells[key].isna(), "n"].sum())
        if missing:
            raise DataValidationError(name, key, f"{missing} rows have no value; drop or fill them before fitting")
    invalid = int(cells["invalid_outcome"].sum())
    if invalid:
        problem = "missing or not positive (a log needs positive values)" if log_outcome else "missing"
        raise DataValidationError(name, outcome, f"{invalid} rows are {problem}")
