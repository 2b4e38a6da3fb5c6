"""Premium estimators: log-salary regressions of AI against comparison roles, by group and year, employer size.

Inference is by **job title**, the level at which a posting is assigned to the AI or the comparison group:
titles carry their own pay effects and a few titles hold most postings, so postings of one title are not
independent. Every interval here is a restricted wild cluster bootstrap by title (WCR, Webb weights, CI
by test inversion; :func:`talentmarket.stats.inference.wild_cluster_bootstrap`), which covers close to
95% in the Monte Carlo of ``tests/test_premium.py`` where posting-level errors cover about a third of the
time. The distributional estimators (quantiles, dispersion, decomposition) are in
:mod:`talentmarket.analyses.premium.distribution`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from talentmarket.data.salaries import (
    AI_FIELD,
    COMPARISON_FIELD,
    PAIR_HANDLINGS,
    expand_postings,
    find_postings,
)
from talentmarket.data.taxonomy import (
    NON_AI_TECH,
    ai_role_classes,
    classify_titles,
    software_engineering_mask,
)
from talentmarket.errors import ParameterError, check_choice
from talentmarket.stats.inference import (
    DEFAULT_SEED,
    MIN_DRAWS,
    Inference,
    wild_cluster_bootstraps,
)
from talentmarket.stats.multiplicity import holm
from talentmarket.stats.regression import fit_ols, log_to_percent

ALL_CONTROLS: tuple[str, ...] = (
    "experience_level", "work_year", "company_location", "company_size", "remote_ratio", "employment_type",
)
"""Controls of the full model: seniority, year, employer country, company size, remote ratio, employment type."""

LIKE_WITH_LIKE_CONTROLS: tuple[str, ...] = (*ALL_CONTROLS, "source")
"""The full controls plus a source (file) fixed effect: AI and comparison pay compared within a file."""

CONTROL_LADDER: dict[str, tuple[str, ...]] = {
    "raw": (),
    "+ seniority": ("experience_level",),
    "+ country": ("experience_level", "company_location"),
    "all controls": ALL_CONTROLS,
}
AI_DEFINITIONS = ("core_ai", "core_ai_and_data", "ai_field_files")
"""Title-based (taxonomy classes) or file-based (every row of an AI-field file is AI) definitions."""
COMPARISON_GROUPS = ("non_ai_tech", "software_engineering")
DEFAULT_CLUSTER = "job_title"
"""The cluster variable: AI vs comparison is decided by the title, so titles are the independent units."""
DEFAULT_DRAWS = 999
MIN_WILD_DRAWS = MIN_DRAWS
"""Fewest wild-bootstrap draws :func:`talentmarket.stats.inference.wild_cluster_bootstrap` accepts."""
DEFAULT_MIN_CELL_SIZE = 30
SENIOR_LEVELS = ("SE", "EX")
ENTRY_LEVEL_METRIC = "entry-level (EN) AI pay, percent above (−: below) entry-level software-engineering titles, controlled"


# --------------------------------------------------------------------------- groups

def label_comparison(
    prepared: pd.DataFrame,
    ai_definition: str = "core_ai",
    comparison_group: str = "non_ai_tech",
    comparison_sources: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of the AI group and of the comparison group, with ``is_ai`` (0/1), ``group`` and ``role_class``.

    ``ai_definition``: ``"core_ai"`` or ``"core_ai_and_data"`` classify job titles
    (:mod:`talentmarket.data.taxonomy`; the comparison group is then non-AI tech titles),
    ``"ai_field_files"`` takes every row of an AI-field file as AI and every row of a
    comparison-field file as comparison, whatever the title. ``comparison_group``
    ``"software_engineering"`` narrows the comparison to general software titles.
    ``comparison_sources`` limits the comparison rows to those sources (None: all).
    Rows in neither group (e.g. "Manager", "Analyst") are dropped.
    """
    return _label_classified(_classify(prepared), ai_definition, comparison_group, comparison_sources)


