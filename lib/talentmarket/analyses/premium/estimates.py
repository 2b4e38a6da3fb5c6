"""Premium estimators: log-salary regressions of AI against comparison roles, by group and year, quantiles, dispersion and decomposition."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import linprog
from statsmodels.regression.quantile_regression import hall_sheather
from statsmodels.stats.multitest import multipletests

from talentmarket.data.salaries import AI_FIELD, COMPARISON_FIELD, prepare_salaries
from talentmarket.data.taxonomy import (
    NON_AI_TECH,
    ai_role_classes,
    classify_titles,
    software_engineering_mask,
)
from talentmarket.errors import ParameterError, check_choice
from talentmarket.stats.regression import (
    Estimate,
    OLSFit,
    cluster_sums,
    fit_ols,
    log_to_percent,
    solve_least_squares,
)

ALL_CONTROLS: tuple[str, ...] = (
    "experience_level", "work_year", "company_location", "company_size", "remote_ratio", "employment_type",
)
"""Controls of the full model: seniority, year, employer country, company size, remote ratio, employment type."""

CONTROL_LADDER: dict[str, tuple[str, ...]] = {
    "raw": (),
    "+ seniority": ("experience_level",),
    "+ country": ("experience_level", "company_location"),
    "all controls": ALL_CONTROLS,
}
AI_DEFINITIONS = ("core_ai", "core_ai_and_data", "ai_field_files")
"""Title-based (taxonomy classes) or file-based (every row of an AI-field file is AI) definitions."""
COMPARISON_GROUPS = ("non_ai_tech", "software_engineering")
DEFAULT_MIN_CELL_SIZE = 30
QUANTILES = (0.1, 0.5, 0.9)
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
    check_choice("unknown AI definition", [ai_definition], AI_DEFINITIONS)
    check_choice("unknown comparison group", [comparison_group], COMPARISON_GROUPS)
    frame = prepared.assign(role_class=classify_titles(prepared["job_title"]).to_numpy())
    if ai_definition == "ai_field_files":
        is_ai = frame["source_field"] == AI_FIELD
        is_comparison = frame["source_field"] == COMPARISON_FIELD
    else:
        is_ai = frame["role_class"].isin(ai_role_classes(ai_definition))
        is_comparison = frame["role_class"] == NON_AI_TECH
    if comparison_group == "software_engineering":
        is_comparison &= software_engineering_mask(frame["job_title"]).to_numpy()
    if comparison_sources is not None:
        unknown = sorted(set(comparison_sources) - set(frame["source"]))
        if unknown:
            raise ParameterError(f"comparison source(s) {unknown} not in the data; loaded sources: {sorted(frame['source'].unique())}")
        is_comparison &= frame["source"].isin(list(comparison_sources))
    for name, mask in (("AI", is_ai), ("comparison", is_comparison & ~is_ai)):
        if not mask.any():
            raise ParameterError(
                f"the {name} group is empty (AI definition {ai_definition!r}, comparison {comparison_group!r}, "
                f"sources {comparison_sources}); widen the selection"
            )
    labelled = frame.loc[is_ai | is_comparison].copy()
    labelled["is_ai"] = is_ai.loc[labelled.index].astype("int64")
    labelled["group"] = np.where(labelled["is_ai"] == 1, "AI", "comparison")
    return labelled.reset_index(drop=True)


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Premium:
    """A coefficient in log points with its cluster-robust standard error, reported as a percent premium."""

    label: str
    log_points: float
    se: float
    n: int
    clusters: int

    @classmethod
    def from_fit(cls, fit: OLSFit, weights: dict[str, float], label: str) -> Premium:
        """The linear combination ``weights`` of a fit's coefficients (e.g. ``{"is_ai": 1.0}``)."""
        estimate = fit.contrast(weights)
        return cls(label, estimate.value, estimate.se, fit.n_obs, fit.n_clusters or fit.n_obs)

    @property
    def _estimate(self) -> Estimate:
        return Estimate(self.log_points, self.se)

    @property
    def ci_log(self) -> tuple[float, float]:
        """95% CI in log points (normal critical value; clusters number in the hundreds or more)."""
        return self._estimate.interval()

    @property
    def percent(self) -> float:
        """The premium in percent: 100·(exp(b) − 1)."""
        return self._estimate.percent()[0]

    @property
    def ci_percent(self) -> tuple[float, float]:
        return self._estimate.percent()[1:]

    @property
    def p_value(self) -> float:
        """Two-sided p-value of b = 0."""
        return self._estimate.p_value

    def as_row(self) -> dict:
        low, high = self.ci_percent
        return {
            "label": self.label, "percent": self.percent, "ci_low": low, "ci_high": high,
            "log_points": self.log_points, "se": self.se, "p_value": self.p_value, "n": self.n, "clusters": self.clusters,
        }


