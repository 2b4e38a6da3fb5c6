"""Demand claims → verdicts: AI against every tech sector, the AI share's rise, the GenAI take-off.

Every claim is judged by the one rule of :mod:`talentmarket.results.judging` against the threshold in the
claims registry. The headline is the primary country; the countries form a family declared before
looking at the data, judged with Holm adjustment (:func:`talentmarket.stats.verdicts.judge_family`), and
the verdict is 'mixed' only when at least one country is supported and one contradicted after adjustment.
Family members are tested on the log scale their intervals are built on: a threshold of 10 %/yr is
``log 1.10`` log points a year, a doubling ``log 2``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from talentmarket.analyses.demand.parameters import check_primary_country
from talentmarket.results.contract import ClaimResult
from talentmarket.results.judging import claim_verdict, judge_claim
from talentmarket.results.registry import claim_rule
from talentmarket.stats.inference import Inference
from talentmarket.stats.trends import Trend
from talentmarket.stats.verdicts import FamilyMember, judge_family

AI_VS_TECH = "demand.ai_vs_tech_sectors"
SHARE_RISE = "demand.ai_share_trend"
GENAI_TAKEOFF = "demand.genai_takeoff"
_UNIT_TO_LOG = {"percent per year": lambda t: math.log1p(t / 100), "percent": lambda t: math.log1p(t / 100), "ratio": math.log}


def ewc_inference(dof: int) -> Inference:
    """The inference record of an EWC HAR interval on a monthly series (no clusters; t with ν = dof)."""
    return Inference(method="EWC HAR (equal-weighted cosine, ν = 0.4·T^(2/3)), Student t(ν)", cluster=None,
                     clusters=None, effective_clusters=None, df=int(dof), draws=None)


def level_shift_inference(dof: float) -> Inference:
    """The inference record of a level ratio's interval (:func:`talentmarket.stats.trends.ar1_mean_difference`);
    ``df`` is the fractional t degrees of freedom rounded down, as the record holds whole numbers."""
    return Inference(method=("AR(1) variance of each 12-month window mean, ρ from the windows and the months before "
                             "them, detrended (bias-corrected), Student t(Satterthwaite − ρ̂ uncertainty, at least 3)"), cluster=None,
                     clusters=None, effective_clusters=None, df=math.floor(dof), draws=None)


def _log_threshold(claim_id: str, unit: str) -> tuple[float, str]:
    rule = claim_rule(claim_id)
    return _UNIT_TO_LOG[unit](rule.threshold), rule.direction


def binding_tech_sectors(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per country, the tech sector that decides 'AI outgrew every tech sector by the threshold'.

    The claim holds in a country when every tech gap exceeds the threshold, an intersection–union test
    (Berger 1982): its p-value is the largest of the sectors' one-sided p-values, that of the sector whose
    gap has the smallest t-statistic against the threshold. That sector is the country's family member.
    A country is contradicted on that same sector; as the sectors of one country share their months and
    degrees of freedom, it is also the sector with the smallest contradiction p-value, which is not
    adjusted for the choice among the country's tech sectors (the Holm step covers the countries).
    """
    threshold, _ = _log_threshold(AI_VS_TECH, "percent per year")
    tech = comparison.loc[comparison["is_tech"]].copy()
    tech["t_vs_threshold"] = (tech["gap_log_per_year"] - threshold) / tech["gap_se"]
    return tech.loc[tech.groupby("country")["t_vs_threshold"].idxmin()].set_index("country", drop=False)


def judge_tech_sector_family(comparison: pd.DataFrame) -> pd.DataFrame:
    """The countries' verdicts on 'AI outgrew every tech sector by the threshold', Holm-adjusted over countries.

    :func:`talentmarket.stats.verdicts.judge_family` output with the binding sector and window end added.
    """
    threshold, direction = _log_threshold(AI_VS_TECH, "percent per year")
    binding = binding_tech_sectors(comparison)
    members = [FamilyMember(row.country, row.gap_log_per_year, row.gap_se, row.dof) for row in binding.itertuples()]
    family = judge_family(members, threshold=threshold, direction=direction)
    return family.assign(sector=binding["sector"].to_numpy(), end=binding["end"].to_numpy())


def _shift_family(shifts: pd.DataFrame, claim_id: str, unit: str) -> pd.DataFrame:
    threshold, direction = _log_threshold(claim_id, unit)
    members = [FamilyMember(row.country, row.log_ratio, row.se, row.dof) for row in shifts.itertuples()]
    return judge_family(members, threshold=threshold, direction=direction)