def _classify(prepared: pd.DataFrame) -> pd.DataFrame:
    """``prepared`` with the ``role_class`` of every row (:func:`talentmarket.data.taxonomy.classify_titles`)."""
    return prepared.assign(role_class=classify_titles(prepared["job_title"]).to_numpy())


def _label_classified(frame: pd.DataFrame, ai_definition: str = "core_ai", comparison_group: str = "non_ai_tech",
                      comparison_sources: Sequence[str] | None = None) -> pd.DataFrame:
    """:func:`label_comparison` of rows that already carry their ``role_class`` (one classification, many labellings)."""
    check_choice("unknown AI definition", [ai_definition], AI_DEFINITIONS)
    check_choice("unknown comparison group", [comparison_group], COMPARISON_GROUPS)
    if ai_definition == "ai_field_files":
        is_ai = frame["source_field"] == AI_FIELD
        is_comparison = frame["source_field"] == COMPARISON_FIELD
    else:
        is_ai = frame["role_class"].isin(ai_role_classes(ai_definition))
        is_comparison = frame["role_class"] == NON_AI_TECH
    if comparison_group == "software_engineering":
        is_comparison &= software_engineering_mask(frame["job_title"]).to_numpy()
    if comparison_sources is not None:
        unknown = sorted(set(comparison_sources) - set(frame["source"].unique()))
        if unknown:
            raise ParameterError(f"comparison source(s) {unknown} not in the data; loaded sources: {sorted(frame['source'].unique())}")
        is_comparison &= frame["source"].isin(list(comparison_sources))
    for name, mask in (("AI", is_ai), ("comparison", is_comparison & ~is_ai)):
        if not mask.any():
            raise ParameterError(
                f"the {name} group is empty (AI definition {ai_definition!r}, comparison {comparison_group!r}, "
                f"sources {comparison_sources}); widen the selection"
            )
    kept = (is_ai | is_comparison).to_numpy()
    labelled = frame.loc[kept]
    ai_flags = is_ai.to_numpy()[kept].astype("int64")
    labelled["is_ai"] = ai_flags
    labelled["group"] = _GROUP_NAMES.take(ai_flags)  # the two names, not a string per row (~3 ms on 26,000 rows)
    return labelled.reset_index(drop=True)


_GROUP_NAMES = pd.array(["comparison", "AI"], dtype="str")
"""The ``group`` of ``is_ai`` 0 and 1."""


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Premium:
    """A difference in log points with its title-clustered 95% interval, reported as a percent premium.

    ``ci_log`` is the interval in log points (for the wild bootstrap, found by test inversion, so it need
    not be symmetric); ``se`` is the CRV1 standard error the bootstrap studentises by; ``p_value`` the
    two-sided p-value of zero; ``inference`` says how the interval was made (method, clusters, effective
    clusters, draws).
    """

    label: str
    log_points: float
    se: float
    ci_log: tuple[float, float]
    p_value: float
    n: int
    inference: Inference

    @property
    def clusters(self) -> int:
        """Number of clusters (job titles unless another cluster variable was chosen)."""
        return int(self.inference.clusters)

    @property
    def percent(self) -> float:
        """The premium in percent: 100·(exp(b) − 1)."""
        return float(log_to_percent(self.log_points))

    @property
    def ci_percent(self) -> tuple[float, float]:
        """The 95% interval in percent, each end transformed as the estimate."""
        return float(log_to_percent(self.ci_log[0])), float(log_to_percent(self.ci_log[1]))

    def as_row(self) -> dict:
        """One table row: percent and log-point estimate and interval, sample, clusters and method."""
        low, high = self.ci_percent
        return {
            "label": self.label, "percent": self.percent, "ci_low": low, "ci_high": high,
            "log_points": self.log_points, "ci_low_log": self.ci_log[0], "ci_high_log": self.ci_log[1],
            "se": self.se, "p_value": self.p_value, "n": self.n, "clusters": self.clusters,
            "effective_clusters": float(self.inference.effective_clusters), "method": self.inference.method,
        }


