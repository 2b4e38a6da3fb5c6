"""Breaks in the AI tracker's series: level shifts that come from how a series is made, not from the market.

The tracker's Canada series, for example, climbs from about 6% to 17% of postings between October 2025
and June 2026 while no other country moves alike: a change in how postings are collected or classified
(a *break*), not a market move. Trends and level comparisons across such a month mix two series.

The rule, applied to each country's monthly share ``s_t``:

1. **Relative log share** ``r_t = log s_t − median over the other countries of log s_t``: moves every
   country shares (the 2020 slump, the 2025–26 rise of AI mentions everywhere) cancel.
2. **Robust scale** ``σ̂ = 1.4826 · MAD(Δr)`` of the month-to-month changes over the whole series
   (the MAD ignores the few months a break itself occupies).
3. **Jump months**: ``|Δr_t − median(Δr)| > k σ̂`` with ``k = JUMP_SDS = 5``; consecutive jump months in
   the same direction form one episode.
4. **Persistence**: the mean of ``r`` over up to ``PERSIST_MONTHS = 6`` months after the episode differs
   from its mean over the 6 months before it by at least half the episode's summed jump, in the same
   direction (at least ``MIN_AFTER = 3`` months must follow). A spike that reverts is an outlier, not a break.

A flagged episode is reported from its first month. With ``k = 5`` a normal month-to-month change
crosses the line with probability about 6·10⁻⁷, so in a panel of six countries × 90 months false alarms
are rare; the tests check the rule on synthetic series with and without a break.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from talentmarket.errors import ParameterError

JUMP_SDS = 5.0
PERSIST_MONTHS = 6
MIN_AFTER = 3
MAD_TO_SD = 1.4826


def relative_log_share(share: pd.DataFrame) -> pd.DataFrame:
    """Month × country frame of ``log share − median log share of the other countries``."""
    wide = share.pivot(index="month", columns="country", values="share_pct").sort_index()
    if wide.shape[1] < 3:
        raise ParameterError(f"break detection compares each country with the others; it needs 3 or more countries, got {list(wide.columns)}")
    if not (wide.fillna(1) > 0).all().all():
        raise ParameterError("break detection works on log shares: start each series at its first sustained positive month first")
    logs = np.log(wide.to_numpy(dtype=float))
    others = np.stack([np.delete(logs, column, axis=1) for column in range(logs.shape[1])])  # country × month × others
    with warnings.catch_warnings():  # a month no other country reports has no median: NaN, as intended
        warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
        medians = np.nanmedian(others, axis=2).T
    return pd.DataFrame(logs - medians, index=wide.index, columns=list(wide.columns))


def detect_level_shifts(relative: pd.Series, k: float = JUMP_SDS, persist: int = PERSIST_MONTHS) -> pd.DataFrame:
    """Persistent level shifts of one relative log series (see the module docstring for the rule).

    Returns one row per episode: ``start``, ``end`` (months), ``jump_log`` (summed jump in log points),
    ``jump_sds`` (largest monthly jump in robust SDs), ``retained`` (share of the jump still there
    afterwards) and ``persistent``.
    """
    clean = relative.dropna()
    values = clean.to_numpy(dtype=float)
    changes = np.diff(values)  # changes[i]: from month i to month i + 1 of the clean series
    columns = ["start", "end", "jump_log", "jump_sds", "retained", "persistent"]
    centre = float(np.median(changes)) if len(changes) else float("nan")
    scale = MAD_TO_SD * float(np.median(np.abs(changes - centre))) if len(changes) else float("nan")
    if not scale > 0:
        return pd.DataFrame(columns=columns)
    z = (changes - centre) / scale
    episodes: list[list[int]] = []  # positions in ``changes`` of each episode's jump months
    for position in np.flatnonzero(np.abs(z) > k):
        if episodes and position - 1 == episodes[-1][-1] and np.sign(z[position]) == np.sign(z[episodes[-1][-1]]):
            episodes[-1].append(position)
        else:
            episodes.append([position])
    rows = []
    for positions in episodes:
        first, last = positions[0] + 1, positions[-1] + 1  # the jump months' positions in the clean series
        jump = float(changes[positions].sum())
        before = values[max(0, first - persist):first]
        after = values[last + 1:last + 1 + persist]
        retained = float((after.mean() - before.mean()) / jump) if len(after) >= MIN_AFTER and len(before) else float("nan")
        rows.append({"start": clean.index[first], "end": clean.index[last], "jump_log": jump,
                     "jump_sds": float(np.abs(z[positions]).max()), "retained": retained, "persistent": bool(retained >= 0.5)})
    return pd.DataFrame(rows, columns=columns)


def detect_breaks(share: pd.DataFrame, k: float = JUMP_SDS, persist: int = PERSIST_MONTHS) -> pd.DataFrame:
    """Persistent level shifts of every country's share series: ``country`` plus :func:`detect_level_shifts` columns.

    ``share`` has ``country``, ``month``, ``share_pct`` (the AI tracker's monthly shares). Only persistent
    episodes are returned: they are the breaks figures mark and verdicts are re-checked without.
    """
    relative = relative_log_share(share)
    found = [detect_level_shifts(relative[country], k, persist).assign(country=country) for country in relative]
    table = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    table = table.loc[table["persistent"].astype(bool)] if len(table) else table
    table = table.reindex(columns=["country", "start", "end", "jump_log", "jump_sds", "retained"]).reset_index(drop=True)
    return table.astype({"start": "datetime64[ns]", "end": "datetime64[ns]", "jump_log": float, "jump_sds": float, "retained": float})