def _primary_p(family: pd.DataFrame, primary: str) -> float:
    return float(family.set_index("label").at[primary, "p_support"])


def judge_ai_vs_tech_sectors(comparison: pd.DataFrame, ai_trend: Trend, primary: str, start: str, *, note: str = "") -> ClaimResult:
    """Verdict on AI postings outgrowing every tech sector by the registry's threshold (%/yr of the AI/sector ratio).

    Headline: the primary country's binding tech sector (:func:`binding_tech_sectors`); family: every
    country's binding sector, Holm-adjusted. Each country's window ends with its sector data.
    """
    check_primary_country(primary, comparison["country"].unique())
    family = judge_tech_sector_family(comparison)
    row = binding_tech_sectors(comparison).loc[primary]
    low, high = float(row["gap_pct_ci_low"]), float(row["gap_pct_ci_high"])
    ai_low, ai_high = ai_trend.pct_ci
    ends = ", ".join(f"{r.label} {pd.Timestamp(r.end):%b %Y}" for r in family.itertuples())
    verdict = claim_verdict(AI_VS_TECH, low, high, family)
    reading = {
        "supported": "AI postings outgrew even the closest tech sector by more than the threshold.",
        "contradicted": "AI postings did not outgrow every tech sector by the margin 'much faster' needs.",
        "inconclusive": "The data cannot tell whether AI postings outgrew every tech sector by that margin.",
        "mixed": "Countries disagree significantly.",
    }[verdict]
    rationale = (
        f"From {pd.Timestamp(start):%b %Y} to the end of each country's sector data ({ends}; the AI series run to mid-2026, "
        f"but no sector data cover those months). In {primary} the binding tech sector is {row['sector']}: the ratio of AI "
        f"postings to its postings grew {row['gap_pct_per_year']:.1f}% per year [{low:.1f}, {high:.1f}] over "
        f"{int(row['months'])} months to {pd.Timestamp(row['end']):%b %Y}. The AI index itself changed by "
        f"{ai_trend.pct_per_year:.1f}%/yr [{ai_low:.1f}, {ai_high:.1f}] there. {reading}{note}"
    )
    return judge_claim(
        AI_VS_TECH,
        metric=(f"{primary}: growth of AI postings relative to the binding tech sector ({row['sector']}), "
                f"{pd.Timestamp(row['start']):%b %Y}–{pd.Timestamp(row['end']):%b %Y} (trend of the ratio AI postings index ÷ sector index)"),
        unit="percent per year", estimate=float(row["gap_pct_per_year"]), ci_low=low, ci_high=high,
        inference=ewc_inference(int(row["dof"])), rationale=rationale, n=int(row["months"]),
        section="Growth since ChatGPT against every sector", p_value=_primary_p(family, primary), family=family,
    )


def _shift_row(shifts: pd.DataFrame, primary: str) -> pd.Series:
    check_primary_country(primary, shifts["country"].unique())
    return shifts.set_index("country").loc[primary]


def judge_ai_share_rise(shifts: pd.DataFrame, primary: str, baseline_end: str, *, note: str = "") -> ClaimResult:
    """Verdict on the AI share of postings rising: the latest 12 months against the 12 months to ``baseline_end``.

    A comparison of levels, not a linear trend, because the share was flat for years and then rose
    steeply: a straight line fits that path badly. ``shifts`` is :func:`estimate_level_shifts` output.
    """
    row = _shift_row(shifts, primary)
    family = _shift_family(shifts, SHARE_RISE, "percent")
    change, low, high = (100 * (row[c] - 1) for c in ("ratio", "ci_low", "ci_high"))
    latest = f"{pd.Timestamp(row['end']) - pd.DateOffset(months=11):%b %Y}–{pd.Timestamp(row['end']):%b %Y}"
    return judge_claim(
        SHARE_RISE,
        metric=(f"{primary}: change of the AI share of postings, {latest} against the 12 months to "
                f"{pd.Timestamp(baseline_end):%b %Y} (percent of the earlier share)"),
        unit="percent", estimate=change, ci_low=low, ci_high=high, inference=level_shift_inference(float(row["dof"])), n=24,
        rationale=(f"The AI share of {primary} postings in {latest} is {change:.1f}% above its level in the 12 months to "
                   f"{pd.Timestamp(baseline_end):%b %Y} [{low:.1f}, {high:.1f}].{note}"),
        section="The AI share of postings", p_value=_primary_p(family, primary), family=family,
    )