def _table(premiums: Iterable[Premium]) -> pd.DataFrame:
    return pd.DataFrame([p.as_row() for p in premiums])


# --------------------------------------------------------------------------- OLS machinery

def _require(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"salary frame lacks column(s) {missing}: pass the output of prepare_salaries and label_comparison")
    if frame.empty:
        raise ParameterError("no salary rows to estimate on: the selection is empty")


def _dummies(values: pd.Series, min_cell_size: int) -> tuple[np.ndarray, list[str]]:
    """One-hot columns of a categorical control, its most frequent category left out as the reference.

    Categories with fewer than ``min_cell_size`` rows are pooled into ``"other"``, so
    no dummy rests on a handful of rows.
    """
    codes, categories = pd.factorize(values, sort=True)
    counts = np.bincount(codes, minlength=len(categories))
    labels = np.where(counts >= min_cell_size, categories.astype("str"), "other")
    kept, pooled_codes = np.unique(labels, return_inverse=True)
    one_hot = np.zeros((len(codes), len(kept)))
    one_hot[np.arange(len(codes)), pooled_codes.ravel()[codes]] = 1.0
    reference = int(one_hot.sum(axis=0).argmax())
    columns = [i for i in range(len(kept)) if i != reference]
    return one_hot[:, columns], [f"{values.name}={kept[i]}" for i in columns]


def _design(frame: pd.DataFrame, terms: pd.DataFrame, controls: Sequence[str], min_cell_size: int) -> tuple[np.ndarray, list[str]]:
    """Intercept, the terms of interest, then control dummies; columns without variation are dropped."""
    blocks = [np.ones((len(frame), 1)), terms.to_numpy(dtype="float64")]
    names = ["const", *terms.columns]
    for column in controls:
        block, block_names = _dummies(frame[column], min_cell_size)
        blocks.append(block)
        names.extend(block_names)
    design = np.hstack(blocks)
    varying = (design.max(axis=0) > design.min(axis=0)) | (np.arange(design.shape[1]) == 0)
    return np.ascontiguousarray(design[:, varying]), [name for name, keep in zip(names, varying) if keep]


def _fit(frame: pd.DataFrame, terms: pd.DataFrame, controls: Sequence[str], min_cell_size: int, clustered: bool = True) -> OLSFit:
    """OLS of log salary on the terms and control dummies, clustered by posting (HC1 when ``clustered`` is False)."""
    x, names = _design(frame, terms, controls, min_cell_size)
    clusters = frame["posting_id"].to_numpy() if clustered else None
    return fit_ols(x, frame["log_salary_usd"].to_numpy(dtype="float64"), names, clusters=clusters)


# --------------------------------------------------------------------------- mean premium