def _table(premiums: Iterable[Premium], first: Mapping[str, Sequence] | None = None,
           last: Mapping[str, Sequence] | None = None) -> pd.DataFrame:
    """One row per premium (:meth:`Premium.as_row`); ``first`` replaces the label column by other columns, ``last``
    appends columns. Built in one constructor call: renaming, assigning and concatenating cost ~3 ms a table."""
    rows = [p.as_row() for p in premiums]
    columns = {column: [row[column] for row in rows] for column in rows[0]}
    labels = {"label": columns.pop("label")}
    return pd.DataFrame({**(labels if first is None else first), **columns, **(last or {})})


# --------------------------------------------------------------------------- design and inference

def _require(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"salary frame lacks column(s) {missing}: pass the output of prepare_salaries and label_comparison")
    if frame.empty:
        raise ParameterError("no salary rows to estimate on: the selection is empty")


def _dummy_columns(values: pd.Series, min_cell_size: int) -> tuple[np.ndarray, list[str]]:
    """Dummy coding of a categorical control, its most frequent category left out as the reference: each row's
    dummy column (−1 for the reference) and the dummies' names.

    Categories with fewer than ``min_cell_size`` rows are pooled into ``"other"``, so
    no dummy rests on a handful of rows.
    """
    codes, categories = pd.factorize(values, sort=True)
    counts = np.bincount(codes, minlength=len(categories))
    labels = np.where(counts >= min_cell_size, categories.astype("str"), "other")
    kept, pooled_codes = np.unique(labels, return_inverse=True)
    category = pooled_codes.ravel()[codes]
    reference = int(np.bincount(category, minlength=len(kept)).argmax())
    column = np.where(category == reference, -1, category - (category > reference))
    return column, [f"{values.name}={kept[i]}" for i in range(len(kept)) if i != reference]


def _design(frame: pd.DataFrame, terms: Mapping[str, np.ndarray], controls: Sequence[str],
            min_cell_size: int) -> tuple[np.ndarray, list[str]]:
    """Intercept, the terms of interest (name → one value per row), then control dummies; columns without
    variation are dropped.

    The matrix is allocated once and the dummies' ones written into it (no one-hot blocks to stack). Only a
    term can lack variation: each dummy marks the rows of a category ``frame`` has, and the reference category
    has rows too, so every dummy column holds ones and zeros; scanning them all cost more than building them."""
    coded = [_dummy_columns(frame[column], min_cell_size) for column in controls]
    names = ["const", *terms, *(name for _, block_names in coded for name in block_names)]
    design = np.zeros((len(frame), len(names)))
    design[:, 0] = 1.0
    for position, values in enumerate(terms.values(), start=1):
        design[:, position] = values
    offset = 1 + len(terms)
    for column, block_names in coded:
        rows = np.flatnonzero(column >= 0)
        design[rows, offset + column[rows]] = 1.0
        offset += len(block_names)
    varying = np.ones(len(names), dtype=bool)
    for position in range(1, 1 + len(terms)):
        varying[position] = design[:, position].max() > design[:, position].min()
    return (design if varying.all() else np.ascontiguousarray(design[:, varying])), [name for name, keep in zip(names, varying) if keep]