def judge_genai_takeoff(shifts: pd.DataFrame, primary: str, event: str, *, note: str = "") -> ClaimResult:
    """Verdict on the GenAI take-off: the latest 12 months' GenAI share ÷ the 12 months before ``event``."""
    row = _shift_row(shifts, primary)
    family = _shift_family(shifts, GENAI_TAKEOFF, "ratio")
    return judge_claim(
        GENAI_TAKEOFF,
        metric=(f"{primary}: fold change of the GenAI share of postings, 12 months to {pd.Timestamp(row['end']):%b %Y} ÷ "
                f"12 months before {pd.Timestamp(event):%d %b %Y}"),
        unit="ratio", estimate=float(row["ratio"]), ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
        inference=level_shift_inference(float(row["dof"])), n=24,
        rationale=(f"The GenAI share in {primary} in the 12 months to {pd.Timestamp(row['end']):%b %Y} is {row['ratio']:.0f} "
                   f"times its level in the 12 months before ChatGPT [{row['ci_low']:.0f}, {row['ci_high']:.0f}]. Keyword "
                   "mentions, not jobs: a posting that mentions GenAI is not necessarily a GenAI job; the GenAI series "
                   f"ends in mid-2025.{note}"),
        section="The GenAI take-off", p_value=_primary_p(family, primary), family=family,
    )


def judge_demand(comparison: pd.DataFrame, ai_trend: Trend, share_shifts: pd.DataFrame, genai_shifts: pd.DataFrame,
                 primary: str, *, start: str, baseline_end: str, event: str, exclude: Sequence[str] = (),
                 breaks: pd.DataFrame | None = None) -> list[ClaimResult]:
    """The three demand claims, optionally without the countries in ``exclude`` (never the primary one).

    With ``breaks`` (:func:`talentmarket.analyses.demand.breaks.detect_breaks` output) each rationale names the
    countries whose tracker series has a break and the verdict without them, so the results file carries it.
    """
    dropped = set(exclude) - {primary}

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[~frame["country"].isin(dropped)]

    notes = ["", "", ""]
    flagged = sorted(set(breaks["country"]) - dropped) if breaks is not None and len(breaks) else []
    if flagged:
        without = judge_demand(comparison, ai_trend, share_shifts, genai_shifts, primary, start=start,
                               baseline_end=baseline_end, event=event, exclude=[*dropped, *flagged])
        others = [c for c in flagged if c != primary]
        windows = (comparison, share_shifts, genai_shifts)
        notes = [_break_note(breaks[breaks["country"].isin(flagged)], frame, claim.verdict, others) for frame, claim in zip(windows, without)]
    return [
        judge_ai_vs_tech_sectors(keep(comparison), ai_trend, primary, start, note=notes[0]),
        judge_ai_share_rise(keep(share_shifts), primary, baseline_end, note=notes[1]),
        judge_genai_takeoff(keep(genai_shifts), primary, event, note=notes[2]),
    ]


def _break_note(breaks: pd.DataFrame, windows: pd.DataFrame, verdict_without: str, others: Sequence[str]) -> str:
    """One sentence: which series breaks fall inside this claim's windows, and the verdict without those countries."""
    parts = []
    for row in breaks.itertuples():
        end = pd.Timestamp(windows.loc[windows["country"] == row.country, "end"].max())
        where = "inside its window" if pd.Timestamp(row.start) <= end else f"after its window ends ({end:%b %Y})"
        parts.append(f"{row.country} from {pd.Timestamp(row.start):%b %Y}, {where}")
    outcome = (f"without {', '.join(others)} the verdict is {verdict_without}." if others
               else "it is the primary country, so read its numbers with that caveat.")
    return f" The AI tracker's share series has a break ({'; '.join(parts)}; the break rule of notebook 01); {outcome}"


def compare_verdicts(claims: Sequence[ClaimResult], without: Sequence[ClaimResult], dropped: Sequence[str]) -> pd.DataFrame:
    """Claim id, verdict on every country and verdict without ``dropped``, and whether it changed."""
    label = f"without {', '.join(sorted(dropped))}" if dropped else "without (nothing flagged)"
    table = pd.DataFrame({"claim": [c.id for c in claims], "all countries": [c.verdict for c in claims],
                          label: [c.verdict for c in without]})
    table["changed"] = table["all countries"] != table[label]
    return table

