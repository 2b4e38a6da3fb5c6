"""The one verdict rule, multiplicity and the judging helpers every analysis uses."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from talentmarket import paths
from talentmarket.errors import ParameterError
from talentmarket.results.contract import INFERENCE_KEYS, ClaimResult, ResultsError, judged_claim_problems
from talentmarket.results.judging import claim_verdict, inconclusive_claim, judge_claim
from talentmarket.results.registry import claim_rule, load_registry
from talentmarket.stats.multiplicity import benjamini_hochberg, holm
from talentmarket.stats.verdicts import (
    FamilyMember,
    combine_with_family,
    contradiction_p_value,
    interval_p_value,
    judge_family,
    support_p_value,
    verdict_from_interval,
)


def reference_adjusted(p_values: np.ndarray, method: str) -> np.ndarray:
    """statsmodels' adjusted p-values (``multipletests``), the reference ours must equal.

    Its Holm branch ends with a full garbage collection (``gc.collect()``), which changes no number but costs
    0.2–1.5 s in a test process holding many objects (a pytest worker late in the suite): skipped here."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gc, "collect", lambda generation=2: 0)
        return multipletests(p_values, method=method)[1]


class _Inference:
    def as_dict(self) -> dict:
        return dict(zip(INFERENCE_KEYS, ["CV3, t(G−1)", "job_title", 40, 6.2, 39, None]))


@pytest.mark.parametrize(
    ("ci", "threshold", "direction", "verdict"),
    [
        ((6.0, 9.0), 5.0, "above", "supported"),
        ((1.0, 3.0), 5.0, "above", "contradicted"),  # positive, but smaller than the wording claims
        ((3.0, 9.0), 5.0, "above", "inconclusive"),
        ((-3.0, -1.0), 0.0, "below", "supported"),
        ((1.0, 2.0), 0.0, "below", "contradicted"),
        ((-9.0, -8.0), -10.0, "above", "supported"),
        ((-12.0, -11.0), -10.0, "above", "contradicted"),
    ],
)
def test_the_verdict_rule_compares_the_interval_with_the_threshold_in_the_claims_direction(ci, threshold, direction, verdict):
    assert verdict_from_interval(*ci, threshold=threshold, direction=direction) == verdict


def test_an_unknown_direction_is_refused_with_the_allowed_ones():
    with pytest.raises(ParameterError, match="above.*below"):
        verdict_from_interval(1, 2, threshold=0, direction="up")


def test_one_sided_p_values_agree_with_the_interval_decision():
    # estimate 8, se 1: the 95% normal CI [6.04, 9.96] clears 5, so the support p-value is below 2.5%.
    assert support_p_value(8, 1, threshold=5, direction="above") < 0.025
    assert contradiction_p_value(8, 1, threshold=5, direction="above") > 0.975
    assert support_p_value(-8, 1, threshold=-5, direction="below") < 0.025
    assert np.isnan(support_p_value(8, 0, threshold=5, direction="above"))
    # t with few degrees of freedom is more cautious than the normal
    assert support_p_value(8, 1.2, threshold=5, direction="above", df=3) > support_p_value(8, 1.2, threshold=5, direction="above")


@pytest.mark.parametrize(("ci", "threshold", "direction"), [((6.0, 12.0), 5.0, "above"), ((4.9, 30.0), 5.0, "above"),
                                                           ((-3.0, -0.1), 0.0, "below"), ((-3.0, 0.2), 0.0, "below")])
def test_the_interval_p_value_is_below_2_5_percent_exactly_when_the_ci_clears_the_threshold(ci, threshold, direction):
    estimate = 8.0 if direction == "above" else -1.0  # asymmetric intervals around the estimate
    p = interval_p_value(estimate, *ci, threshold=threshold, direction=direction, df=4)
    assert (p < 0.025) == (verdict_from_interval(*ci, threshold=threshold, direction=direction) == "supported")


def test_family_members_are_holm_adjusted_and_mixed_needs_significant_disagreement():
    members = [FamilyMember("US", 12.0, 2.0), FamilyMember("GB", -5.0, 3.0), FamilyMember("FR", 30.0, 4.0)]
    family = judge_family(members, threshold=10.0, direction="above")
    assert list(family["verdict"]) == ["inconclusive", "contradicted", "supported"]
    assert np.allclose(family["p_support_holm"], reference_adjusted(family["p_support"], "holm"))
    assert combine_with_family("inconclusive", family) == "mixed"
    agreeing = judge_family([FamilyMember("US", 30.0, 4.0), FamilyMember("GB", 12.0, 2.0)], threshold=10.0, direction="above")
    assert combine_with_family("supported", agreeing) == "supported"
    assert combine_with_family("supported", None) == "supported"