def _ai_term(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The one term of the mean-premium models: ``is_ai`` as floats."""
    return {"is_ai": frame["is_ai"].to_numpy(dtype="float64")}


def _clustered_premiums(
    frame: pd.DataFrame,
    design: tuple[np.ndarray, list[str]],
    contrasts: dict[str, dict[str, float]],
    cluster: str,
    draws: int,
    seed: int,
) -> list[Premium]:
    """One model (``design``: :func:`_design` of ``frame``, built once by the caller, who may reuse it), each
    named contrast tested with the wild cluster bootstrap by ``cluster`` (same draws)."""
    _require(frame, [cluster])
    x, names = design
    y = frame["log_salary_usd"].to_numpy(dtype="float64")
    labels = frame[cluster]
    vectors = {}
    for label, weights in contrasts.items():
        missing = [name for name in weights if name not in names]
        if missing:
            raise ParameterError(f"term(s) {missing} have no variation in this selection; widen it or drop the contrast {label!r}")
        vectors[label] = np.array([weights.get(name, 0.0) for name in names])
    results = wild_cluster_bootstraps(y, x, labels, vectors, cluster_name=cluster, reps=draws, seed=seed)
    return [Premium(label, result.value, result.se, (result.ci_low, result.ci_high), result.p_value, len(frame),
                    result.inference) for label, result in results.items()]


# --------------------------------------------------------------------------- mean premium

def estimate_premium(
    frame: pd.DataFrame,
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    label: str = "AI premium",
    cluster: str = DEFAULT_CLUSTER,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Premium:
    """The AI premium: coefficient on ``is_ai`` in a log-salary OLS with dummy controls, clustered by ``cluster``.

    Control categories with fewer than ``min_cell_size`` rows are pooled into "other". The 95% interval
    is the wild cluster bootstrap by job title (``draws`` Webb draws, ``seed``); pass another
    ``cluster`` (e.g. ``"posting_id"``) only to show what clustering below the title misses.
    """
    _require(frame, ["log_salary_usd", "is_ai", *controls])
    design = _design(frame, _ai_term(frame), controls, min_cell_size)
    return _clustered_premiums(frame, design, {label: {"is_ai": 1.0}}, cluster, draws, seed)[0]


def estimate_control_ladder(frame: pd.DataFrame, min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
                            draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The premium as controls are added (raw → seniority → country → all): how much is composition."""
    return _table(estimate_premium(frame, controls, min_cell_size, label=step, draws=draws, seed=seed)
                  for step, controls in CONTROL_LADDER.items())


def compare_clustering(frame: pd.DataFrame, controls: Sequence[str] = ALL_CONTROLS,
                       min_cell_size: int = DEFAULT_MIN_CELL_SIZE, draws: int = DEFAULT_DRAWS,
                       seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The same premium under four kinds of standard error, to show what the title clustering protects against.

    Rows: HC1 (every row independent), CR1 by posting (pair halves and duplicate copies together), CR1 by
    title with normal critical values, and the wild cluster bootstrap by title (the one used for claims).
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", DEFAULT_CLUSTER, *controls])
    x, names = _design(frame, _ai_term(frame), controls, min_cell_size)
    y = frame["log_salary_usd"].to_numpy(dtype="float64")
    rows = []
    for label, clusters in (("HC1, rows independent", None), ("CR1 by posting", frame["posting_id"].to_numpy()),
                            ("CR1 by title, normal", frame[DEFAULT_CLUSTER].to_numpy())):
        fit = fit_ols(x, y, names, clusters=clusters)
        value, low, high = fit.coefficient("is_ai").percent()
        rows.append({"inference": label, "percent": value, "ci_low": low, "ci_high": high,
                     "clusters": fit.n_clusters or fit.n_obs})
    wild = _clustered_premiums(frame, (x, names), {"AI premium": {"is_ai": 1.0}}, DEFAULT_CLUSTER, draws, seed)[0]
    rows.append({"inference": f"{wild.inference.method} by title", "percent": wild.percent,
                 "ci_low": wild.ci_percent[0], "ci_high": wild.ci_percent[1], "clusters": wild.clusters})
    return pd.DataFrame(rows)


def restrict_to_common_support(frame: pd.DataFrame, min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Like with like: only the (source, year) cells in which both AI and comparison roles have enough postings.

    AI rows come almost only from the AI board and most comparison rows from the security board, whose
    years also differ; comparing across files mixes the premium with differences between files and
    periods. Kept are the rows of every (``source``, ``work_year``) cell with at least ``min_cell_size``
    AI and ``min_cell_size`` comparison postings; with a source fixed effect
    (:data:`LIKE_WITH_LIKE_CONTROLS`) the premium is then a within-file, within-year comparison. Returns
    the kept rows and the cell table (postings per group, ``kept``).
    """
    _require(frame, ["source", "work_year", "is_ai", "posting_id"])
    counted = ["source", "work_year", "is_ai"]  # only these columns of the distinct postings, not whole rows
    cells = (frame[[*counted, "posting_id"]].drop_duplicates("posting_id").groupby(counted).size().unstack(fill_value=0)
             .reindex(columns=[0, 1], fill_value=0).rename(columns={0: "comparison_postings", 1: "ai_postings"}))
    cells["kept"] = (cells["comparison_postings"] >= min_cell_size) & (cells["ai_postings"] >= min_cell_size)
    if not cells["kept"].any():
        raise ParameterError(f"no (source, year) cell has {min_cell_size} AI and {min_cell_size} comparison postings, so "
                             "there is no within-file comparison; lower min_cell_size or load a file with both groups")
    kept = cells.index[cells["kept"]]
    keys = pd.MultiIndex.from_frame(frame[["source", "work_year"]])
    return frame.loc[keys.isin(kept)].reset_index(drop=True), cells.reset_index()


@dataclass(frozen=True)
class GroupPremiums:
    """Premium per category of one variable, and the test that all are equal."""

    by: str
    table: pd.DataFrame
    wald_statistic: float
    wald_df: int
    wald_p_value: float
    skipped: tuple[str, ...]
    """Categories left out because the AI or the comparison cell had fewer than ``min_cell_size`` postings."""
    premiums: dict[str, Premium]
    """Each category's premium with its inference record, keyed by the category as a string."""


def estimate_premium_by(
    frame: pd.DataFrame,
    by: str,
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    cluster: str = DEFAULT_CLUSTER,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> GroupPremiums:
    """A separate AI premium for each category of ``by`` (e.g. experience level, year) in one model.

    The model has the full controls (``by`` included) and ``is_ai × category`` interactions instead of
    one ``is_ai`` term; each category's premium has its own wild-bootstrap interval by title. Categories
    where the AI or the comparison group has fewer than ``min_cell_size`` postings are dropped and
    listed. Equality of the premiums is a Wald test with the CR1 covariance by title, referred to
    F(q, G − 1); with few effective titles it is liberal, so it is descriptive only.
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", cluster, by, *controls])
    categories, comparison, ai = _postings_per_category(frame, by)
    enough = (comparison >= min_cell_size) & (ai >= min_cell_size)
    kept = sorted(category for category, keep in zip(categories, enough) if keep)
    skipped = tuple(str(c) for c in sorted(set(categories) - set(kept)))
    if not kept:
        raise ParameterError(f"no {by} category has {min_cell_size} AI and {min_cell_size} comparison postings; lower min_cell_size")
    in_kept = frame[by].isin(kept).to_numpy()
    subset = frame if in_kept.all() else frame.loc[in_kept]  # no copy when every category is kept
    category, is_ai = subset[by].to_numpy(), subset["is_ai"].to_numpy() == 1
    terms = {f"AI × {value}": ((category == value) & is_ai).astype("float64") for value in kept}
    model_controls = list(dict.fromkeys([*controls, by]))
    contrasts = {str(value): {f"AI × {value}": 1.0} for value in kept}
    x, names = _design(subset, terms, model_controls, min_cell_size)  # one design: the bootstrap and the Wald test
    premiums = _clustered_premiums(subset, (x, names), contrasts, cluster, draws, seed)
    rows = [categories.index(value) for value in kept]
    table = _table(premiums, first={by: kept}, last={"comparison_postings": comparison[rows], "ai_postings": ai[rows]})
    statistic, df, p_value = float("nan"), 0, float("nan")
    if len(kept) > 1:
        fit = fit_ols(x, subset["log_salary_usd"].to_numpy(dtype="float64"), names, clusters=subset[cluster].to_numpy())
        chi2, df, _ = fit.wald_equal(list(terms))
        statistic = chi2 / df
        p_value = float(stats.f.sf(statistic, df, fit.n_clusters - 1))
    return GroupPremiums(by, table, statistic, df, p_value, skipped, {p.label: p for p in premiums})


def _postings_per_category(frame: pd.DataFrame, by: str) -> tuple[list, np.ndarray, np.ndarray]:
    """The categories of ``by`` (sorted; rows without one left out) and their distinct postings with ``is_ai``
    0 and 1: the counts of ``frame.drop_duplicates("posting_id").groupby([by, "is_ai"]).size()``, from one
    factorize and two bincounts instead of a group-by and an unstack (~5 ms → ~1 ms a call)."""
    first = ~frame["posting_id"].duplicated().to_numpy()
    codes, categories = pd.factorize(frame[by][first], sort=True)
    is_ai = frame["is_ai"].to_numpy()[first]
    known = codes >= 0
    comparison, ai = (np.bincount(codes[known & (is_ai == flag)], minlength=len(categories)) for flag in (0, 1))
    return categories.tolist(), comparison, ai


def estimate_premium_trend(
    frame: pd.DataFrame,
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    cluster: str = DEFAULT_CLUSTER,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Premium:
    """Change of the AI premium per work year (log points per year), from ``is_ai × (year − mean year)``.

    Year fixed effects stay among the controls, so the slope compares AI with comparison pay *within*
    years; it does not undo changes in who is sampled. Wild cluster bootstrap by title.
    """
    _require(frame, ["log_salary_usd", "is_ai", "work_year", *controls])
    if frame["work_year"].nunique() < 2:
        raise ParameterError(f"a trend needs at least two work years; the selection has {sorted(frame['work_year'].unique())}")
    centred_year = frame["work_year"] - frame["work_year"].mean()
    terms = {"is_ai": frame["is_ai"].to_numpy(dtype="float64"),
             "AI × year": (frame["is_ai"] * centred_year).to_numpy(dtype="float64")}
    contrasts = {"change of AI premium per year": {"AI × year": 1.0}}
    return _clustered_premiums(frame, _design(frame, terms, controls, min_cell_size), contrasts, cluster, draws, seed)[0]


# --------------------------------------------------------------------------- company size

COMPANY_SIZES = ("S", "M", "L")


@dataclass(frozen=True)
class CompanySizeGaps:
    """AI pay by employer size band: the comparisons that could be estimated, and the size bands left out."""

    table: pd.DataFrame
    postings: dict[str, int]
    skipped: tuple[str, ...]
    """Size bands with fewer than ``min_cell_size`` AI postings: their comparisons are not estimated."""
    premiums: dict[str, Premium]
    """Each comparison ("L vs M", …) with its inference record."""

    @property
    def note(self) -> str:
        """One sentence on the bands left out ('' when none)."""
        if not self.skipped:
            return ""
        return (f"Size band(s) {list(self.skipped)} left out: fewer AI postings than the minimum cell size "
                f"(AI postings by band: {self.postings}).")


def estimate_company_size_gaps(
    frame: pd.DataFrame,
    controls: Sequence[str] = tuple(c for c in ALL_CONTROLS if c != "company_size"),
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    cluster: str = DEFAULT_CLUSTER,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> CompanySizeGaps:
    """Pay of AI roles at large (L, > 250 staff) and small (S, < 50) vs medium (M) employers, and L vs S.

    Rows with ``is_ai == 1`` only, controls for everything but size, wild cluster bootstrap by title.
    ``company_size`` is the publisher's head-count band — L is any employer above 250 people, not "Big
    Tech". A band with fewer than ``min_cell_size`` AI postings is left out (its rows too) and named in
    ``skipped``; without M or without L there is nothing to compare and the table is empty. ``p_holm``:
    two-sided p-values Holm-adjusted over the tests the claim rests on (L vs M, L vs S).
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", "company_size", *controls])
    ai_rows = frame.loc[frame["is_ai"] == 1]
    counts = ai_rows.drop_duplicates("posting_id")["company_size"].value_counts()
    postings = {size: int(counts.get(size, 0)) for size in COMPANY_SIZES}
    kept = [size for size in COMPANY_SIZES if postings[size] >= min_cell_size]
    skipped = tuple(size for size in COMPANY_SIZES if size not in kept)
    columns = ["comparison", "percent", "ci_low", "ci_high", "log_points", "ci_low_log", "ci_high_log", "se", "p_value",
               "n", "clusters", "effective_clusters", "method", "p_holm", "postings_first", "postings_second"]
    if not {"L", "M"} <= set(kept):
        return CompanySizeGaps(pd.DataFrame(columns=columns), postings, skipped, {})
    rows = ai_rows.loc[ai_rows["company_size"].isin(kept)]
    others = [s for s in ("L", "S") if s in kept]
    terms = {f"size={s}": (rows["company_size"] == s).to_numpy(dtype="float64") for s in others}
    contrasts = {"L vs M": {"size=L": 1.0}}
    if "S" in kept:
        contrasts |= {"S vs M": {"size=S": 1.0}, "L vs S": {"size=L": 1.0, "size=S": -1.0}}
    premiums = _clustered_premiums(rows, _design(rows, terms, controls, min_cell_size), contrasts, cluster, draws, seed)
    table = _table(premiums).rename(columns={"label": "comparison"})
    claim_tests = table["comparison"].isin(["L vs M", "L vs S"])
    table["p_holm"] = np.nan
    table.loc[claim_tests, "p_holm"] = holm(table.loc[claim_tests, "p_value"])
    table["postings_first"] = [postings[c.split(" vs ")[0]] for c in table["comparison"]]
    table["postings_second"] = [postings[c.split(" vs ")[1]] for c in table["comparison"]]
    return CompanySizeGaps(table[columns], postings, skipped, {p.label: p for p in premiums})


# --------------------------------------------------------------------------- specification curve

def run_specification_curve(
    raw: pd.DataFrame,
    ai_definitions: Sequence[str] = AI_DEFINITIONS,
    comparisons: dict[str, dict] | None = None,
    pair_handlings: Sequence[str] = PAIR_HANDLINGS,
    drop_exact_duplicates: Sequence[bool] = (True,),
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The controlled premium under every combination of AI definition, comparison group and pair handling.

    ``raw`` is the frame :func:`talentmarket.data.salaries.load_salaries` returns (file
    order), already filtered to the years/countries under study. ``comparisons``
    maps a label to keyword arguments of :func:`label_comparison` (``comparison_group``,
    ``comparison_sources``) plus, optionally, ``"like_with_like": True`` for the within-file design
    (:func:`restrict_to_common_support` and a source fixed effect); the default is all non-AI tech
    titles. Every specification has the same inference (wild cluster bootstrap by title).
    Combinations whose groups come out empty are skipped. Sorted by the estimate, for a curve plot.
    """
    return _specification_curve(_classify(find_postings(raw)), ai_definitions, comparisons, pair_handlings, drop_exact_duplicates,
                                controls, min_cell_size, draws, seed)


def _specification_curve(postings: pd.DataFrame, ai_definitions: Sequence[str], comparisons: dict[str, dict] | None,
                         pair_handlings: Sequence[str], drop_exact_duplicates: Sequence[bool], controls: Sequence[str],
                         min_cell_size: int, draws: int, seed: int, estimated: dict[tuple, dict] | None = None) -> pd.DataFrame:
    """:func:`run_specification_curve` of the postings :func:`talentmarket.data.salaries.find_postings` found,
    each with its ``role_class`` (:func:`_classify`): the costly steps, done once for both curves of
    :func:`run_specification_study`. ``estimated`` holds the rows of specifications already estimated (by
    definition, comparison, handling and duplicates; the same controls, cell size, draws and seed): they are
    taken from there, and the new ones added."""
    comparisons = comparisons or {"non-AI tech, all files": {}}
    estimated = {} if estimated is None else estimated
    rows = []
    for handling in pair_handlings:
        for drop in drop_exact_duplicates:
            classified = None
            for definition in ai_definitions:
                for comparison_label, options in comparisons.items():
                    key = (definition, comparison_label, handling, drop)
                    if key not in estimated:
                        classified = expand_postings(postings, handling, drop) if classified is None else classified
                        estimated[key] = _specification_row(classified, definition, comparison_label, dict(options),
                                                            controls, min_cell_size, draws, seed)
                    if estimated[key] is not None:
                        rows.append({"ai_definition": definition, "comparison": comparison_label, "pair_handling": handling,
                                     "drop_exact_duplicates": drop, **estimated[key]})
    curve = pd.DataFrame(rows).drop(columns="label")
    return curve.sort_values("percent", kind="stable").reset_index(drop=True)


def _specification_row(classified: pd.DataFrame, definition: str, comparison_label: str, options: dict,
                       controls: Sequence[str], min_cell_size: int, draws: int, seed: int) -> dict | None:
    """The premium of one specification as a curve row; None when the selection leaves a group empty."""
    like_with_like = options.pop("like_with_like", False)
    try:
        labelled = _label_classified(classified, definition, **options)
        if like_with_like:
            labelled, _ = restrict_to_common_support(labelled, min_cell_size)
    except ParameterError:
        return None
    used = LIKE_WITH_LIKE_CONTROLS if like_with_like else controls
    return estimate_premium(labelled, used, min_cell_size, label=comparison_label, draws=draws, seed=seed).as_row()


@dataclass(frozen=True)
class SpecificationStudy:
    """Two specification curves and their union: ``definitions`` varies the AI definition and the
    comparison group (chosen pair handling); ``handling`` varies pair and duplicate handling (chosen
    definition, headline design); ``curve`` holds both once each, sorted by the estimate."""

    definitions: pd.DataFrame
    handling: pd.DataFrame
    curve: pd.DataFrame


HEADLINE_COMPARISON = "within file, common years"
"""The specification-curve label of the headline design (like with like)."""


def run_specification_study(
    raw: pd.DataFrame,
    sources: Sequence[str],
    ai_definition: str,
    comparison_group: str,
    comparison_sources: Sequence[str] | None,
    pair_handling: str,
    drop_exact_duplicates: bool,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> SpecificationStudy:
    """The notebook's specification curve: every AI definition in the headline design (within file, common
    years) and against non-AI tech of all files, of each file alone, and software engineering; plus every
    pair/duplicate handling of the chosen definition in the headline design."""
    chosen = {"comparison_group": comparison_group, "comparison_sources": comparison_sources or None}
    comparisons = {HEADLINE_COMPARISON: {**chosen, "like_with_like": True}, "non-AI tech, all files": {},
                   "software engineering, all files": {"comparison_group": "software_engineering"}}
    comparisons |= {f"non-AI tech, {source} only": {"comparison_sources": [source]} for source in sources}
    postings, common, estimated = _classify(find_postings(raw)), (ALL_CONTROLS, min_cell_size, draws, seed), {}
    definitions = _specification_curve(postings, AI_DEFINITIONS, comparisons, [pair_handling], [drop_exact_duplicates], *common,
                                       estimated)
    handling = _specification_curve(postings, [ai_definition], {HEADLINE_COMPARISON: comparisons[HEADLINE_COMPARISON]},
                                    PAIR_HANDLINGS, [True, False], *common, estimated)  # the chosen handling is estimated once
    is_chosen = (handling["pair_handling"] == pair_handling) & (handling["drop_exact_duplicates"] == drop_exact_duplicates)
    curve = (pd.concat([definitions, handling[~is_chosen]], ignore_index=True)  # the chosen one is already in
             .sort_values("percent", kind="stable").reset_index(drop=True))
    return SpecificationStudy(definitions, handling, curve)
