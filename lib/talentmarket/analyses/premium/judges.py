"""Salary claims → verdicts: each judge turns premium estimates into a ClaimResult through the one verdict rule.

Every judge hands its estimate, 95% interval, inference record and one-sided p-value to
:func:`talentmarket.results.judging.judge_claim`, which reads the claim's threshold and direction from
the registry. Percent claims are tested on the log scale, where the intervals are made: a threshold of
+5% is ``log(1.05)`` log points. The one-sided p-value of 'not beyond the threshold' uses the standard
error implied by the interval's half-width (the wild bootstrap interval need not be symmetric, so this
p-value is approximate; the verdict comes from the interval itself).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentmarket.analyses.premium.estimates import (
    ENTRY_LEVEL_METRIC,
    CompanySizeGaps,
    GroupPremiums,
    Premium,
)
from talentmarket.results.contract import ClaimResult
from talentmarket.results.judging import inconclusive_claim, judge_claim
from talentmarket.results.registry import claim_rule
from talentmarket.stats.verdicts import FamilyMember, judge_family

TITLE_CLUSTERING = (
    "Intervals are a wild cluster bootstrap by job title (Webb weights): AI vs comparison is decided by the "
    "title, titles carry their own pay effects and a few titles hold most postings, so postings of one title "
    "are not independent evidence."
)
BLOCK_JACKKNIFE = (
    "The interval is a jackknife over blocks of job titles with t(B−1) critical values, because AI vs comparison "
    "is decided by the title and a few titles hold most postings."
)


def _threshold_log(claim_id: str) -> float:
    """The claim's percent threshold in log points (``log(1 + t/100)``)."""
    return float(np.log1p(claim_rule(claim_id).threshold / 100))


def _clusters_text(premium: Premium) -> str:
    return f"{premium.n:,} postings in {premium.clusters} titles, {premium.inference.effective_clusters:.1f} effective"


def judge_ai_premium(primary: Premium, curve: pd.DataFrame, ai_definition: str, context: str = "") -> ClaimResult:
    """``salary.ai_premium``: the headline (within-file, common-years) premium against the +5% threshold.

    The family of sub-tests is the specification curve's rows with the same AI definition (other
    comparison groups and designs, pair and duplicate handling; ``curve`` from
    :func:`run_specification_curve`, with log-point intervals): 'mixed' when, after Holm adjustment, at
    least one is beyond the threshold and one short of it. Other AI definitions ask about other jobs, so
    they are reported in the rationale, not judged.
    """
    claim_id = "salary.ai_premium"
    low, high = primary.ci_percent
    same = curve[curve["ai_definition"] == ai_definition]
    family = None
    if len(same):
        labels = [f"{r.comparison}, {r.pair_handling}{'' if r.drop_exact_duplicates else ', duplicates kept'}"
                  for r in same.itertuples(index=False)]
        members = [FamilyMember.from_interval(label, r.log_points, r.ci_low_log, r.ci_high_log)
                   for label, r in zip(labels, same.itertuples(index=False))]
        family = judge_family(members, threshold=_threshold_log(claim_id), direction=claim_rule(claim_id).direction)
    others = "; ".join(
        f"AI = {definition}: {rows['percent'].min():.1f}% to {rows['percent'].max():.1f}%"
        for definition, rows in curve[curve["ai_definition"] != ai_definition].groupby("ai_definition")
    )
    rationale = (
        f"Within the same file and in the years both groups are posted there, with all controls, AI roles "
        f"({ai_definition}) earn {primary.percent:.1f}% [{low:.1f}, {high:.1f}] more than comparison roles "
        f"({_clusters_text(primary)}). {TITLE_CLUSTERING} Across {len(same)} specifications with this AI definition "
        f"the premium ranges from {same['percent'].min():.1f}% to {same['percent'].max():.1f}%. "
        f"Other definitions: {others or 'none run'}. " + context
    )
    return judge_claim(
        claim_id,
        metric="AI roles' pay premium over non-AI tech roles of the same file and years (percent of their pay), all controls",
        unit="percent", estimate=primary.percent, ci_low=low, ci_high=high, inference=primary.inference,
        rationale=rationale, n=primary.n, section="Controlled premium", family=family,
    )


