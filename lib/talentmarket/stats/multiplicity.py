"""Multiplicity, defined once for every claim.

- **Within a claim** (its countries, specifications or sectors: a family declared before looking at the
  data) p-values are Holm-adjusted (:func:`holm`), which controls the family-wise error rate.
- **Across the scorecard** every claim's primary test gets a Benjamini–Hochberg q-value
  (:func:`benjamini_hochberg`), shown beside the verdicts; it never changes a verdict.

Both are the step-down/step-up formulas of :func:`statsmodels.stats.multitest.multipletests`, written out
in NumPy because that function runs a full ``gc.collect()`` on every Holm call (0.17 s each in a notebook
kernel holding many objects; notebook 01 adjusts 43 families). ``tests/test_verdicts.py`` pins both to
statsmodels' results. Missing p-values stay missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def _holm_sorted(p: np.ndarray) -> np.ndarray:
    """Holm on ascending p-values: running maximum of ``(m − k + 1)·p_(k)``."""
    return np.maximum.accumulate(p * np.arange(len(p), 0, -1))


def _bh_sorted(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg on ascending p-values: running minimum from the top of ``p_(k)·m/k``."""
    raw = p / (np.arange(1, len(p) + 1) / float(len(p)))
    return np.minimum.accumulate(raw[::-1])[::-1]


def _adjust(p_values: Sequence[float] | np.ndarray, adjust_sorted: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Apply ``adjust_sorted`` to the finite p-values in ascending order, cap at 1, and restore the input order."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    present = np.flatnonzero(np.isfinite(values))
    if present.size:
        order = np.argsort(values[present])
        adjusted[present[order]] = np.minimum(adjust_sorted(values[present][order]), 1.0)
    return adjusted


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (monotone, at most 1), in the input order; NaN stays NaN."""
    return _adjust(p_values, _holm_sorted)


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values, in the input order; NaN stays NaN."""
    return _adjust(p_values, _bh_sorted)
