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

import numpy as np
import pandas as pd
from scipy.stats import norm

from talentmarket.data.careers import (
    DEFAULT_SECTORS,
    _consecutive_pairs,
    read_job_history,
    sort_by_person_and_period,
    validate_job_history,
)
from talentmarket.errors import ParameterError
from talentmarket.stats.multiplicity import holm

_BOOTSTRAP_BLOCK = 250


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
    ordered = sort_by_person_and_period(panel)
    has_next = _consecutive_pairs(ordered).to_numpy()
    if ai_roles_only:
        has_next = has_next & ordered["ai_role"].to_numpy(dtype=bool)
    codes = pd.Index(sectors).get_indexer(ordered["sector"])
    if (codes < 0).any():
        unknown = sorted(set(ordered["sector"].to_numpy()[codes < 0]))
        raise ParameterError(f"sector(s) {unknown[:5]} of the panel are not among the sectors {list(sectors)}; pass them all")
    origin = codes[:-1][has_next[:-1]]
    destination = codes[1:][has_next[:-1]]
    person_codes, person_ids = pd.factorize(ordered["person_id"].to_numpy()[:-1][has_next[:-1]])
    size = len(sectors)  # each person's cells counted by one bincount over flat cell numbers
    cells = np.bincount((person_codes * size + origin) * size + destination, minlength=len(person_ids) * size * size)
    return cells.reshape(len(person_ids), size, size).astype(float), np.asarray(person_ids)


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
    """One row per sector: the point flows of ``point`` (sectors × 5) and percentile CIs of net and net rate from
    ``draws`` (draws × sectors × 5), both taken in one ``nanquantile`` call and the table built in one go (the
    Monte Carlos build it thousands of times)."""
    (net_low, rate_low), (net_high, rate_high) = _all_nan_quiet(np.nanquantile, draws[..., [3, 4]], [alpha, 1 - alpha], axis=0).transpose(0, 2, 1)
    return pd.DataFrame({
        "sector": sectors, **dict(zip(["stock", "inflow", "outflow", "net", "net_rate_pct"], point.T, strict=True)),
        "net_ci_low": net_low, "net_ci_high": net_high, "net_rate_pct_ci_low": rate_low, "net_rate_pct_ci_high": rate_high,
    })


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
    comparisons["p_holm"] = holm(comparisons["p_value"])
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
    from talentmarket.data.synthetic.careers import PERIODS_FILE, generate_career_panel

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
