"""AI-adjacent pay by occupation and industry group from BLS OEWS, and the traditional-industries judge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from talentmarket.data.oews import (
    INDUSTRY_GROUPS,
    TECH_GROUP,
    check_industry_groups,
    industry_rows,
)
from talentmarket.data.taxonomy import (
    OEWS_AI_ADJACENT_OCCUPATIONS,
    OEWS_COMPARISON_OCCUPATIONS,
)
from talentmarket.errors import ParameterError
from talentmarket.results.contract import ClaimResult
from talentmarket.results.judging import inconclusive_claim, judge_claim
from talentmarket.results.registry import claim_rule
from talentmarket.stats.inference import Inference
from talentmarket.stats.regression import Estimate
from talentmarket.stats.verdicts import FamilyMember, judge_family, support_p_value


def _log_ratio(mean_a: float, se_a: float, mean_b: float, se_b: float) -> tuple[float, float, float]:
    """Percent difference of mean a over mean b with a 95% CI, from independent standard errors (delta method on logs)."""
    log_ratio = np.log(mean_a / mean_b)
    se = np.sqrt((se_a / mean_a) ** 2 + (se_b / mean_b) ** 2)
    return Estimate(float(log_ratio), float(se)).percent()


def compare_oews_occupations(
    national: pd.DataFrame,
    occupations: Sequence[str] = tuple(OEWS_AI_ADJACENT_OCCUPATIONS),
    references: Sequence[str] = tuple(OEWS_COMPARISON_OCCUPATIONS),
) -> pd.DataFrame:
    """Mean annual wage of AI-adjacent occupations against reference occupations, national, May 2025.

    ``national`` is :func:`talentmarket.data.oews.load_oews_by_area` output for the nation.
    The gap is in percent of the reference's mean wage; its CI comes from BLS's relative
    standard errors of each mean, treated as independent. Medians are shown
    beside the means (BLS publishes no standard error for them).
    """
    rows = national.drop_duplicates("occ_code").set_index("occ_code")
    missing = sorted((set(occupations) | set(references)) - set(rows.index))
    if missing:
        raise ParameterError(f"occupations {missing} not in the national OEWS rows; available: {sorted(rows.index)}")
    out = []
    for occupation in occupations:
        for reference in references:
            a, b = rows.loc[occupation], rows.loc[reference]
            se_a = a["annual_mean_wage"] * a["wage_percent_relative_standard_error"] / 100
            se_b = b["annual_mean_wage"] * b["wage_percent_relative_standard_error"] / 100
            gap, low, high = _log_ratio(a["annual_mean_wage"], se_a, b["annual_mean_wage"], se_b)
            out.append({
                "occupation": a["occ_title"], "reference": b["occ_title"], "mean_wage": a["annual_mean_wage"],
                "reference_mean_wage": b["annual_mean_wage"], "gap_percent": gap, "ci_low": low, "ci_high": high,
                "median_wage": a["annual_median_wage"], "reference_median_wage": b["annual_median_wage"],
                "employment": a["employment"],
            })
    return pd.DataFrame(out)


def compare_oews_industry_pay(
    by_industry: pd.DataFrame,
    groups: Mapping[str, Sequence[str]] = INDUSTRY_GROUPS,
    tech_group: str = TECH_GROUP,
    occupations: Sequence[str] = tuple(OEWS_AI_ADJACENT_OCCUPATIONS),
) -> pd.DataFrame:
    """Mean wage of each occupation in each industry group, and its gap to the tech group, May 2025.

    ``groups`` maps a label to NAICS codes, by default the shared definition
    :data:`talentmarket.data.oews.INDUSTRY_GROUPS` (see :func:`talentmarket.data.oews.industry_rows`;
    ``"-334"`` subtracts, e.g. manufacturing without computer and electronic products).
    A group's mean is the employment-weighted mean of its parts (wage bills added, then
    divided by employment). Standard errors use BLS's relative standard errors of each
    mean, employment held fixed and parts treated as independent (conservative for a
    subtracted part, which is nested in its sector). A group with an unpublished part
    has no estimate rather than a silently partial one; ``unpublished`` names the parts.
    Each group other than the tech group gets ``gap_percent`` (with 95% CI) against the
    tech group, and ``"All traditional"`` pools every non-tech group.
    """
    check_industry_groups(groups, tech_group)
    pooled = {**groups, "All traditional": [code for label, codes in groups.items() if label != tech_group for code in codes]}
    unknown = sorted(set(occupations) - set(by_industry["occ_code"]))
    if unknown:
        raise ParameterError(f"occupation(s) {unknown} not in the OEWS industry file")
    rows_by_group = {label: industry_rows(by_industry, codes) for label, codes in pooled.items()}
    out = []
    for occupation in occupations:
        for label, rows in rows_by_group.items():
            parts = rows[rows["occ_code"] == occupation]
            out.append({"occ_code": occupation, "occupation": parts["occ_title"].iloc[0], "group": label,
                        **_group_mean_wage(parts)})
    table = pd.DataFrame(out)
    tech = table[table["group"] == tech_group].set_index("occ_code")
    gaps = [
        _log_ratio(r["mean_wage"], r["mean_wage_se"], tech.at[r["occ_code"], "mean_wage"], tech.at[r["occ_code"], "mean_wage_se"])
        if r["group"] != tech_group and np.isfinite(r["mean_wage"]) else (np.nan, np.nan, np.nan)
        for _, r in table.iterrows()
    ]
    table[["gap_percent", "ci_low", "ci_high"]] = pd.DataFrame(gaps, index=table.index)
    return table


def _group_mean_wage(parts: pd.DataFrame) -> dict:
    """Employment, mean wage and its standard error of one occupation over a group's parts (industry_rows output)."""
    published = parts["employment_released"] & parts["wages_released"]
    jobs = parts["sign"] * parts["employment"]
    employment = float(jobs.sum())
    if not published.all() or employment <= 0:
        unpublished = ", ".join(parts.loc[~published, "naics_code"])
        return {"employment": np.nan, "mean_wage": np.nan, "mean_wage_se": np.nan, "unpublished": unpublished}
    bill = float((jobs * parts["annual_mean_wage"]).sum())
    variance = float(((parts["employment"] * parts["annual_mean_wage"] * parts["wage_percent_relative_standard_error"] / 100) ** 2).sum())
    return {"employment": employment, "mean_wage": bill / employment, "mean_wage_se": np.sqrt(variance) / employment,
            "unpublished": ""}


