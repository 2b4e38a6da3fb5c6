"""The shared OLS: the same coefficients and HC1 / CR1 covariances as statsmodels (dense and sparse
designs), contrasts and Wald tests, weighted refits, the percent transform, recovery of a known
truth with nominal coverage, and clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import sparse

from talentmarket.errors import ParameterError
from talentmarket.stats.regression import Estimate, fit_ols, log_to_percent, solve_least_squares

NAMES = ["const", "treated", "level=b", "level=c"]
TRUE_PARAMS = np.array([1.0, 0.25, -0.5, 0.3])


def _clustered_sample(seed: int, clusters: int = 120, per_cluster: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Design (intercept, treatment at the cluster level, a three-level factor), outcome with a cluster
    effect and heteroskedastic noise, and the cluster labels."""
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(clusters), per_cluster)
    treated = rng.integers(0, 2, clusters)[group]
    level = rng.integers(0, 3, len(group))
    design = np.column_stack([np.ones(len(group)), treated, level == 1, level == 2]).astype(float)
    noise = rng.normal(0, 0.5, clusters)[group] + rng.normal(0, 0.3 + 0.4 * treated)
    return design, design @ TRUE_PARAMS + noise, group


def test_hc1_and_cluster_robust_fits_equal_statsmodels() -> None:
    design, y, group = _clustered_sample(1)
    clustered = fit_ols(design, y, NAMES, clusters=group)
    reference = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": group})
    np.testing.assert_allclose(clustered.params, reference.params, rtol=1e-10)
    np.testing.assert_allclose(clustered.cov, reference.cov_params(), rtol=1e-10)
    assert clustered.n_clusters == 120 and clustered.n_obs == 480
    robust = fit_ols(design, y, NAMES)
    np.testing.assert_allclose(robust.cov, sm.OLS(y, design).fit(cov_type="HC1").cov_params(), rtol=1e-10)
    assert robust.n_clusters is None


def test_a_sparse_design_gives_the_dense_fit() -> None:
    design, y, group = _clustered_sample(2)
    dense, sparse_fit = fit_ols(design, y, NAMES, clusters=group), fit_ols(sparse.csr_matrix(design), y, NAMES, clusters=group)
    np.testing.assert_allclose(sparse_fit.params, dense.params, rtol=1e-10)
    np.testing.assert_allclose(sparse_fit.cov, dense.cov, rtol=1e-10)


def test_contrasts_and_wald_test_equal_statsmodels() -> None:
    design, y, group = _clustered_sample(3)
    fit = fit_ols(design, y, NAMES, clusters=group)
    reference = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": group})
    difference = fit.contrast({"level=b": 1.0, "level=c": -1.0})
    t_test = reference.t_test(np.array([[0, 0, 1.0, -1.0]]))
    assert difference.value == pytest.approx(float(t_test.effect[0]), rel=1e-10)
    assert difference.se == pytest.approx(float(t_test.sd[0, 0]), rel=1e-10)
    assert difference.p_value == pytest.approx(float(t_test.pvalue), rel=1e-8)
    statistic, df, p_value = fit.wald_equal(["level=b", "level=c", "treated"])
    wald = reference.wald_test(np.array([[0, -1.0, 1.0, 0], [0, 0, 1.0, -1.0]]), scalar=True)
    assert (statistic, df) == (pytest.approx(float(wald.statistic), rel=1e-8), 2)
    assert p_value == pytest.approx(float(wald.pvalue), rel=1e-6)
    assert fit.coefficient("treated").interval() == pytest.approx(tuple(reference.conf_int()[1]), rel=1e-10)


def test_weighted_refit_equals_statsmodels_wls_and_ignores_an_undrawn_level() -> None:
    design, y, _ = _clustered_sample(4)
    weights = np.random.default_rng(0).poisson(1.0, len(y)).astype(float)
    coefficients, residuals = solve_least_squares(sparse.csr_matrix(design), y, weights)
    np.testing.assert_allclose(coefficients, sm.WLS(y, design, weights=weights).fit().params, rtol=1e-9)
    np.testing.assert_allclose(residuals, y - design @ coefficients)
    undrawn = weights * (design[:, 3] == 0)
    coefficients, _ = solve_least_squares(design, y, undrawn)
    kept = undrawn > 0
    assert coefficients[3] == 0.0
    np.testing.assert_allclose(coefficients[:3], sm.WLS(y[kept], design[kept, :3], weights=undrawn[kept]).fit().params, rtol=1e-9)


def test_percent_effect_transforms_the_estimate_and_both_bounds() -> None:
    estimate = Estimate(np.log(1.5), 0.1)
    percent, low, high = estimate.percent()
    assert percent == pytest.approx(50.0)
    assert (low, high) == pytest.approx((100 * (1.5 * np.exp(-1.959964 * 0.1) - 1), 100 * (1.5 * np.exp(1.959964 * 0.1) - 1)))
    np.testing.assert_allclose(log_to_percent(np.array([0.0, np.log(0.8)])), [0.0, -20.0])
    assert np.isnan(Estimate(0.2, 0.0).p_value)


@pytest.mark.slow
def test_cluster_robust_intervals_recover_the_truth_about_95_percent_of_the_time() -> None:
    covered = []
    for seed in range(300):
        design, y, group = _clustered_sample(100 + seed, clusters=80, per_cluster=5)
        low, high = fit_ols(design, y, NAMES, clusters=group).coefficient("treated").interval()
        covered.append(low <= TRUE_PARAMS[1] <= high)
    assert 0.91 <= np.mean(covered) <= 0.98


def test_bad_input_is_refused_clearly() -> None:
    design, y, group = _clustered_sample(5)
    with pytest.raises(ParameterError, match="at least 2 clusters"):
        fit_ols(design, y, NAMES, clusters=np.zeros(len(y)))
    with pytest.raises(ParameterError, match="no cluster label"):
        fit_ols(design, y, NAMES, clusters=pd.Series(group, dtype="float").where(group > 0))
    with pytest.raises(ParameterError, match="3 names for 4 design columns"):
        fit_ols(design, y, NAMES[:3])
    with pytest.raises(ParameterError, match="y has 10 values"):
        fit_ols(design, y[:10], NAMES)
    with pytest.raises(ParameterError, match="cannot identify"):
        fit_ols(design[:3], y[:3], NAMES)
    with pytest.raises(ParameterError, match="no coefficient 'slope'"):
        fit_ols(design, y, NAMES).coefficient("slope")