def estimate_premium(
    frame: pd.DataFrame,
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    label: str = "AI premium",
    cluster_by_posting: bool = True,
) -> Premium:
    """The AI premium: coefficient on ``is_ai`` in a log-salary OLS with dummy controls, clustered by posting.

    Control categories with fewer than ``min_cell_size`` rows are pooled into "other".
    ``cluster_by_posting=False`` gives heteroskedasticity-robust (HC1) errors that treat
    every row as independent — only to show what clustering protects against when pair
    halves or duplicate copies are kept.
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", *controls])
    fit = _fit(frame, frame[["is_ai"]].astype("float64"), controls, min_cell_size, clustered=cluster_by_posting)
    return Premium.from_fit(fit, {"is_ai": 1.0}, label)


def estimate_control_ladder(frame: pd.DataFrame, min_cell_size: int = DEFAULT_MIN_CELL_SIZE) -> pd.DataFrame:
    """The premium as controls are added (raw → seniority → country → all): how much is composition."""
    return _table(estimate_premium(frame, controls, min_cell_size, label=step) for step, controls in CONTROL_LADDER.items())


@dataclass(frozen=True)
class GroupPremiums:
    """Premium per category of one variable, and the Wald test that all are equal."""

    by: str
    table: pd.DataFrame
    wald_statistic: float
    wald_df: int
    wald_p_value: float
    skipped: tuple[str, ...]
    """Categories left out because the AI or the comparison cell had fewer than ``min_cell_size`` postings."""


def estimate_premium_by(
    frame: pd.DataFrame,
    by: str,
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> GroupPremiums:
    """A separate AI premium for each category of ``by`` (e.g. experience level, year) in one model.

    The model has the full controls (``by`` included) and ``is_ai × category``
    interactions instead of one ``is_ai`` term. Categories where the AI or the
    comparison group has fewer than ``min_cell_size`` postings are dropped and listed.
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", by, *controls])
    postings = frame.drop_duplicates("posting_id").groupby([by, "is_ai"]).size().unstack(fill_value=0)
    postings = postings.reindex(columns=[0, 1], fill_value=0)
    kept = sorted(postings.index[(postings[0] >= min_cell_size) & (postings[1] >= min_cell_size)].tolist())
    skipped = tuple(str(c) for c in sorted(set(postings.index) - set(kept)))
    if not kept:
        raise ParameterError(f"no {by} category has {min_cell_size} AI and {min_cell_size} comparison postings; lower min_cell_size")
    subset = frame.loc[frame[by].isin(kept)]
    terms = pd.DataFrame({f"AI × {value}": ((subset[by] == value) & (subset["is_ai"] == 1)).astype("float64") for value in kept})
    fit = _fit(subset, terms, [c for c in dict.fromkeys([*controls, by])], min_cell_size)
    premiums = [Premium.from_fit(fit, {f"AI × {value}": 1.0}, str(value)) for value in kept]
    table = _table(premiums).rename(columns={"label": by})
    counts = postings.loc[kept].rename(columns={0: "comparison_postings", 1: "ai_postings"}).reset_index(drop=True)
    table = pd.concat([table, counts], axis=1)
    statistic, df, p_value = fit.wald_equal(list(terms.columns)) if len(kept) > 1 else (float("nan"), 0, float("nan"))
    return GroupPremiums(by, table, statistic, df, p_value, skipped)


