"""A synthetic career panel drawn from a known sector-to-sector Markov chain.

It exists to check the flow estimator in :mod:`talentmarket.analyses.migration` (does it
recover the transition matrix and net flows, do its intervals cover the truth) and
to demonstrate the flow analysis when no real job-history panel is at hand. It is
an illustration, never evidence about real workers.

The same careers come in both input forms of the job-history schema: one row per
person and year (``job_history_periods.csv``) and one row per spell
(``job_history_spells.csv``, spells running from 1 January to 31 December). The spells are built from the
periods the first time they are read: most uses (the coverage Monte Carlo draws 150 panels) read only the periods,
and building the spells cost half of drawing a panel.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from talentmarket.data.careers import DEFAULT_SECTORS
from talentmarket.data.synthetic import SyntheticSource

PERIODS_FILE = "job_history_periods.csv"
SPELLS_FILE = "job_history_spells.csv"

TRUE_TRANSITIONS = np.array([
    # to: tech  finance health manuf  prof   gov    other
    [0.840, 0.045, 0.050, 0.020, 0.030, 0.005, 0.010],  # from tech
    [0.030, 0.920, 0.010, 0.005, 0.020, 0.005, 0.010],  # from finance
    [0.020, 0.005, 0.950, 0.005, 0.010, 0.005, 0.005],  # from health_care
    [0.030, 0.010, 0.010, 0.920, 0.020, 0.000, 0.010],  # from manufacturing
    [0.060, 0.030, 0.030, 0.020, 0.840, 0.010, 0.010],  # from professional_services
    [0.020, 0.010, 0.030, 0.010, 0.030, 0.890, 0.010],  # from government_education
    [0.040, 0.020, 0.020, 0.020, 0.020, 0.010, 0.870],  # from other
])
"""Yearly transition probabilities between DEFAULT_SECTORS (rows: origin; each row sums to one)."""

START_SHARES = np.array([0.46, 0.12, 0.06, 0.10, 0.14, 0.06, 0.06])
"""Sector shares in the first year: AI workers start concentrated in tech."""


def expected_net_rates(transitions: np.ndarray, start_shares: np.ndarray, steps: int) -> np.ndarray:
    """Net flow rate (% of origin stock per period) each sector should show, pooled over ``steps`` transitions.

    With origin shares pi_t = pi_0 P^t, a sector's expected net inflow in step t is
    (pi_t P)_s - pi_t,s; pooling divides the summed net inflows by the summed stocks,
    which is what :func:`talentmarket.analyses.migration.flows.estimate_transitions` estimates.
    """
    shares = [start_shares]
    for _ in range(steps - 1):
        shares.append(shares[-1] @ transitions)
    origin = np.array(shares)
    net = origin @ transitions - origin
    return 100 * net.sum(axis=0) / origin.sum(axis=0)


def generate_career_panel(
    seed: int,
    persons: int = 3000,
    periods: Sequence[int] = tuple(range(2018, 2025)),
    *,
    transitions: np.ndarray = TRUE_TRANSITIONS,
    start_shares: np.ndarray = START_SHARES,
    sectors: Sequence[str] = DEFAULT_SECTORS,
    observed_share: float = 0.95,
    ai_role_share: float = 0.6,
) -> SyntheticSource:
    """Draw ``persons`` careers over ``periods`` from the Markov chain ``transitions``.

    Each person-year is observed with probability ``observed_share`` (gaps test
    that the estimator skips unobserved years); a person holds an AI role in every
    year with probability ``ai_role_share``, independently of moves. The truth holds
    the transition matrix, start shares and the expected pooled net flow rates.
    """
    rng = np.random.default_rng(seed)
    sectors = list(sectors)
    periods = list(periods)
    states = _simulate_states(rng, persons, len(periods), transitions, start_shares)
    person = np.repeat(np.arange(persons), len(periods))
    ai_role = rng.random(persons) < ai_role_share
    country = rng.choice(2, size=persons, p=[0.8, 0.2])  # the draws of rng.choice(["US", "GB"], ...), as indices
    observed = rng.random(len(person)) < observed_share
    # String columns are taken from their few distinct values, only on the observed rows: converting thousands
    # of Python strings to a string column cost more than drawing the careers.
    person, sector = person[observed], states.ravel()[observed]
    panel = pd.DataFrame({
        "person_id": pd.array([f"P{i:05d}" for i in range(persons)], dtype="str").take(person),
        "period": np.tile(periods, persons)[observed],
        "sector": pd.array(sectors, dtype="str").take(sector),
        "ai_role": ai_role[person],
        "country": pd.array(["US", "GB"], dtype="str").take(country[person]),
    })
    truth = {
        "sectors": tuple(sectors),
        "transitions": transitions.copy(),
        "start_shares": start_shares.copy(),
        "net_rate_pct": dict(zip(sectors, expected_net_rates(transitions, start_shares, len(periods) - 1))),
        "persons": persons,
        "periods": tuple(periods),
    }
    return SyntheticSource(frames=_CareerFrames(panel), truth=truth)


class _CareerFrames(Mapping[str, pd.DataFrame]):
    """The two files of one drawn panel: the periods as drawn, the spells built from them on first access.

    The spells are built from a private copy of the periods, so a caller who changes the periods frame it
    was given still reads the spells of the panel as drawn.
    """

    def __init__(self, periods: pd.DataFrame) -> None:
        self._periods = periods
        self._drawn = periods.copy()
        self._spells: pd.DataFrame | None = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name == PERIODS_FILE:
            return self._periods
        if name == SPELLS_FILE:
            if self._spells is None:
                self._spells = _to_spells(self._drawn)
            return self._spells
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter((PERIODS_FILE, SPELLS_FILE))

    def __len__(self) -> int:
        return 2


def _simulate_states(
    rng: np.random.Generator, persons: int, steps: int, transitions: np.ndarray, start_shares: np.ndarray
) -> np.ndarray:
    """Sector index of every person (rows) in every period (columns)."""
    cumulative = transitions.cumsum(axis=1)
    cumulative[:, -1] = 1.0
    states = np.empty((persons, steps), dtype=int)
    states[:, 0] = rng.choice(len(start_shares), size=persons, p=start_shares)
    for step in range(1, steps):
        draws = rng.random(persons)[:, None]
        states[:, step] = (draws > cumulative[states[:, step - 1]]).sum(axis=1)
    return states


def _to_spells(panel: pd.DataFrame) -> pd.DataFrame:
    """Merge runs of consecutive years in one sector into spells from 1 January to 31 December.

    A spell starts where the person or the sector changes or a year is skipped; its person, sector, AI role and
    country are those of its first row, its last year that of the row before the next spell starts.
    """
    ordered = panel.sort_values(["person_id", "period"], ignore_index=True)
    new_spell = (
        ordered["person_id"].ne(ordered["person_id"].shift())
        | ordered["sector"].ne(ordered["sector"].shift())
        | ordered["period"].ne(ordered["period"].shift() + 1)
    ).to_numpy()
    starts = np.flatnonzero(new_spell)
    spells = ordered.iloc[starts].reset_index(drop=True)
    last = ordered["period"].to_numpy()[np.r_[starts[1:], len(ordered)] - 1]
    spells["start_date"] = [f"{year:04d}-01-01" for year in spells["period"]]
    spells["end_date"] = [f"{year:04d}-12-31" for year in last]
    return spells[["person_id", "start_date", "end_date", "sector", "ai_role", "country"]]
