"""Job-history panels: a documented input schema, its validation, and a Markov
estimator of sector-to-sector transitions with bootstrap CIs clustered by person.

No open data set follows AI workers from one industry to another, so this module
is for users who hold such a panel (for example an export of work histories) and
for the synthetic demonstration. It answers: who moves from which sector to
which, how many more people enter a sector than leave it (net flows), and which
destination grows fastest through those flows.

Input schema (one row per spell or per person-period; CSV or Parquet):

==============  ========  ================================================================
column          required  meaning
==============  ========  ================================================================
``person_id``   yes       any identifier, stable across rows of the same person
``sector``      yes       the employer's sector, from an agreed list (``sectors``)
``ai_role``     yes       whether the job is an AI role: true/false, 1/0, yes/no
``period``      one of    integer period, e.g. the calendar year the row describes
``start_date``  the two   first day of a spell (ISO date); with ``end_date``
``end_date``    forms     last day of a spell; empty = still in that job at the panel's end
``country``     no        ISO 3166 alpha-2 code of the job's country
==============  ========  ================================================================

Spells are turned into annual periods by the sector a person holds on the
snapshot day (1 July) of each year. A transition is a pair of consecutive periods
of the same person; gaps break the chain instead of inventing a move.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import LogNorm
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests

from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.plots import HIGHLIGHT, MUTED, add_footer

DEFAULT_SECTORS: tuple[str, ...] = (
    "tech", "finance", "health_care", "manufacturing", "professional_services", "government_education", "other",
)
"""The sector codes a job-history file uses unless the caller names its own list."""

REQUIRED_COLUMNS = ("person_id", "sector", "ai_role")
PERIOD_COLUMNS = ("period",)
SPELL_COLUMNS = ("start_date", "end_date")
SNAPSHOT_MONTH_DAY = (7, 1)
"""Spells are read on 1 July of each year: the sector held that day is the year's sector."""

_BOOTSTRAP_BLOCK = 250
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def read_job_history(path: str | Path, sectors: Sequence[str] = DEFAULT_SECTORS) -> pd.DataFrame:
    """Read a job-history CSV or Parquet file and return the validated person-period panel."""
    path = Path(path).expanduser()
    source = f"job history {path.name}"
    if not path.is_file():
        raise ParameterError(f"job-history file {path} does not exist; pass the path of a CSV or Parquet file")
    try:
        raw = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError) as error:
        raise DataValidationError(source, None, f"not a readable CSV or Parquet file: {error}") from None
    return validate_job_history(raw, sectors, source=source)


def validate_job_history(
    frame: pd.DataFrame, sectors: Sequence[str] = DEFAULT_SECTORS, *, source: str = "job history"
) -> pd.DataFrame:
    """Check a job-history frame and return one row per person and period.

    Output columns: ``person_id`` (str), ``period`` (int), ``sector`` (str),
    ``ai_role`` (bool) and ``country`` when given, sorted by person and period.
    Raises DataValidationError naming the column and problem for missing columns,
    unreadable values, unknown sectors, overlapping spells and panels too short to
    contain a transition.
    """
    if frame.empty:
        raise DataValidationError(source, None, "no rows: the job history is empty")
    for column in REQUIRED_COLUMNS:
        _require(frame, column, source)
    if "period" in frame.columns:
        panel = _periods_from_rows(frame, source)
    elif all(column in frame.columns for column in SPELL_COLUMNS):
        panel = _periods_from_spells(frame, source)
    else:
        raise DataValidationError(
            source, "period",
            f"missing column: give either 'period' or both 'start_date' and 'end_date' (found {sorted(map(str, frame.columns))})",
        )
    _check_sectors(panel, sectors, source)
    _check_transitions_possible(panel, source)
    return panel.sort_values(["person_id", "period"], ignore_index=True)


def _require(frame: pd.DataFrame, column: str, source: str) -> None:
    if column not in frame.columns:
        raise DataValidationError(
            source, column,
            f"missing column (required: {list(REQUIRED_COLUMNS)} plus 'period' or 'start_date'/'end_date'; "
            f"found {sorted(map(str, frame.columns))})",
        )
    if frame[column].isna().any():
        rows = frame.index[frame[column].isna()][:5].tolist()
        raise DataValidationError(source, column, f"missing values in rows {rows}")


