"""Multiplicity, defined once for every claim.

- **Within a claim** (its countries, specifications or sectors: a family declared before looking at the
  data) p-values are Holm-adjusted (:func:`holm`), which controls the family-wise error rate.
- **Across the scorecard** every claim's primary test gets a Benjamini–Hochberg q-value
  (:func:`benjamini_hochberg`), shown beside the verdicts; it never changes a verdict.

Both wrap :func:`statsmodels.stats.multitest.multipletests`; missing p-values stay missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from statsmodels.stats.multitest import multipletests


def _adjust(p_values: Sequence[float] | np.ndarray, method: str) -> np.ndarray:
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    present = np.isfinite(values)
    if present.any():
        adjusted[present] = multipletests(values[present], method=method)[1]
    return adjusted


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (monotone, at most 1), in the input order; NaN stays NaN."""
    return _adjust(p_values, "holm")


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values, in the input order; NaN stays NaN."""
    return _adjust(p_values, "fdr_bh")