def judge_entry_level_premium(by_level: GroupPremiums) -> ClaimResult:
    """``salary.entry_level_premium``: the EN-level premium over general software engineering, against 0."""
    claim_id = "salary.entry_level_premium"
    rows = by_level.table.set_index("experience_level")
    if "EN" not in rows.index:
        return inconclusive_claim(
            claim_id, metric=ENTRY_LEVEL_METRIC, unit="percent", n=0, section="Premium by experience level",
            reason="Too few entry-level postings in the AI or software-engineering group to estimate a premium; "
                   "more entry-level salary records (or a lower minimum cell size) would settle it.",
        )
    entry = rows.loc["EN"]
    premium = by_level.premiums["EN"]
    rationale = (
        f"Entry-level (EN) AI roles earn {entry['percent']:.1f}% [{entry['ci_low']:.1f}, {entry['ci_high']:.1f}] more than "
        f"entry-level software-engineering roles with the same country, year, size, remote and contract "
        f"({int(entry['ai_postings'])} AI vs {int(entry['comparison_postings'])} comparison postings; "
        f"{premium.clusters} titles, {premium.inference.effective_clusters:.1f} effective). {TITLE_CLUSTERING} "
        f"Premiums by level, equal in every level: F({by_level.wald_df}, G−1) = {by_level.wald_statistic:.1f}, "
        f"p = {by_level.wald_p_value:.3g} (title-clustered, descriptive)."
    )
    return judge_claim(
        claim_id, metric=ENTRY_LEVEL_METRIC, unit="percent", estimate=float(entry["percent"]),
        ci_low=float(entry["ci_low"]), ci_high=float(entry["ci_high"]), inference=premium.inference,
        rationale=rationale, n=int(entry["ai_postings"] + entry["comparison_postings"]),
        section="Premium by experience level",
    )


def judge_senior_premium_trend(trend: Premium, context: str = "") -> ClaimResult:
    """``salary.senior_premium_not_decreasing``: slope of the senior (SE/EX) premium per year against −1 point a year."""
    claim_id = "salary.senior_premium_not_decreasing"
    estimate, (low, high) = 100 * trend.log_points, (100 * v for v in trend.ci_log)
    rationale = (
        f"Among senior and executive postings the AI premium changes by {estimate:+.1f} log points per year "
        f"[{low:+.1f}, {high:+.1f}] ({_clusters_text(trend)}). {TITLE_CLUSTERING} " + context
    )
    return judge_claim(
        claim_id,
        metric="change of the senior (SE/EX) AI pay premium per work year, in log points (≈ percentage points of premium)",
        unit="log points per year", estimate=estimate, ci_low=low, ci_high=high, inference=trend.inference,
        rationale=rationale, n=trend.n, section="Premium by year",
    )