def test_a_single_borderline_member_does_not_pass_after_holm():
    # p ≈ 0.012 alone passes at 2.5%; with five other members at p ≈ 0.5 Holm multiplies it by six.
    members = [FamilyMember.from_interval("FR", 0.5, 0.1, 0.9)] + [FamilyMember(f"C{i}", 0.0, 0.5) for i in range(5)]
    family = judge_family(members, threshold=0.0, direction="above")
    assert family.loc[0, "p_support"] < 0.025
    assert family.loc[0, "verdict"] == "inconclusive"


def test_member_from_interval_recovers_the_standard_error():
    member = FamilyMember.from_interval("US", 1.0, 1.0 - 1.959964 * 0.5, 1.0 + 1.959964 * 0.5)
    assert member.se == pytest.approx(0.5, rel=1e-5)


def test_holm_and_benjamini_hochberg_match_statsmodels_and_keep_missing_values():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.2])
    present = ~np.isnan(p)
    assert np.allclose(holm(p)[present], reference_adjusted(p[present], "holm"))
    assert np.allclose(benjamini_hochberg(p)[present], reference_adjusted(p[present], "fdr_bh"))
    assert np.isnan(holm(p)[2]) and np.isnan(benjamini_hochberg(p)[2])


@pytest.mark.parametrize("size", [1, 2, 7, 40])
def test_holm_and_benjamini_hochberg_equal_statsmodels_bit_for_bit_with_ties_and_caps(size):
    rng = np.random.default_rng(size)
    p = np.round(rng.uniform(0, 1, size) ** 3, 2)  # rounding makes ties; small p-values times m exceed 1
    assert np.array_equal(holm(p), reference_adjusted(p, "holm"))
    assert np.array_equal(benjamini_hochberg(p), reference_adjusted(p, "fdr_bh"))
    assert holm(p).max() <= 1 and benjamini_hochberg(p).max() <= 1


def test_every_tested_claim_has_a_threshold_direction_and_rationale_and_untested_ones_have_none():
    registry = load_registry()
    tested = registry[registry["notebook"] != ""]
    assert (tested["threshold"] != "").all() and tested["direction"].isin(["above", "below"]).all()
    assert (tested["threshold_rationale"].str.len() > 30).all()
    assert (registry.loc[registry["notebook"] == "", ["threshold", "direction"]] == "").all().all()
    assert (registry["label"].str.len() <= 60).all()


def test_judge_claim_applies_the_registered_threshold_and_says_so():
    rule = claim_rule("salary.ai_premium")
    claim = judge_claim(
        "salary.ai_premium", metric="AI premium", unit="percent", estimate=3.0, ci_low=1.0, ci_high=4.5,
        inference=_Inference(), rationale="Within-file comparison.", n=50, section="Premium", p_value=0.9,
    )
    assert claim.verdict == "contradicted"  # positive but below the +5% that 'clearly more' needs
    assert (claim.threshold, claim.direction) == (rule.threshold, rule.direction)
    assert "Threshold: above +5 percent" in claim.rationale
    assert claim.inference["cluster_variable"] == "job_title"
    assert claim_verdict("salary.ai_premium", 6.0, 9.0) == "supported"
    assert judged_claim_problems(claim) == []


def test_an_inconclusive_claim_leads_with_its_reason():
    claim = inconclusive_claim("migration.into_healthcare_finance", metric="m", unit="percent per year",
                               reason="No open data follows workers between industries.", n=0, section="s")
    assert claim.verdict == "inconclusive" and claim.rationale.startswith("No open data")
    assert judged_claim_problems(claim) == []


def test_a_verdict_that_contradicts_the_rule_is_refused():
    with pytest.raises(ResultsError, match="disagrees with the verdict rule"):
        ClaimResult(id="salary.ai_premium", claim="c" * 30, metric="m", estimate=3.0, ci_low=1.0, ci_high=4.0,
                    unit="percent", verdict="supported", rationale="r", n=1, threshold=5.0, direction="above",
                    inference=_Inference().as_dict())


def test_every_claim_in_the_committed_reports_carries_threshold_direction_and_inference():
    documents = sorted((paths.REPO_ROOT / "reports").glob("*/results.json"))
    assert documents, "the main job's reports/ are committed"
    problems = []
    for path in documents:
        for claim in json.loads(path.read_text(encoding="utf-8"))["claims"]:
            result = ClaimResult(**claim)
            problems += [f"{path.parent.name} {claim['id']}: {p}" for p in judged_claim_problems(result)]
            if result.threshold is not None and result.threshold != claim_rule(result.id).threshold:
                problems.append(f"{claim['id']}: threshold {result.threshold} differs from the registry's")
    assert not problems, "\n".join(problems)