def estimate_premium_trend(
    frame: pd.DataFrame,
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> Premium:
    """Change of the AI premium per work year (log points per year), from ``is_ai × (year − mean year)``.

    Year fixed effects stay among the controls, so the slope compares AI with
    comparison pay *within* years; it does not undo changes in who is sampled.
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", "work_year", *controls])
    centred_year = frame["work_year"] - frame["work_year"].mean()
    terms = pd.DataFrame({"is_ai": frame["is_ai"].astype("float64"), "AI × year": frame["is_ai"] * centred_year})
    return Premium.from_fit(_fit(frame, terms, controls, min_cell_size), {"AI × year": 1.0}, "change of AI premium per year")


# --------------------------------------------------------------------------- quantiles

def _quantile_fit(y: np.ndarray, x: np.ndarray, q: float) -> np.ndarray:
    """Quantile-regression coefficients from the dual linear programme (max y'a s.t. X'a = (1−q)X'1, 0 ≤ a ≤ 1)."""
    result = linprog(-y, A_eq=x.T, b_eq=(1 - q) * x.sum(axis=0), bounds=(0, 1), method="highs")
    if result.status != 0:
        raise ParameterError(f"quantile regression at q={q} did not solve: {result.message}")
    return -result.eqlin.marginals


def estimate_quantile_premiums(
    frame: pd.DataFrame,
    quantiles: Sequence[float] = QUANTILES,
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> tuple[pd.DataFrame, Premium]:
    """AI premium at each conditional quantile, and the top-minus-bottom difference.

    Standard errors are cluster-robust (Parente & Santos Silva 2016): a Powell
    kernel estimate of the density with the Hall–Sheather bandwidth, scores summed
    by posting. The returned Premium is the premium at the highest minus the lowest
    quantile in log points (its ``percent`` is not meaningful; use ``log_points``).
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", *controls])
    x, names = _design(frame, frame[["is_ai"]].astype("float64"), controls, min_cell_size)
    y = frame["log_salary_usd"].to_numpy(dtype="float64")
    clusters = frame["posting_id"].to_numpy()
    n, g = len(y), len(pd.unique(clusters))
    column = names.index("is_ai")
    fits = {q: _quantile_fit(y, x, q) for q in quantiles}
    breads, scores = {}, {}
    for q, params in fits.items():
        residuals = y - x @ params
        spread = min(np.std(residuals), stats.iqr(residuals) / 1.34)
        h = spread * (stats.norm.ppf(min(q + hall_sheather(n, q), 0.999)) - stats.norm.ppf(max(q - hall_sheather(n, q), 0.001)))
        density = (np.abs(residuals) < h) / (2 * h)
        breads[q] = np.linalg.pinv(x.T @ (x * density[:, None]))
        scores[q] = cluster_sums(x * (q - (residuals < 0))[:, None], clusters)

    def covariance(a: float, b: float) -> float:
        return float((breads[a] @ scores[a].T @ scores[b] @ breads[b])[column, column])

    premiums = [Premium(f"q{round(q * 100)}", float(fits[q][column]), np.sqrt(covariance(q, q)), n, g) for q in quantiles]
    low, high = min(quantiles), max(quantiles)
    spread_se = np.sqrt(covariance(high, high) + covariance(low, low) - 2 * covariance(high, low))
    difference = Premium(
        f"q{round(high * 100)} − q{round(low * 100)}", float(fits[high][column] - fits[low][column]), float(spread_se), n, g,
    )
    return _table(premiums).rename(columns={"label": "quantile"}), difference


# --------------------------------------------------------------------------- dispersion

def _weighted_quantile(sorted_values: np.ndarray, sorted_weights: np.ndarray, q: float) -> float:
    cumulative = np.cumsum(sorted_weights)
    return float(sorted_values[np.searchsorted(cumulative, q * cumulative[-1])])


def _cluster_weights(codes: np.ndarray, n_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """Row weights of one cluster-bootstrap draw: each cluster weighted by how often it was drawn."""
    drawn = np.bincount(rng.integers(0, n_clusters, n_clusters), minlength=n_clusters)
    return drawn[codes].astype("float64")


def _dispersion(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """(weighted SD, weighted 90th − 10th percentile) of values already sorted."""
    mean = np.average(values, weights=weights)
    sd = float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))
    return sd, _weighted_quantile(values, weights, 0.9) - _weighted_quantile(values, weights, 0.1)


def measure_dispersion(
    frame: pd.DataFrame,
    controls: Sequence[str] = tuple(c for c in ALL_CONTROLS if c != "work_year"),
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    n_boot: int = 199,
    seed: int = 20260101,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Within-group pay dispersion per year, net of composition, and its trend.

    Log salaries are residualised on ``controls`` (no year) separately for AI and
    comparison rows, so a change in the mix of countries or levels does not show up
    as dispersion. Per group and year: SD and 90/10 spread of residuals (log points)
    with cluster-bootstrap 95% CIs. Trends: the least-squares slope of the yearly SD
    over years for each group, and for ``"AI − comparison"`` (over the years both
    have), which nets out changes common to both groups — such as the files moving
    from survey answers to posted ranges. Years with fewer than ``min_cell_size``
    postings in a group are left out.
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", "work_year", *controls])
    rng = np.random.default_rng(seed)
    cells, draws_by_group = [], {}
    for group, rows in frame.groupby("group", sort=True):
        x, _ = _design(rows, pd.DataFrame(index=rows.index), controls, min_cell_size)
        _, residuals = solve_least_squares(x, rows["log_salary_usd"].to_numpy(dtype="float64"))
        draws_by_group[group] = {}
        for year in sorted(rows["work_year"].unique()):
            in_year = (rows["work_year"] == year).to_numpy()
            codes, uniques = pd.factorize(rows["posting_id"].to_numpy()[in_year])
            if len(uniques) < min_cell_size:
                continue
            order = np.argsort(residuals[in_year])
            values, codes = residuals[in_year][order], codes[order]
            sd, spread = _dispersion(values, np.ones(len(values)))
            draws = np.array([_dispersion(values, _cluster_weights(codes, len(uniques), rng)) for _ in range(n_boot)])
            cells.append({
                "group": group, "work_year": int(year), "postings": len(uniques), "sd": sd,
                "sd_ci_low": np.quantile(draws[:, 0], 0.025), "sd_ci_high": np.quantile(draws[:, 0], 0.975),
                "p90_p10": spread, "p90_p10_ci_low": np.quantile(draws[:, 1], 0.025), "p90_p10_ci_high": np.quantile(draws[:, 1], 0.975),
            })
            draws_by_group[group][int(year)] = (sd, draws[:, 0])
    return pd.DataFrame(cells), _dispersion_trends(draws_by_group)


def _dispersion_trends(draws_by_group: dict[str, dict[int, tuple[float, np.ndarray]]]) -> pd.DataFrame:
    """Slope of the yearly SD per group and AI minus comparison, with percentile-bootstrap CIs (needs 3+ years)."""
    def slopes(by_year: dict[int, tuple[float, np.ndarray]], years: list[int]) -> tuple[float, np.ndarray]:
        point = float(np.polyfit(years, [by_year[y][0] for y in years], 1)[0])
        return point, np.polyfit(years, np.vstack([by_year[y][1] for y in years]), 1)[0]

    def row(label: str, years: list[int], point: float, boot: np.ndarray) -> dict:
        return {"group": label, "years": len(years), "slope": point,
                "ci_low": float(np.quantile(boot, 0.025)), "ci_high": float(np.quantile(boot, 0.975))}

    rows = []
    for group, by_year in draws_by_group.items():
        years = sorted(by_year)
        rows.append(row(group, years, *slopes(by_year, years)) if len(years) >= 3
                    else {"group": group, "years": len(years), "slope": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    common = sorted(set.intersection(*(set(v) for v in draws_by_group.values()))) if len(draws_by_group) == 2 else []
    if len(common) >= 3:
        (ai_point, ai_boot), (other_point, other_boot) = (slopes(draws_by_group[g], common) for g in ("AI", "comparison"))
        rows.append(row("AI − comparison", common, ai_point - other_point, ai_boot - other_boot))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- Oaxaca–Blinder

def decompose_gap(
    frame: pd.DataFrame,
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    n_boot: int = 199,
    seed: int = 20260101,
) -> pd.DataFrame:
    """Two-fold Oaxaca–Blinder decomposition of the mean log-salary gap, AI minus comparison.

    The reference coefficients come from the pooled regression *with* a group
    indicator (Fortin 2008; Jann 2008), so the explained part is the gap the
    characteristics (seniority, country, year, size, remote, contract) account for
    at common prices, and the unexplained part is the rest — what the controlled
    premium measures. CIs: cluster bootstrap over postings (percentile, ``n_boot`` draws).
    Rows: total, explained, unexplained; columns in log points and percent.
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", *controls])
    x, names = _design(frame, frame[["is_ai"]].astype("float64"), controls, min_cell_size)
    y = frame["log_salary_usd"].to_numpy(dtype="float64")
    codes, uniques = pd.factorize(frame["posting_id"])
    # Every regressor is a dummy, so rows share a few thousand distinct design rows ("patterns"):
    # weighted sums per pattern make each bootstrap draw cheap.
    patterns, pattern_of_row = np.unique(x, axis=0, return_inverse=True)
    pattern_of_row = pattern_of_row.ravel()
    pattern_is_ai = patterns[:, names.index("is_ai")] == 1
    characteristics = [i for i, name in enumerate(names) if name not in ("const", "is_ai")]

    def parts(weights: np.ndarray) -> np.ndarray:
        mass = np.bincount(pattern_of_row, weights=weights, minlength=len(patterns))
        weighted_y = np.bincount(pattern_of_row, weights=weights * y, minlength=len(patterns))
        beta = np.linalg.pinv(patterns.T @ (patterns * mass[:, None])) @ (patterns.T @ weighted_y)
        means = {
            side: (patterns[mask].T @ mass[mask] / mass[mask].sum(), weighted_y[mask].sum() / mass[mask].sum())
            for side, mask in (("ai", pattern_is_ai), ("other", ~pattern_is_ai))
        }
        gap = means["ai"][1] - means["other"][1]
        explained = float((means["ai"][0] - means["other"][0])[characteristics] @ beta[characteristics])
        return np.array([gap, explained, gap - explained])

    point = parts(np.ones(len(y)))
    rng = np.random.default_rng(seed)
    draws = np.array([parts(_cluster_weights(codes, len(uniques), rng)) for _ in range(n_boot)])
    table = pd.DataFrame({
        "component": ["total gap", "explained by characteristics", "unexplained (premium)"],
        "log_points": point,
        "ci_low_log": np.quantile(draws, 0.025, axis=0),
        "ci_high_log": np.quantile(draws, 0.975, axis=0),
    })
    for column in ("log_points", "ci_low_log", "ci_high_log"):
        table[column.replace("log_points", "percent").replace("_log", "")] = log_to_percent(table[column])
    table["share_of_gap"] = table["log_points"] / point[0]
    table["n"], table["clusters"] = len(y), len(uniques)
    return table


# --------------------------------------------------------------------------- company size

def estimate_company_size_gaps(
    frame: pd.DataFrame,
    controls: Sequence[str] = tuple(c for c in ALL_CONTROLS if c != "company_size"),
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> pd.DataFrame:
    """Pay of AI roles at large (L, > 250 staff) and small (S, < 50) vs medium (M) employers, and L vs S.

    Rows with ``is_ai == 1`` only, controls for everything but size, clustered by
    posting. ``company_size`` is the publisher's head-count band — L is any employer
    above 250 people, not "Big Tech". p-values are Holm-adjusted over the two
    tests the claim rests on (L vs M, L vs S).
    """
    _require(frame, ["log_salary_usd", "is_ai", "posting_id", "company_size", *controls])
    ai_rows = frame.loc[frame["is_ai"] == 1]
    counts = ai_rows.drop_duplicates("posting_id")["company_size"].value_counts()
    too_small = [size for size in ("S", "M", "L") if counts.get(size, 0) < min_cell_size]
    if too_small:
        raise ParameterError(f"company_size {too_small} has fewer than {min_cell_size} AI postings ({counts.to_dict()}); lower min_cell_size")
    terms = pd.DataFrame({f"size={s}": (ai_rows["company_size"] == s).astype("float64") for s in ("L", "S")})
    fit = _fit(ai_rows, terms, controls, min_cell_size)
    premiums = [
        Premium.from_fit(fit, {"size=L": 1.0}, "L vs M"),
        Premium.from_fit(fit, {"size=S": 1.0}, "S vs M"),
        Premium.from_fit(fit, {"size=L": 1.0, "size=S": -1.0}, "L vs S"),
    ]
    table = _table(premiums).rename(columns={"label": "comparison"})
    claim_tests = table["comparison"].isin(["L vs M", "L vs S"])
    table["p_holm"] = np.nan
    table.loc[claim_tests, "p_holm"] = multipletests(table.loc[claim_tests, "p_value"], method="holm")[1]
    table["postings_first"] = [counts.get(c.split(" vs ")[0], 0) for c in table["comparison"]]
    table["postings_second"] = [counts.get(c.split(" vs ")[1], 0) for c in table["comparison"]]
    return table


# --------------------------------------------------------------------------- specification curve

def run_specification_curve(
    raw: pd.DataFrame,
    ai_definitions: Sequence[str] = AI_DEFINITIONS,
    comparisons: dict[str, dict] | None = None,
    pair_handlings: Sequence[str] = ("midpoint", "max", "min", "all_rows"),
    drop_exact_duplicates: Sequence[bool] = (True,),
    controls: Sequence[str] = ALL_CONTROLS,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> pd.DataFrame:
    """The controlled premium under every combination of AI definition, comparison group and pair handling.

    ``raw`` is the frame :func:`talentmarket.data.salaries.load_salaries` returns (file
    order), already filtered to the years/countries under study. ``comparisons``
    maps a label to keyword arguments of :func:`label_comparison` (``comparison_group``,
    ``comparison_sources``); the default is all non-AI tech titles. Combinations whose
    groups come out empty are skipped. Sorted by the estimate, for a curve plot.
    """
    comparisons = comparisons or {"non-AI tech, all files": {}}
    rows = []
    for handling in pair_handlings:
        for drop in drop_exact_duplicates:
            prepared = prepare_salaries(raw, handling, drop)
            for definition in ai_definitions:
                for comparison_label, options in comparisons.items():
                    try:
                        labelled = label_comparison(prepared, definition, **options)
                    except ParameterError:
                        continue
                    premium = estimate_premium(labelled, controls, min_cell_size, label=comparison_label)
                    rows.append({"ai_definition": definition, "comparison": comparison_label, "pair_handling": handling,
                                 "drop_exact_duplicates": drop, **premium.as_row()})
    curve = pd.DataFrame(rows).drop(columns="label")
    return curve.sort_values("percent", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class SpecificationStudy:
    """Two specification curves and their union: ``definitions`` varies the AI definition and the
    comparison group (chosen pair handling); ``handling`` varies pair and duplicate handling (chosen
    definition and comparison); ``curve`` holds both once each, sorted by the estimate."""

    definitions: pd.DataFrame
    handling: pd.DataFrame
    curve: pd.DataFrame


def run_specification_study(
    raw: pd.DataFrame,
    sources: Sequence[str],
    ai_definition: str,
    comparison_group: str,
    comparison_sources: Sequence[str] | None,
    pair_handling: str,
    drop_exact_duplicates: bool,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> SpecificationStudy:
    """The notebook's specification curve: every AI definition against non-AI tech (all files and
    each file alone) and software engineering, plus every pair/duplicate handling of the chosen one."""
    comparisons = {"non-AI tech, all files": {}, "software engineering, all files": {"comparison_group": "software_engineering"}}
    comparisons |= {f"non-AI tech, {source} only": {"comparison_sources": [source]} for source in sources}
    definitions = run_specification_curve(raw, comparisons=comparisons, pair_handlings=[pair_handling],
                                          drop_exact_duplicates=[drop_exact_duplicates], min_cell_size=min_cell_size)
    chosen = {"chosen comparison": {"comparison_group": comparison_group, "comparison_sources": comparison_sources or None}}
    handling = run_specification_curve(raw, ai_definitions=[ai_definition], comparisons=chosen,
                                       drop_exact_duplicates=[True, False], min_cell_size=min_cell_size)
    is_chosen = (handling["pair_handling"] == pair_handling) & (handling["drop_exact_duplicates"] == drop_exact_duplicates)
    curve = (pd.concat([definitions, handling[~is_chosen]], ignore_index=True)  # the chosen one is already in
             .sort_values("percent", kind="stable").reset_index(drop=True))
    return SpecificationStudy(definitions, handling, curve)


def clustered_and_row_level_se(
    raw: pd.DataFrame,
    ai_definition: str,
    comparison_group: str,
    comparison_sources: Sequence[str] | None,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> tuple[float, float, int]:
    """Keeping every raw row (pair halves and duplicates): the premium's standard error clustered by
    posting, the one that wrongly treats rows as independent, and the number of rows."""
    every_row = label_comparison(prepare_salaries(raw, "all_rows", drop_exact_duplicates=False),
                                 ai_definition, comparison_group, comparison_sources or None)
    clustered, row_level = (estimate_premium(every_row, min_cell_size=min_cell_size, cluster_by_posting=flag).se
                            for flag in (True, False))
    return clustered, row_level, len(every_row)


# --------------------------------------------------------------------------- verdicts
