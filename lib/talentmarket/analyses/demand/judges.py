"""Demand claims → verdicts: AI against every tech sector, the AI share's rise, the GenAI take-off."""

from __future__ import annotations

import pandas as pd

from talentmarket.results.contract import ClaimResult
from talentmarket.results.registry import claim_text
from talentmarket.stats.trends import Trend, estimate_log_trend, window
from talentmarket.stats.verdicts import verdict_from_interval

GENAI_TAKEOFF_RATIO = 2.0


def outgrew_every_tech_sector(comparison: pd.DataFrame) -> pd.Series:
    """Per country: did AI postings outgrow each tech sector (every gap's 95% CI above zero)?

    This is the intersection–union test of :func:`compare_ai_with_sectors`; it needs no
    multiplicity correction.
    """
    return comparison.loc[comparison["is_tech"]].groupby("country")["gap_pct_ci_low"].min() > 0


def ai_trend_in_window(ai_index: pd.DataFrame, comparison: pd.DataFrame, country: str, start: str) -> Trend:
    """The AI postings index's own trend in ``country`` over the window its sector comparison used."""
    series = ai_index.loc[ai_index["country"] == country].set_index("month")["index"]
    return estimate_log_trend(window(series, start, comparison.loc[comparison["country"] == country, "end"].max()))


def judge_ai_vs_tech_sectors(comparison: pd.DataFrame, ai_trend: Trend, primary: str, start: str) -> ClaimResult:
    """Verdict on AI postings outgrowing every tech sector.

    A country "beats all" when every gap to a tech sector has its 95% CI above zero
    (intersection–union test); it is "beaten" when some tech sector significantly
    outgrew AI (a gap CI below zero). Supported: every country beats all and AI
    postings themselves grew (trend CI > 0). Mixed: some countries beat all, or all do
    but AI postings merely shrank less. Contradicted: most countries are beaten.
    Otherwise inconclusive. Estimate: the primary country's smallest gap to a tech sector.
    """
    tech = comparison.loc[comparison["is_tech"]]
    beats_all = outgrew_every_tech_sector(comparison)
    beaten = tech.groupby("country")["gap_pct_ci_high"].min() < 0
    closest = tech.loc[tech["country"] == primary].sort_values("gap_log_per_year").iloc[0]
    ai_low, ai_high = ai_trend.pct_ci
    winners = sorted(beats_all.index[beats_all])
    if beats_all.all() and ai_low > 0:
        verdict = "supported"
    elif beats_all.any():
        verdict = "mixed"
    elif beaten.sum() > beaten.size / 2:
        verdict = "contradicted"
    else:
        verdict = "inconclusive"
    growth = ("it grew." if ai_low > 0 else
              "it did not grow significantly, so at most AI postings held up better than tech postings; "
              "'growth that dwarfs' overstates that.")
    rationale = (
        f"From {start} to the end of the sector data, the AI postings index outgrew every tech sector (each gap's 95% CI "
        f"above zero) in {len(winners)} of {beats_all.size} countries ({', '.join(winners) or 'none'}); a tech sector "
        f"significantly outgrew AI in {int(beaten.sum())}. In {primary} the closest tech sector is {closest['sector']} "
        f"(the ratio of AI to its postings grew {closest['gap_pct_per_year']:.1f}% per year). The AI index itself changed by "
        f"{ai_trend.pct_per_year:.1f}%/yr [{ai_low:.1f}, {ai_high:.1f}] in {primary} over that window: {growth}"
    )
    return ClaimResult(
        id="demand.ai_vs_tech_sectors", claim=claim_text("demand.ai_vs_tech_sectors"),
        metric=(f"{primary}: growth of AI postings relative to the closest tech sector since {start} "
                "(trend of the ratio AI postings index ÷ sector index)"),
        estimate=float(closest["gap_pct_per_year"]), ci_low=float(closest["gap_pct_ci_low"]), ci_high=float(closest["gap_pct_ci_high"]),
        unit="percent per year", verdict=verdict, rationale=rationale, n=int(closest["months"]),
        section="Growth since ChatGPT against every sector",
    )


def judge_ai_share_rise(shifts: pd.DataFrame, primary: str, baseline_end: str) -> ClaimResult:
    """Verdict on the AI share of postings rising: the latest 12 months against the 12 months up to ``baseline_end``.

    A comparison of levels, not a linear trend, because the share was flat for years
    and then rose steeply: a straight line fits that path badly. Supported when the
    primary country's increase has its 95% CI above zero and most countries' do too;
    contradicted when the primary country's share fell significantly.
    """
    row = shifts.set_index("country").loc[primary]
    rising = int((shifts["ci_low"] > 1).sum())
    falling = int((shifts["ci_high"] < 1).sum())
    verdict = verdict_from_interval(row["ci_low"], row["ci_high"], threshold=1.0)
    if verdict == "supported" and rising <= len(shifts) / 2:
        verdict = "mixed"
    change, low, high = (100 * (row[c] - 1) for c in ("ratio", "ci_low", "ci_high"))
    return ClaimResult(
        id="demand.ai_share_trend", claim=claim_text("demand.ai_share_trend"),
        metric=f"{primary}: change of the AI share of postings, latest 12 months against the 12 months to {baseline_end} "
               "(percent of the earlier share)",
        estimate=float(change), ci_low=float(low), ci_high=float(high), unit="percent", verdict=verdict, n=24,
        rationale=(f"The AI share of {primary} postings in the latest 12 months is {change:.1f}% above its level in the "
                   f"12 months to {baseline_end} [{low:.1f}, {high:.1f}]; the share rose significantly in {rising} "
                   f"of {len(shifts)} countries and fell significantly in {falling}."),
        section="The AI share of postings",
    )


def judge_genai_takeoff(shifts: pd.DataFrame, primary: str, event: str) -> ClaimResult:
    """Supported when the GenAI share of the latest 12 months is at least twice that of the
    12 months before ChatGPT (lower 95% CI bound ≥ 2) in the primary country."""
    row = shifts.set_index("country").loc[primary]
    doubled = int((shifts["ci_low"] >= GENAI_TAKEOFF_RATIO).sum())
    verdict = "supported" if row["ci_low"] >= GENAI_TAKEOFF_RATIO else ("contradicted" if row["ci_high"] < GENAI_TAKEOFF_RATIO else "inconclusive")
    return ClaimResult(
        id="demand.genai_takeoff", claim=claim_text("demand.genai_takeoff"),
        metric=f"{primary}: fold change of the GenAI share of postings, latest 12 months ÷ 12 months before {event}",
        estimate=float(row["ratio"]), ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
        unit="ratio", verdict=verdict, n=24,
        rationale=(f"The GenAI share in {primary} is {row['ratio']:.0f} times its pre-ChatGPT level "
                   f"[{row['ci_low']:.0f}, {row['ci_high']:.0f}]; 'took off' is read as at least a doubling (the whole CI above "
                   f"{GENAI_TAKEOFF_RATIO:.0f}), which holds in {doubled} of {len(shifts)} countries. "
                   "Keyword mentions, not jobs: a posting that mentions GenAI is not necessarily a GenAI job."),
        section="The GenAI take-off",
    )
