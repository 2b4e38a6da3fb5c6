"""What a notebook shows a reader besides figures: the synthetic-data banner, the
provenance table and the verdict table. Kept here so every notebook looks alike.
"""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML, Markdown, display

from talentmarket.data.store import DataStore
from talentmarket.results.contract import ClaimResult

SYNTHETIC_BANNER = (
    '<div style="border:3px solid #b00020;background:#fdecea;color:#b00020;padding:12px;'
    'font-size:1.2em;font-weight:bold;margin:8px 0">'
    "SYNTHETIC DATA — illustration only. Every number below comes from a seeded synthetic twin "
    "with a known ground truth; nothing here is a finding about the real labour market."
    "</div>"
)


def show_data_banner(store: DataStore) -> None:
    """A loud banner when the data are synthetic; a one-line note when they are real."""
    if store.synthetic:
        display(HTML(SYNTHETIC_BANNER))
    else:
        display(Markdown("**Data: real, openly licensed files, pinned by version and sha256 (see the provenance table).**"))


def provenance_table(store: DataStore) -> pd.DataFrame:
    """Which files the analysis read, with version, licence and the first 12 hex digits of their sha256."""
    rows = store.provenance()
    if not rows:
        return pd.DataFrame(columns=["source", "file", "version", "license", "sha256"])
    table = pd.DataFrame(rows)[["source", "file", "version", "license", "sha256"]]
    table["sha256"] = table["sha256"].str[:12]
    return table.reset_index(drop=True)


def format_percent(value: float | None, digits: int = 1) -> str:
    """``12.345`` → ``'12.3%'``; missing → ``'n/a'``."""
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}%"


def format_interval(low: float | None, high: float | None, digits: int = 1) -> str:
    """``(1.234, 5.678)`` → ``'[1.2, 5.7]'``; missing → ``'n/a'``."""
    if low is None or high is None:
        return "n/a"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def verdict_table(claims: list[ClaimResult], digits: int = 1) -> pd.DataFrame:
    """One row per claim: id, verdict, estimate with unit, 95% CI and n, sorted by id."""
    rows = [
        {
            "claim": claim.id,
            "verdict": claim.verdict,
            "estimate": "n/a" if claim.estimate is None else f"{claim.estimate:.{digits}f}",
            "95% CI": format_interval(claim.ci_low, claim.ci_high, digits),
            "unit": claim.unit,
            "n": claim.n,
        }
        for claim in sorted(claims, key=lambda c: c.id)
    ]
    return pd.DataFrame(rows)


def show_verdicts(claims: list[ClaimResult], store: DataStore) -> None:
    """Print the verdict table and each rationale; on synthetic data, label every verdict as not a finding."""
    table = verdict_table(claims)
    if store.synthetic:
        table["verdict"] = "synthetic — not a finding (" + table["verdict"] + ")"
    print(table.to_string(index=False))
    for claim in sorted(claims, key=lambda c: c.id):
        print(f"\n{claim.id} — {claim.verdict}: {claim.rationale}")