def judge_traditional_industries(industry_pay: pd.DataFrame, all_occupations_mean_wage: float) -> ClaimResult:
    """``salary.traditional_industries_below_tech``: AI-adjacent pay in traditional industries vs tech (OEWS).

    The claim has two parts: traditional employers pay well, but below tech. The test is the pooled
    traditional-vs-tech gap of the first AI-adjacent occupation against the registry's threshold (below
    0); the occupations form the family ('mixed' when, after Holm adjustment, one is significantly below
    and one significantly above). When traditional pay is not above the all-occupation mean the 'pays
    well' part fails and the claim is inconclusive, with that reason. Intervals come from BLS's relative
    standard errors (normal, industries treated as independent), not from a clustered model.
    """
    claim_id = "salary.traditional_industries_below_tech"
    metric_tail = "mean wage in traditional industries, percent above (−: below) tech industries (OEWS May 2025)"
    traditional = industry_pay[industry_pay["group"] == "All traditional"]
    pooled = traditional.dropna(subset=["gap_percent"]).reset_index(drop=True)
    left_out = "".join(
        f" {r['occupation']}: no estimate, BLS published no wages for industries {r['unpublished']} of the groups."
        for _, r in traditional[traditional["gap_percent"].isna()].iterrows()
    )
    if pooled.empty:
        return inconclusive_claim(
            claim_id, metric=f"AI-adjacent occupations: {metric_tail}", unit="percent", n=0, section="OEWS by industry",
            reason="OEWS did not publish the wages needed for the industry groups; a finer industry breakdown would settle it.",
        )
    rule = claim_rule(claim_id)
    threshold_log = float(np.log1p(rule.threshold / 100))
    log_gaps = pooled[["gap_percent", "ci_low", "ci_high"]].apply(lambda column: np.log1p(column / 100))
    members = [FamilyMember.from_interval(r["occupation"], *log_gaps.loc[i]) for i, r in pooled.iterrows()]
    family = judge_family(members, threshold=threshold_log, direction=rule.direction) if len(members) > 1 else None
    lines = "; ".join(
        f"{r['occupation']}: ${r['mean_wage']:,.0f} vs tech, {r['gap_percent']:+.1f}% [{r['ci_low']:.1f}, {r['ci_high']:.1f}]"
        for _, r in pooled.iterrows()
    )
    head = pooled.iloc[0]
    inference = Inference("BLS relative standard errors, normal", None, len(pooled), float(len(pooled)), None, None)
    rationale = (
        f"BLS OEWS, May 2025, mean annual wages in finance, health care and manufacturing (without computer and "
        f"electronic products) against tech industries. {lines}. All-occupation mean: ${all_occupations_mean_wage:,.0f}.{left_out} "
        "Industries are not employers: 'tech industries' is not 'big tech', and OEWS wages exclude stock compensation, "
        "where big-tech pay differs most."
    )
    metric = f"{head['occupation']}: {metric_tail}"
    if not bool((pooled["mean_wage"] > all_occupations_mean_wage).all()):
        return inconclusive_claim(
            claim_id, metric=metric, unit="percent", n=int(pooled["employment"].sum()), section="OEWS by industry",
            estimate=float(head["gap_percent"]), ci_low=float(head["ci_low"]), ci_high=float(head["ci_high"]),
            inference=inference,
            reason=f"The 'pays well' part fails: traditional industries do not pay above the all-occupation mean. {rationale}",
        )
    first = members[0]
    return judge_claim(
        claim_id, metric=metric, unit="percent", estimate=float(head["gap_percent"]), ci_low=float(head["ci_low"]),
        ci_high=float(head["ci_high"]), inference=inference, rationale=rationale, n=int(pooled["employment"].sum()),
        section="OEWS by industry", family=family,
        p_value=support_p_value(first.estimate, first.se, threshold=threshold_log, direction=rule.direction),
    )
