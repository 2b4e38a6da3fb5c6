"""The verdict rule: one function turns an estimate's interval into a verdict for every claim."""

from __future__ import annotations


def verdict_from_interval(ci_low: float, ci_high: float, *, threshold: float = 0.0) -> str:
    """'supported' when the whole 95% CI lies above ``threshold``, 'contradicted' when it lies
    below, 'inconclusive' when it straddles it (the data cannot tell)."""
    if ci_low > threshold:
        return "supported"
    if ci_high < threshold:
        return "contradicted"
    return "inconclusive"