def _common_columns(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """person_id, sector, ai_role (and country) in canonical types."""
    out = pd.DataFrame({
        "person_id": frame["person_id"].astype(str),
        "sector": frame["sector"].astype(str).str.strip(),
        "ai_role": _parse_flags(frame["ai_role"], source),
    }, index=frame.index)
    if "country" in frame.columns:
        country = frame["country"].astype(str).str.strip().str.upper()
        bad = sorted(set(country[~country.str.fullmatch(r"[A-Z]{2}")]))
        if bad:
            raise DataValidationError(source, "country", f"expected ISO 3166 alpha-2 codes such as US, GB; found {bad[:5]}")
        out["country"] = country
    return out


def _parse_flags(values: pd.Series, source: str) -> pd.Series:
    text = values.astype(str).str.strip().str.lower()
    bad = sorted(set(text[~text.isin(_TRUE | _FALSE)]))
    if bad:
        raise DataValidationError(source, "ai_role", f"expected true/false, 1/0 or yes/no; found {bad[:5]}")
    return text.isin(_TRUE)


def _periods_from_rows(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    period = pd.to_numeric(frame["period"], errors="coerce")
    bad = frame.loc[period.isna() | (period != period.round()), "period"]
    if len(bad):
        raise DataValidationError(source, "period", f"wrong type: expected whole numbers such as 2021; found {sorted(map(str, set(bad)))[:5]}")
    panel = _common_columns(frame, source)
    panel["period"] = period.astype("int64")
    clashes = panel[panel.duplicated(["person_id", "period"], keep=False)]
    if len(clashes):
        first = clashes.iloc[0]
        raise DataValidationError(
            source, "period",
            f"overlapping rows: person {first['person_id']!r} has {int((clashes['person_id'] == first['person_id']).sum())} rows "
            f"in period {first['period']}; give one row per person and period",
        )
    return panel[["person_id", "period", "sector", "ai_role", *(["country"] if "country" in panel else [])]]


def _periods_from_spells(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    spells = _common_columns(frame, source)
    for column in SPELL_COLUMNS:
        blank = frame[column].isna() | frame[column].astype(str).str.strip().eq("")
        parsed = pd.to_datetime(frame[column].where(~blank), errors="coerce", format="ISO8601")
        unreadable = ~blank & parsed.isna()
        if unreadable.any() or (column == "start_date" and blank.any()):
            examples = sorted(map(str, set(frame.loc[unreadable | blank, column])))[:5]
            raise DataValidationError(source, column, f"wrong type: expected ISO dates such as 2021-03-01; found {examples}")
        spells[column] = parsed
    panel_end = spells[["start_date", "end_date"]].max().max()
    spells["end_date"] = spells["end_date"].fillna(panel_end)
    backwards = spells[spells["end_date"] < spells["start_date"]]
    if len(backwards):
        first = backwards.iloc[0]
        raise DataValidationError(source, "end_date", f"spell of person {first['person_id']!r} ends ({first['end_date'].date()}) before it starts ({first['start_date'].date()})")
    _check_overlaps(spells, source)
    return _snapshot_spells(spells)


def _check_overlaps(spells: pd.DataFrame, source: str) -> None:
    """Two spells of one person overlap when the later one starts before the earlier one ends."""
    ordered = spells.sort_values(["person_id", "start_date", "end_date"])
    previous_end = ordered.groupby("person_id")["end_date"].shift()
    overlapping = ordered[ordered["start_date"] < previous_end]
    if len(overlapping):
        first = overlapping.iloc[0]
        raise DataValidationError(
            source, "start_date",
            f"overlapping spells: person {first['person_id']!r} starts a spell on {first['start_date'].date()} before "
            f"the previous one ends ({previous_end.loc[first.name].date()}); {overlapping['person_id'].nunique()} "
            "person(s) affected. Split or trim the spells so that each day has one job.",
        )


def _snapshot_spells(spells: pd.DataFrame) -> pd.DataFrame:
    """One row per person and year whose 1 July falls inside a spell."""
    month, day = SNAPSHOT_MONTH_DAY
    first_year = spells["start_date"].dt.year
    last_year = spells["end_date"].dt.year
    rows = spells.assign(period=[list(range(a, b + 1)) for a, b in zip(first_year, last_year)]).explode("period")
    rows["period"] = rows["period"].astype("int64")
    snapshot = pd.to_datetime({"year": rows["period"], "month": month, "day": day})
    rows = rows[(rows["start_date"] <= snapshot) & (snapshot <= rows["end_date"])]
    keep = ["person_id", "period", "sector", "ai_role", *(["country"] if "country" in rows else [])]
    return rows[keep].reset_index(drop=True)


def _check_sectors(panel: pd.DataFrame, sectors: Sequence[str], source: str) -> None:
    unknown = sorted(set(panel["sector"]) - set(sectors))
    if unknown:
        raise DataValidationError(
            source, "sector",
            f"unknown sector(s) {unknown[:5]}; allowed: {list(sectors)}. Recode them or pass your own list as sectors",
        )


def _check_transitions_possible(panel: pd.DataFrame, source: str) -> None:
    periods = sorted(panel["period"].unique())
    if len(periods) < 2:
        raise DataValidationError(
            source, "period",
            f"a single period ({periods[0] if periods else 'none'}): transitions need people observed in two consecutive periods",
        )
    if not _consecutive_pairs(panel).any():
        raise DataValidationError(source, "period", "no person is observed in two consecutive periods, so no transition can be counted")


def _consecutive_pairs(panel: pd.DataFrame) -> pd.Series:
    """True for rows whose person is observed again in the next period (panel sorted by person, period)."""
    ordered = panel.sort_values(["person_id", "period"])
    same_person = ordered["person_id"].eq(ordered["person_id"].shift(-1))
    next_period = ordered["period"].shift(-1).eq(ordered["period"] + 1)
    return (same_person & next_period).reindex(panel.index)


@dataclass(frozen=True)
class TransitionEstimate:
    """Sector-to-sector transition probabilities and net flows with person-clustered bootstrap CIs.

    ``probabilities``, ``ci_low``, ``ci_high`` and ``counts`` are origin × destination
    frames (rows sum to one for ``probabilities``). ``net_flows`` has one row per
    sector: ``stock`` (origin person-periods), ``inflow``, ``outflow``, ``net``, and
    ``net_rate_pct`` = net / stock in percent per period, each with CI columns.
    ``draws`` holds the bootstrap draws of ``net_rate_pct`` (draws × sectors), used
    by :func:`compare_destination_growth`.
    """

    sectors: tuple[str, ...]
    counts: pd.DataFrame
    probabilities: pd.DataFrame
    ci_low: pd.DataFrame
    ci_high: pd.DataFrame
    net_flows: pd.DataFrame
    draws: pd.DataFrame
    persons: int
    transitions: int
    level: float

    def summary(self, digits: int = 3) -> pd.DataFrame:
        """Long table: origin, destination, transitions, probability and its CI, rounded and sorted."""
        long = pd.DataFrame({
            "origin": np.repeat(self.sectors, len(self.sectors)),
            "destination": np.tile(self.sectors, len(self.sectors)),
            "transitions": self.counts.to_numpy().ravel(),
            "probability": self.probabilities.to_numpy().ravel(),
            "ci_low": self.ci_low.to_numpy().ravel(),
            "ci_high": self.ci_high.to_numpy().ravel(),
        })
        return long.round(digits)


def transition_tensor(panel: pd.DataFrame, sectors: Sequence[str], ai_roles_only: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-person transition counts: an array (persons × origin × destination) and the person ids.

    A transition is counted from period t to t+1 of the same person; with
    ``ai_roles_only`` only when the person holds an AI role in period t.
    """
    ordered = panel.sort_values(["person_id", "period"], ignore_index=True)
    has_next = _consecutive_pairs(ordered).to_numpy()
    if ai_roles_only:
        has_next = has_next & ordered["ai_role"].to_numpy(dtype=bool)
    index = {sector: i for i, sector in enumerate(sectors)}
    origin = ordered["sector"].map(index).to_numpy()[:-1][has_next[:-1]]
    destination = ordered["sector"].map(index).to_numpy()[1:][has_next[:-1]]
    person_codes, person_ids = pd.factorize(ordered["person_id"].to_numpy()[:-1][has_next[:-1]])
    tensor = np.zeros((len(person_ids), len(sectors), len(sectors)))
    np.add.at(tensor, (person_codes, origin, destination), 1)
    return tensor, np.asarray(person_ids)


def estimate_transitions(
    panel: pd.DataFrame,
    sectors: Sequence[str] = DEFAULT_SECTORS,
    *,
    ai_roles_only: bool = False,
    draws: int = 1000,
    seed: int = 20260101,
    level: float = 0.95,
) -> TransitionEstimate:
    """Estimate the one-period transition matrix between ``sectors`` and net flows, with CIs.

    The estimator is the Markov maximum-likelihood one: transitions from i to j over
    all transitions out of i. Uncertainty comes from a bootstrap that resamples
    persons (all of a person's moves together), so moves of the same person are not
    treated as independent. Net flows get percentile intervals of that bootstrap.
    Transition probabilities get Wilson score intervals on the person-clustered
    effective sample size (see :func:`_clustered_wilson`): percentile intervals
    under-cover rare moves, which are common in career data. ``panel`` is the
    output of :func:`validate_job_history`.
    """
    if draws < 100:
        raise ParameterError(f"bootstrap draws = {draws}: use at least 100 (1000 or more for final results)")
    sectors = tuple(sectors)
    tensor, person_ids = transition_tensor(panel, sectors, ai_roles_only)
    if len(person_ids) == 0:
        who = "AI-role holders" if ai_roles_only else "people"
        raise ParameterError(f"no transitions among {who} in the job history; nothing to estimate")
    per_person = tensor.reshape(len(person_ids), -1)
    counts = per_person.sum(axis=0)
    boot_counts = _bootstrap_counts(per_person, draws, seed)
    size = len(sectors)
    probabilities = _row_normalise(counts.reshape(size, size))
    boot_probabilities = _row_normalise(boot_counts.reshape(draws, size, size))
    low, high = _clustered_wilson(probabilities, counts.reshape(size, size).sum(axis=1), boot_probabilities, level)
    alpha = (1 - level) / 2
    net_point = _net_flows(counts.reshape(1, size, size))[0]
    net_draws = _net_flows(boot_counts.reshape(draws, size, size))
    return TransitionEstimate(
        sectors=sectors,
        counts=_sector_matrix(counts.reshape(size, size).astype(int), sectors),
        probabilities=_sector_matrix(probabilities, sectors),
        ci_low=_sector_matrix(low, sectors),
        ci_high=_sector_matrix(high, sectors),
        net_flows=_net_flow_table(sectors, net_point, net_draws, alpha),
        draws=pd.DataFrame(net_draws[..., 4], columns=list(sectors)),
        persons=len(person_ids),
        transitions=int(counts.sum()),
        level=level,
    )


def _sector_matrix(values: np.ndarray, sectors: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(values, index=pd.Index(sectors, name="origin"), columns=pd.Index(sectors, name="destination"))


def _bootstrap_counts(per_person: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """Total transition counts in each bootstrap resample of persons (draws × cells).

    A resample is a multinomial count of how often each person is drawn; the
    resampled totals are those weights times the per-person counts (in blocks of
    draws, to bound memory on large panels).
    """
    rng = np.random.default_rng(seed)
    persons = per_person.shape[0]
    uniform = np.full(persons, 1 / persons)
    blocks = [
        rng.multinomial(persons, uniform, size=min(_BOOTSTRAP_BLOCK, draws - start)) @ per_person
        for start in range(0, draws, _BOOTSTRAP_BLOCK)
    ]
    return np.concatenate(blocks)


def _clustered_wilson(
    probabilities: np.ndarray, origin_totals: np.ndarray, boot_probabilities: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals for each row's probabilities on a clustered effective sample size.

    The design effect of a row is the median, over its cells with 0 < p < 1, of the
    bootstrap variance over the binomial variance p(1-p)/n, floored at 1; the
    effective size is n divided by it. Unlike bootstrap percentiles, Wilson
    intervals stay informative for cells with few or no observed moves.
    """
    z = norm.ppf(0.5 + level / 2)
    totals = origin_totals[:, None].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        binomial_variance = probabilities * (1 - probabilities) / totals
        ratio = np.where(binomial_variance > 0, _all_nan_quiet(np.nanvar, boot_probabilities, axis=0) / binomial_variance, np.nan)
        row_median = pd.DataFrame(np.where(np.isfinite(ratio), ratio, np.nan)).median(axis=1).to_numpy()[:, None]
        design_effect = np.fmax(1.0, np.nan_to_num(row_median, nan=1.0))
        effective = totals / design_effect
        center = (probabilities + z**2 / (2 * effective)) / (1 + z**2 / effective)
        half = z / (1 + z**2 / effective) * np.sqrt(probabilities * (1 - probabilities) / effective + z**2 / (4 * effective**2))
    low = np.where(probabilities == 0, 0.0, np.clip(center - half, 0, 1))
    high = np.where(probabilities == 1, 1.0, np.clip(center + half, 0, 1))
    return low, high


def _all_nan_quiet(function: Callable[..., np.ndarray], *args: Any, **kwargs: Any) -> np.ndarray:
    """Call a numpy nan-function without its warning for all-NaN slices.

    A sector that never appears as an origin has NaN in every bootstrap draw; its
    statistics are NaN by design, not a problem to warn about.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice|Degrees of freedom", RuntimeWarning)
        return function(*args, **kwargs)


def _row_normalise(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / totals, np.nan)


def _net_flows(counts: np.ndarray) -> np.ndarray:
    """For each draw and sector: stock, inflow, outflow, net, net rate in % (draws × sectors × 5)."""
    diagonal = np.diagonal(counts, axis1=1, axis2=2)
    stock = counts.sum(axis=2)
    inflow = counts.sum(axis=1) - diagonal
    outflow = stock - diagonal
    net = inflow - outflow
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(stock > 0, 100 * net / stock, np.nan)
    return np.stack([stock, inflow, outflow, net, rate], axis=-1)


def _net_flow_table(sectors: tuple[str, ...], point: np.ndarray, draws: np.ndarray, alpha: float) -> pd.DataFrame:
    table = pd.DataFrame(point, columns=["stock", "inflow", "outflow", "net", "net_rate_pct"])
    table.insert(0, "sector", sectors)
    for position, column in ((3, "net"), (4, "net_rate_pct")):
        table[f"{column}_ci_low"], table[f"{column}_ci_high"] = _all_nan_quiet(np.nanquantile, draws[..., position], [alpha, 1 - alpha], axis=0)
    return table


def _bootstrap_p_value(gap: np.ndarray) -> float:
    """Two-sided p-value of "gap = 0" from bootstrap draws, with the +1 correction so it is never 0."""
    draws = len(gap)
    tail = min((gap <= 0).sum(), (gap >= 0).sum())
    return min(1.0, 2 * (tail + 1) / (draws + 1))


@dataclass(frozen=True)
class DestinationTest:
    """Which sector grows fastest through net flows, and how sure the bootstrap is.

    ``leader`` has the highest point estimate of ``net_rate_pct``. ``comparisons``
    has one row per other sector: the gap (leader minus that sector, percentage
    points per period) with its CI, a two-sided bootstrap p-value and its Holm
    adjustment over the family. ``leader_is_fastest`` is true when every Holm-adjusted
    p-value is below ``1 - level``. ``share_fastest`` is the fraction of bootstrap
    draws in which each sector comes first.
    """

    leader: str
    comparisons: pd.DataFrame
    share_fastest: pd.Series
    leader_is_fastest: bool
    tests: int


def compare_destination_growth(
    estimate: TransitionEstimate, candidates: Sequence[str] | None = None, *, origin: str | None = None
) -> DestinationTest:
    """Test whether the destination with the fastest flow-driven growth beats every other candidate.

    Growth is ``net_rate_pct``: net inflow as a percentage of the sector's stock per
    period. Candidates default to every sector except ``origin`` (the sector people
    leave, e.g. tech). The family of leader-versus-other comparisons is Holm-adjusted,
    so the verdict "X grows fastest" rests on all of them at once.
    """
    if origin is not None and origin not in estimate.sectors:
        raise ParameterError(f"origin sector {origin!r} is not one of {list(estimate.sectors)}")
    chosen = list(candidates) if candidates is not None else [s for s in estimate.sectors if s != origin]
    unknown = sorted(set(chosen) - set(estimate.sectors))
    if unknown or len(chosen) < 2:
        raise ParameterError(f"candidates {unknown or chosen}: need two or more of {list(estimate.sectors)}")
    rates = estimate.net_flows.set_index("sector")["net_rate_pct"].loc[chosen]
    leader = str(rates.idxmax())
    draws = estimate.draws[chosen].dropna()
    alpha = 1 - estimate.level
    rows = []
    for other in (s for s in chosen if s != leader):
        gap = draws[leader] - draws[other]
        p_value = _bootstrap_p_value(gap.to_numpy())
        rows.append({
            "sector": other, "gap_pp": rates[leader] - rates[other],
            "gap_ci_low": gap.quantile(alpha / 2), "gap_ci_high": gap.quantile(1 - alpha / 2), "p_value": p_value,
        })
    comparisons = pd.DataFrame(rows)
    comparisons["p_holm"] = multipletests(comparisons["p_value"], method="holm")[1]
    share = draws.idxmax(axis=1).value_counts(normalize=True).reindex(chosen, fill_value=0.0)
    return DestinationTest(
        leader=leader,
        comparisons=comparisons.sort_values("sector", ignore_index=True),
        share_fastest=share.sort_index(),
        leader_is_fastest=bool((comparisons["p_holm"] < alpha).all()),
        tests=len(comparisons),
    )


# --- Figures ---------------------------------------------------------------------------------------------

def describe_panel_source(path: str | Path | None) -> str:
    """The footer line of flow figures: the user's file name, or a loud synthetic warning."""
    if path is None:
        return "SYNTHETIC career panel with a known transition matrix — illustration of the method, not a finding."
    return f"Source: job-history file {Path(path).name} (supplied by the user)."


def plot_transition_heatmap(estimate: TransitionEstimate, note: str) -> plt.Figure:
    """Yearly transition probabilities (%) between sectors, annotated with the number of moves behind each."""
    fig, ax = plt.subplots(figsize=(10, 7))
    percent = 100 * estimate.probabilities
    labels = percent.round(1).astype(str) + "%\n(" + estimate.counts.astype(str) + ")"
    sns.heatmap(percent.clip(lower=0.1), annot=labels.to_numpy(), fmt="", cmap="Reds", norm=LogNorm(vmin=0.1, vmax=100), cbar_kws={"label": "% per year (log scale)"},
                annot_kws={"fontsize": 8}, ax=ax, linewidths=0.5)
    ax.set(title=f"Where people in each sector are one year later ({estimate.transitions:,} moves and stays, {estimate.persons:,} people)",
           xlabel="sector one year later", ylabel="sector this year")
    ax.title.set_fontsize(11)
    add_footer(fig, note, warning=note.startswith("SYNTHETIC"))
    return fig


def plot_flow_diagram(estimate: TransitionEstimate, note: str) -> plt.Figure:
    """Moves between sectors as ribbons from origin (left) to destination (right); people who stay are left out."""
    moves = estimate.counts.to_numpy().astype(float)
    np.fill_diagonal(moves, 0)
    sectors = list(estimate.sectors)
    gap = 0.02 * moves.sum()
    fig, ax = plt.subplots(figsize=(10, 7))
    colors = dict(zip(sectors, sns.color_palette("tab10", len(sectors))))
    left_tops = _stack_positions(moves.sum(axis=1), gap)
    right_tops = _stack_positions(moves.sum(axis=0), gap)
    left_cursor, right_cursor = left_tops.copy(), right_tops.copy()
    for i, origin in enumerate(sectors):
        for j in range(len(sectors)):
            width = moves[i, j]
            if width == 0:
                continue
            _ribbon(ax, left_cursor[i], right_cursor[j], width, colors[origin])
            left_cursor[i] -= width
            right_cursor[j] -= width
    for side, tops, totals in ((0, left_tops, moves.sum(axis=1)), (1, right_tops, moves.sum(axis=0))):
        for sector, top, total in zip(sectors, tops, totals):
            ax.add_patch(plt.Rectangle((side - 0.02, top - total), 0.04, total, color=colors[sector]))
            ax.text(side + (-0.04 if side == 0 else 0.04), top - total / 2, f"{sector} ({int(total):,})",
                    ha="right" if side == 0 else "left", va="center", fontsize=9)
    ax.set(xlim=(-0.6, 1.6), ylim=(min(left_tops.min(), right_tops.min()) - moves.sum() * 0.05, moves.sum() * 0.05 + gap), title=(
        f"Moves between sectors in one year, pooled over the panel: leaving (left) and arriving (right); "
        f"{int(moves.sum()):,} moves, stayers left out"))
    ax.title.set_fontsize(10)
    ax.axis("off")
    add_footer(fig, note, warning=note.startswith("SYNTHETIC"))
    return fig


def _stack_positions(totals: np.ndarray, gap: float) -> np.ndarray:
    """Top y of each node when nodes are stacked downward from 0 with ``gap`` between them."""
    tops = -np.concatenate([[0.0], np.cumsum(totals + gap)[:-1]])
    return tops


def _ribbon(ax: plt.Axes, left_top: float, right_top: float, width: float, color: tuple) -> None:
    """A band of constant ``width`` from x=0.02 (starting at ``left_top``) to x=0.98, with smooth S-curves."""
    x = np.linspace(0.02, 0.98, 60)
    ease = (1 - np.cos(np.pi * (x - 0.02) / 0.96)) / 2
    top = left_top + (right_top - left_top) * ease
    ax.fill_between(x, top - width, top, color=color, alpha=0.45, linewidth=0)


def plot_net_flows(estimate: TransitionEstimate, note: str) -> plt.Figure:
    """Net flow rate per sector (inflow − outflow as % of the sector's people per year), with 95% bootstrap CIs."""
    flows = estimate.net_flows.sort_values("net_rate_pct")
    fig, ax = plt.subplots(figsize=(10, 5))
    errors = [flows["net_rate_pct"] - flows["net_rate_pct_ci_low"], flows["net_rate_pct_ci_high"] - flows["net_rate_pct"]]
    ax.barh(flows["sector"], flows["net_rate_pct"], xerr=errors, capsize=3,
            color=[HIGHLIGHT if v > 0 else MUTED for v in flows["net_rate_pct"]])
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set(title="Growth through moves: net inflow as % of the sector's people per year (95% CI)",
           xlabel="net flow rate (% per year)")
    ax.title.set_fontsize(11)
    add_footer(fig, note, warning=note.startswith("SYNTHETIC"))
    return fig


# --- Notebook helpers ---------------------------------------------------------------------------------------

FLOW_DEMO_BANNER = (
    '<div style="border:3px solid #b00020;background:#fdecea;color:#b00020;padding:12px;font-weight:bold;margin:8px 0">'
    "ILLUSTRATION ON A SYNTHETIC CAREER PANEL — the flows below are drawn from a made-up transition matrix to show "
    "that the method recovers a known truth. They say nothing about real workers and produce no verdict. "
    "Set <code>job_history_file</code> to run this section on your own job-history panel."
    "</div>"
)


def load_panel(path: str | Path | None, sectors: Sequence[str], seed: int) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """The validated person-period panel from the user's file, or the synthetic demo panel with its truth."""
    if path is not None:
        return read_job_history(path, sectors), None
    from talentmarket.synthetic.careers import PERIODS_FILE, generate_career_panel

    if tuple(sectors) != DEFAULT_SECTORS:
        raise ParameterError(f"the synthetic demo panel uses the default sectors {list(DEFAULT_SECTORS)}; pass a job_history_file to use others")
    demo = generate_career_panel(seed)
    return validate_job_history(demo.frames[PERIODS_FILE], sectors), demo.truth


def compare_with_truth(estimate: TransitionEstimate, truth: dict[str, Any]) -> pd.DataFrame:
    """Per sector: true and estimated net flow rate with its CI, and whether the CI covers the truth."""
    flows = estimate.net_flows.set_index("sector")
    table = pd.DataFrame({
        "true_net_rate_pct": pd.Series(truth["net_rate_pct"]),
        "estimated_net_rate_pct": flows["net_rate_pct"],
        "ci_low": flows["net_rate_pct_ci_low"],
        "ci_high": flows["net_rate_pct_ci_high"],
    })
    table["covered"] = (table["ci_low"] <= table["true_net_rate_pct"]) & (table["true_net_rate_pct"] <= table["ci_high"])
    table["max_abs_probability_error"] = np.abs(estimate.probabilities.to_numpy() - truth["transitions"]).max(axis=1)
    return table.rename_axis("sector").reset_index()