def judge_stratification(dispersion_trends: pd.DataFrame, quantile_spread: Premium) -> ClaimResult:
    """``salary.stratification``: is the spread of AI pay widening over time, faster than that of comparison roles?

    The test is the yearly trend of the 90th-minus-10th-percentile spread of composition-adjusted log pay
    among AI roles *minus* that among comparison roles (log points per year), so changes common to both —
    the files moving from survey answers to posted ranges — cancel. The cross-sectional quantile
    contrast (premium at the 90th minus the 10th percentile) says where the premium sits, not whether gaps
    widen; it is reported, not judged.
    """
    claim_id = "salary.stratification"
    metric = ("trend of the P90−P10 spread of adjusted log pay, AI minus comparison roles, in log points per year")
    spread_low, spread_high = (100 * v for v in quantile_spread.ci_log)
    cross_section = (
        f"At one point in time, the AI premium at the 90th percentile minus the one at the 10th is "
        f"{100 * quantile_spread.log_points:+.1f} log points [{spread_low:+.1f}, {spread_high:+.1f}]; that is where "
        "the premium sits, not whether gaps widen."
    )
    limits = ("The files have no credential field, so a 'certificate holder' tier cannot be seen, and titles give "
              "no expert/practitioner split beyond the four levels.")
    trends = dispersion_trends.set_index(["measure", "group"]) if len(dispersion_trends) else None
    if trends is None or ("p90_p10", "AI − comparison") not in trends.index:
        return inconclusive_claim(
            claim_id, metric=metric, unit="log points per year", n=quantile_spread.n, section="Stratification",
            reason=("The dispersion trend could not be estimated: fewer than 3 years with enough postings in both "
                    f"groups. {cross_section} {limits}"),
        )
    difference = trends.loc[("p90_p10", "AI − comparison")]
    ai_only = trends.loc[("p90_p10", "AI")] if ("p90_p10", "AI") in trends.index else None
    estimate, low, high = (100 * float(difference[c]) for c in ("slope", "ci_low", "ci_high"))
    inference = difference["inference"]
    ai_text = (f"The P90−P10 spread of adjusted AI pay changes by {100 * ai_only['slope']:+.2f} log points per year "
               f"[{100 * ai_only['ci_low']:+.2f}, {100 * ai_only['ci_high']:+.2f}]; " if ai_only is not None else "")
    rationale = (
        f"{ai_text}relative to comparison roles, whose pay went through the same change of record type, it changes by "
        f"{estimate:+.2f} [{low:+.2f}, {high:+.2f}] log points per year over {int(difference['years'])} years. "
        f"{BLOCK_JACKKNIFE} {cross_section} {limits}"
    )
    return judge_claim(
        claim_id, metric=metric, unit="log points per year", estimate=estimate, ci_low=low, ci_high=high,
        inference=inference, rationale=rationale, n=int(difference["n"]), section="Stratification",
    )


def judge_company_size(size_gaps: CompanySizeGaps) -> ClaimResult:
    """``salary.big_employers_pay_most``: AI pay at large (L) vs medium employers, against 0.

    The family is L vs M and L vs S (when small employers have enough AI postings): 'mixed' when one is
    significantly positive and the other significantly negative after Holm adjustment.
    """
    claim_id = "salary.big_employers_pay_most"
    metric = "AI pay at large (> 250 staff) employers, percent above (−: below) medium employers (50–250), controlled"
    caveat = ("The size band is head count only: 'large' is not 'Big Tech', and no field says which firms are big tech; "
              "startups are not identified either (small ≠ startup).")
    rows = size_gaps.table.set_index("comparison")
    if "L vs M" not in rows.index:
        return inconclusive_claim(claim_id, metric=metric, unit="percent", n=sum(size_gaps.postings.values()),
                                  section="Company size", reason=f"{size_gaps.note} {caveat}")
    main = rows.loc["L vs M"]
    tests = rows.loc[[c for c in ("L vs M", "L vs S") if c in rows.index]]
    family = None
    if len(tests) > 1:
        members = [FamilyMember.from_interval(label, r["log_points"], r["ci_low_log"], r["ci_high_log"])
                   for label, r in tests.iterrows()]
        family = judge_family(members, threshold=claim_rule(claim_id).threshold, direction=claim_rule(claim_id).direction)
    small = (f" and {rows.loc['L vs S', 'percent']:.1f}% [{rows.loc['L vs S', 'ci_low']:.1f}, "
             f"{rows.loc['L vs S', 'ci_high']:.1f}] vs small (< 50)" if "L vs S" in rows.index else "")
    premium = size_gaps.premiums["L vs M"]
    rationale = (
        f"AI roles at large employers (> 250 staff) earn {main['percent']:.1f}% [{main['ci_low']:.1f}, {main['ci_high']:.1f}] "
        f"vs medium (50–250){small}, with the same level, country, year, remote and contract "
        f"({int(main['clusters'])} titles, {main['effective_clusters']:.1f} effective). {TITLE_CLUSTERING} "
        f"AI postings by size: {size_gaps.postings}. " + " ".join(filter(None, [size_gaps.note, caveat]))
    )
    return judge_claim(
        claim_id, metric=metric, unit="percent", estimate=float(main["percent"]), ci_low=float(main["ci_low"]),
        ci_high=float(main["ci_high"]), inference=premium.inference, rationale=rationale, n=int(main["n"]),
        section="Company size", family=family,
    )
