"""Migration claims → verdicts from the public industry evidence."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from talentmarket.analyses.migration.estimates import (
    ALL_INDUSTRIES,
    FLOW_DATA_NEEDED,
    OUTSIDE_TECH,
)
from talentmarket.errors import ParameterError
from talentmarket.results.contract import ClaimResult
from talentmarket.results.registry import claim_text
from talentmarket.stats.verdicts import verdict_from_interval


def judge_ai_spreading(berd_shares: pd.DataFrame, ai_use: pd.DataFrame) -> ClaimResult:
    """Verdict from the trend of the share of AI-R&D-performing companies outside tech (BERD, pp/yr).

    One test decides: the trend's 95% CI above zero → supported, below → contradicted,
    straddling → inconclusive. The ABS waves (AI use, not comparable in level) are
    reported in the rationale as corroboration, not counted as a second test.
    """
    row = berd_shares.set_index("group").loc[OUTSIDE_TECH]
    waves = ai_use[ai_use["group"] == OUTSIDE_TECH].set_index("period").sort_index()
    first, last = waves.index[0], waves.index[-1]
    verdict = verdict_from_interval(row["trend_ci_low"], row["trend_ci_high"])
    rationale = (
        f"Outside tech (all industries minus information, computer systems design and computers/electronics), the "
        f"share of companies doing AI R&D went from {row['share_first_pct']:.1f}% in {row['first_year']} to "
        f"{row['share_last_pct']:.1f}% in {row['last_year']} (NCSES BERD); the trend is {row['trend_pp_per_year']:+.1f} pp "
        f"per year [{row['trend_ci_low']:.1f}, {row['trend_ci_high']:.1f}] (one test, {row['last_year'] - row['first_year'] + 1} survey years). "
        f"Among companies using AI (NCSES ABS), the share outside tech was {waves.at[first, 'share_pct']:.1f}% in {first} "
        f"and {waves.at[last, 'share_pct']:.1f}% in {last}, though the two waves asked different questions. "
        + _spreading_reading(verdict)
    )
    return ClaimResult(
        id="migration.ai_spreading_beyond_tech", claim=claim_text("migration.ai_spreading_beyond_tech"),
        metric=(f"Trend of the share (%) of AI-R&D-performing companies that are outside tech, "
                f"{row['first_year']}–{row['last_year']} (NCSES BERD)"),
        estimate=float(row["trend_pp_per_year"]), ci_low=float(row["trend_ci_low"]), ci_high=float(row["trend_ci_high"]),
        unit="percentage points per year", verdict=verdict, rationale=rationale,
        n=int(row["last_year"] - row["first_year"] + 1), section="Is AI spreading beyond tech?",
    )


def _spreading_reading(verdict: str) -> str:
    if verdict == "supported":
        return "AI R&D is reaching a growing share of companies outside tech."
    if verdict == "contradicted":
        return "AI R&D is concentrating in tech rather than spreading."
    return (
        "Four annual surveys cannot separate a change in the share from year-to-year noise; repeated, comparable "
        "surveys of AI use and AI employment by industry (or postings with an AI flag by employer industry) would settle it."
    )


def judge_growth_outside_tech(growth: pd.DataFrame) -> ClaimResult:
    """Verdict from the gap in AI R&D spending growth between industries outside tech and tech (BERD).

    Supported when AI R&D outside tech grew significantly faster than in tech (gap CI
    above zero), contradicted when significantly slower, inconclusive otherwise. One test.
    """
    row = growth.set_index("group").loc[OUTSIDE_TECH]
    reference = growth.attrs["reference_growth"]
    verdict = verdict_from_interval(row["gap_ci_low"], row["gap_ci_high"])
    reading = {
        "supported": "Traditional industries' AI R&D is growing faster than tech's.",
        "contradicted": "Tech's AI R&D is growing faster; the money is not shifting to traditional industries.",
        "inconclusive": (
            "With four survey years the gap cannot be told apart from noise. AI R&D spending is a stand-in for "
            "team size and funding; AI headcount and AI budgets by employer and industry over several years would settle it."
        ),
    }[verdict]
    return ClaimResult(
        id="migration.growth_outside_tech", claim=claim_text("migration.growth_outside_tech"),
        metric=("How much faster AI R&D spending grows outside tech than in tech, percent per year "
                "(log-linear trend of their ratio, NCSES BERD)"),
        estimate=float(row["gap_pct_per_year"]), ci_low=float(row["gap_ci_low"]), ci_high=float(row["gap_ci_high"]),
        unit="percent per year", verdict=verdict, n=int(row["years"]), section="Where is AI money growing fastest?",
        rationale=(
            f"Companies' AI R&D outside tech grew {row['growth_pct_per_year']:.1f}% per year "
            f"[{row['growth_ci_low']:.1f}, {row['growth_ci_high']:.1f}], in tech {reference[0]:.1f}% per year "
            f"[{reference[1]:.1f}, {reference[2]:.1f}]; the gap is {row['gap_pct_per_year']:+.1f}% per year "
            f"[{row['gap_ci_low']:.1f}, {row['gap_ci_high']:.1f}] (one test). " + reading
        ),
    )


def judge_into_healthcare_finance(growth: pd.DataFrame, destinations: Sequence[str]) -> ClaimResult:
    """The migration claim is about workers moving; no open data observes such moves, so the verdict
    is inconclusive by construction. The estimate shown is the best stand-in: the gap in AI R&D
    growth between the named destinations (summed) and tech (BERD), which the rationale reads."""
    label = " + ".join(destinations)
    if label not in set(growth["group"]):
        raise ParameterError(f"no combined group {label!r} in the growth table; add it with add_combined_group first")
    row = growth.set_index("group").loc[label]
    others = growth[~growth["group"].isin([label, OUTSIDE_TECH, ALL_INDUSTRIES])]
    ranking = ", ".join(f"{r.group} {r.growth_pct_per_year:.0f}%" for r in others.sort_values("growth_pct_per_year", ascending=False).itertuples())
    return ClaimResult(
        id="migration.into_healthcare_finance", claim=claim_text("migration.into_healthcare_finance"),
        metric=(f"Stand-in: how much faster AI R&D spending grows in {label} than in tech, percent per year "
                "(NCSES BERD); worker moves are not observed"),
        estimate=float(row["gap_pct_per_year"]), ci_low=float(row["gap_ci_low"]), ci_high=float(row["gap_ci_high"]),
        unit="percent per year", verdict="inconclusive", n=int(row["years"]), section="Migration into health care and finance",
        rationale=(
            f"No open data follows AI workers between industries, so the claim cannot be tested here. As a stand-in, "
            f"AI R&D in {label} grew {row['growth_pct_per_year']:.1f}% per year [{row['growth_ci_low']:.1f}, "
            f"{row['growth_ci_high']:.1f}], a gap of {row['gap_pct_per_year']:+.1f}% per year "
            f"[{row['gap_ci_low']:.1f}, {row['gap_ci_high']:.1f}] to tech (growth of each group: {ranking}). "
            f"Growth of R&D money is not a flow of people. What would settle it: {FLOW_DATA_NEEDED}, "
            "run through the flow estimator of this notebook."
        ),
    )


# --- Figures ---------------------------------------------------------------------------------------------
