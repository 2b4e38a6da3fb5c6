"""Migration claims → verdicts from the public industry evidence, through the one verdict rule.

Each claim is judged by :func:`talentmarket.results.judging.judge_claim` against its registry threshold (0: any
rise); the intervals are trends over the four BERD survey years with t(T−2) critical values. The migration claim
itself is inconclusive by construction (:func:`talentmarket.results.judging.inconclusive_claim`): no open data
follows workers between industries; BERD and the Census job-to-job flows are reported as context.
"""

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
from talentmarket.results.judging import claim_verdict, inconclusive_claim, judge_claim
from talentmarket.stats.inference import Inference

SPREADING = "migration.ai_spreading_beyond_tech"
GROWTH_OUTSIDE = "migration.growth_outside_tech"
INTO_HEALTH_FINANCE = "migration.into_healthcare_finance"


def _survey_inference(years: int) -> Inference:
    """How the BERD trend intervals are made: OLS over the survey years, t with years − 2 df."""
    return Inference(method="OLS trend over survey years, t(T−2)", cluster=None, clusters=None,
                     effective_clusters=None, df=years - 2, draws=None)




def judge_ai_spreading(berd_shares: pd.DataFrame, ai_use: pd.DataFrame) -> ClaimResult:
    """Verdict from the trend of the share of AI-R&D-performing companies outside tech (BERD, pp/yr).

    One test decides; the ABS waves (AI use, not comparable in level) are reported in the rationale
    as corroboration, not counted as a second test.
    """
    row = berd_shares.set_index("group").loc[OUTSIDE_TECH]
    waves = ai_use[ai_use["group"] == OUTSIDE_TECH].set_index("period").sort_index()
    first, last = waves.index[0], waves.index[-1]
    years = int(row["last_year"] - row["first_year"] + 1)
    low, high = float(row["trend_ci_low"]), float(row["trend_ci_high"])
    verdict = claim_verdict(SPREADING, low, high)
    rationale = (
        f"Outside tech (all industries minus information, computer systems design and computers/electronics), the "
        f"share of companies doing AI R&D went from {row['share_first_pct']:.1f}% in {row['first_year']} to "
        f"{row['share_last_pct']:.1f}% in {row['last_year']} (NCSES BERD); the trend is {row['trend_pp_per_year']:+.1f} pp "
        f"per year [{low:.1f}, {high:.1f}] (one test, {years} survey years, t with {years - 2} degrees of freedom). "
        f"Among companies using AI (NCSES ABS), the share outside tech was {waves.at[first, 'share_pct']:.1f}% in {first} "
        f"and {waves.at[last, 'share_pct']:.1f}% in {last}, though the two waves asked different questions. "
        + _spreading_reading(verdict)
    )
    return judge_claim(
        SPREADING,
        metric=(f"Trend of the share (%) of AI-R&D-performing companies that are outside tech, "
                f"{row['first_year']}–{row['last_year']} (NCSES BERD)"),
        unit="percentage points per year", estimate=float(row["trend_pp_per_year"]), ci_low=low, ci_high=high,
        inference=_survey_inference(years), rationale=rationale, n=years, section="Is AI spreading beyond tech?",
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
    """Verdict from the gap in AI R&D spending growth between industries outside tech and tech (BERD), one test."""
    row = growth.set_index("group").loc[OUTSIDE_TECH]
    reference = growth.attrs["reference_growth"]
    low, high = float(row["gap_ci_low"]), float(row["gap_ci_high"])
    reading = {
        "supported": "Traditional industries' AI R&D is growing faster than tech's.",
        "contradicted": "Tech's AI R&D is growing faster; the money is not shifting to traditional industries.",
        "inconclusive": (
            "With four survey years the gap cannot be told apart from noise. AI R&D spending is a stand-in for "
            "team size and funding; AI headcount and AI budgets by employer and industry over several years would settle it."
        ),
    }[claim_verdict(GROWTH_OUTSIDE, low, high)]
    return judge_claim(
        GROWTH_OUTSIDE,
        metric=("How much faster AI R&D spending grows outside tech than in tech, percent per year "
                "(log-linear trend of their ratio, NCSES BERD)"),
        unit="percent per year", estimate=float(row["gap_pct_per_year"]), ci_low=low, ci_high=high,
        inference=_survey_inference(int(row["years"])), n=int(row["years"]), section="Where is AI money growing fastest?",
        rationale=(
            f"Companies' AI R&D outside tech grew {row['growth_pct_per_year']:.1f}% per year "
            f"[{row['growth_ci_low']:.1f}, {row['growth_ci_high']:.1f}], in tech {reference[0]:.1f}% per year "
            f"[{reference[1]:.1f}, {reference[2]:.1f}]; the gap is {row['gap_pct_per_year']:+.1f}% per year "
            f"[{low:.1f}, {high:.1f}] (one test, t with {int(row['years']) - 2} degrees of freedom). " + reading
        ),
    )


def _j2j_sentence(j2j_context: pd.DataFrame | None) -> str:
    """The job-to-job flows context, worded for the rationale (empty without it)."""
    if j2j_context is None or j2j_context.empty:
        return ""
    reading = {"supported": "a significant rise", "contradicted": "a significant fall", "inconclusive": "no significant change"}
    parts = [
        f"{r.destination_name} against {r.reference.lower()}: {r.gap_pct_per_year:+.1f}% per year "
        f"[{r.gap_ci_low:.1f}, {r.gap_ci_high:.1f}], {reading[r.verdict_holm]} after Holm over the destinations"
        for r in j2j_context.itertuples()
    ]
    first, last = int(j2j_context["first_year"].min()), int(j2j_context["last_year"].max())
    return (
        f" Context from Census LEHD Job-to-Job Flows (all workers, hires by destination sector, not origin × destination, "
        f"no occupation): the job-to-job hire rate's ratio, {first}–{last}, changed by " + "; ".join(parts)
        + f" (t with {int(j2j_context['dof'].iloc[0])} degrees of freedom; annual rates move with the business cycle, "
        "so read the intervals as rough). Whether job changers in general favour these sectors says nothing about AI engineers."
    )


def judge_into_healthcare_finance(growth: pd.DataFrame, destinations: Sequence[str],
                                  j2j_context: pd.DataFrame | None = None) -> ClaimResult:
    """The migration claim is about workers moving; no open data observes such moves, so the verdict is
    inconclusive by construction. The estimate shown is the best stand-in: the gap in AI R&D growth between
    the named destinations (summed) and tech (BERD); job-to-job hiring into health care and finance
    (:func:`talentmarket.analyses.migration.hiring.compare_j2j_hiring`) is added as context."""
    label = " + ".join(destinations)
    if label not in set(growth["group"]):
        raise ParameterError(f"no combined group {label!r} in the growth table; add it with add_combined_group first")
    row = growth.set_index("group").loc[label]
    others = growth[~growth["group"].isin([label, OUTSIDE_TECH, ALL_INDUSTRIES])]
    ranking = ", ".join(f"{r.group} {r.growth_pct_per_year:.0f}%" for r in others.sort_values("growth_pct_per_year", ascending=False).itertuples())
    return inconclusive_claim(
        INTO_HEALTH_FINANCE,
        metric=(f"Stand-in: how much faster AI R&D spending grows in {label} than in tech, percent per year "
                "(NCSES BERD); worker moves are not observed"),
        unit="percent per year", n=int(row["years"]), section="Migration into health care and finance",
        estimate=float(row["gap_pct_per_year"]), ci_low=float(row["gap_ci_low"]), ci_high=float(row["gap_ci_high"]),
        inference=_survey_inference(int(row["years"])),
        reason=(
            f"No open data follows AI workers between industries, so the claim cannot be tested here. As a stand-in, "
            f"AI R&D in {label} grew {row['growth_pct_per_year']:.1f}% per year [{row['growth_ci_low']:.1f}, "
            f"{row['growth_ci_high']:.1f}], a gap of {row['gap_pct_per_year']:+.1f}% per year "
            f"[{row['gap_ci_low']:.1f}, {row['gap_ci_high']:.1f}] to tech (growth of each group: {ranking}). "
            f"Growth of R&D money is not a flow of people.{_j2j_sentence(j2j_context)} What would settle it: "
            f"{FLOW_DATA_NEEDED}, run through the flow estimator of this notebook."
        ),
    )
