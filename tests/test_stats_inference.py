"""Cluster-robust inference (talentmarket.stats.inference): agreement with pyfixest and statsmodels, and coverage.

The Monte Carlo design mimics the salary data behind "AI roles pay more than comparable non-AI roles":
18 job titles (8 AI, 10 comparison) with concentrated shares, a title pay effect (SD 0.10 log points)
shared by all postings of a title, a true AI premium of 0.15 log points, seniority and year controls
that differ between AI and other roles, and posting noise with SD 0.35. Each replication's intervals
come from the same code paths as the analyses: the wild bootstrap from :func:`wild_cluster_bootstrap`,
and CRV1/CV3/HC1 from a cluster-compressed fast path checked against pyfixest to 1e-8 below.
Run with ``-s`` to see the coverage table. Its 500 replications (seeds 1000–1499) print wild 0.930,
CV3 0.922, CRV1 0.884, HC1 0.364 (MCSE ≈ 0.011); 10,000 replications of the same design give wild 0.947,
CV3 0.945, CV3 with pyfixest's scaling 0.956, CRV1 0.899 (0.870 with normal critical values), HC1 0.353.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest
import pytest
from scipy import sparse, stats
from talentmarket.errors import ParameterError
from talentmarket.stats.inference import (
    ClusteredEstimate,
    Inference,
    effective_clusters,
    few_points_trend,
    fit_clustered,
    jackknife_over_units,
    wild_cluster_bootstrap,
)
from talentmarket.stats.regression import quantile

AI_TITLE_SHARES = np.array([0.42, 0.10, 0.09, 0.08, 0.08, 0.08, 0.08, 0.07])
"""Shares of the AI rows: "Machine Learning Engineer" first (1/Σ share² ≈ 4.4 effective titles)."""
OTHER_TITLE_SHARES = np.array([0.21, 0.12, 0.10, 0.09, 0.09, 0.08, 0.08, 0.08, 0.08, 0.07])
"""Shares of the comparison rows: "Security Engineer" 21%, "Software Engineer" 12%."""
SENIORITY = np.array(["EN", "MI", "SE", "EX"])
SENIORITY_PAY = np.array([-0.30, 0.0, 0.25, 0.50])
SENIORITY_MIX = {True: [0.10, 0.30, 0.45, 0.15], False: [0.18, 0.37, 0.37, 0.08]}
YEARS = np.array([2022, 2023, 2024, 2025])
YEAR_PAY = np.array([0.0, 0.03, 0.05, 0.08])
YEAR_MIX = {True: [0.10, 0.20, 0.30, 0.40], False: [0.20, 0.25, 0.28, 0.27]}
PREMIUM = 0.15
FORMULA = "log_salary ~ ai | seniority + year"

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")
"""pyfixest 0.60 calls pandas methods with ``inplace=True``, which pandas 3 deprecates."""

REPLICATIONS = 500
"""Monte Carlo replications: MCSE of a 95% coverage rate ≈ 0.01."""
BOOTSTRAP_DRAWS = 999


def _draw(seed: int, n_postings: int, premium: float, title_sd: float, noise_sd: float, ai_share: float) -> dict[str, np.ndarray]:
    """One sample as arrays: title, AI flag, seniority and year codes, log salary."""
    rng = np.random.default_rng(seed)
    shares = np.concatenate([ai_share * AI_TITLE_SHARES, (1 - ai_share) * OTHER_TITLE_SHARES])
    title = rng.choice(len(shares), size=n_postings, p=shares)
    ai = title < len(AI_TITLE_SHARES)
    seniority = np.where(ai, rng.choice(4, n_postings, p=SENIORITY_MIX[True]), rng.choice(4, n_postings, p=SENIORITY_MIX[False]))
    year = np.where(ai, rng.choice(4, n_postings, p=YEAR_MIX[True]), rng.choice(4, n_postings, p=YEAR_MIX[False]))
    title_pay = rng.normal(0.0, title_sd, len(shares))
    noise = rng.normal(0.0, noise_sd, n_postings)
    log_salary = 11.5 + premium * ai + title_pay[title] + SENIORITY_PAY[seniority] + YEAR_PAY[year] + noise
    return {"title": title, "ai": ai.astype(float), "seniority": seniority, "year": year, "log_salary": log_salary}


def simulate_title_clustered_salaries(
    seed: int,
    n_postings: int = 3000,
    *,
    premium: float = PREMIUM,
    title_sd: float = 0.10,
    noise_sd: float = 0.35,
    ai_share: float = 0.35,
) -> pd.DataFrame:
    """Postings with title-level pay effects: columns log_salary, ai, title, title_id, seniority, year."""
    sample = _draw(seed, n_postings, premium, title_sd, noise_sd, ai_share)
    names = [f"AI title {i}" for i in range(len(AI_TITLE_SHARES))] + [f"Other title {i}" for i in range(len(OTHER_TITLE_SHARES))]
    return pd.DataFrame({
        "log_salary": sample["log_salary"],
        "ai": sample["ai"],
        "title": np.array(names)[sample["title"]],
        "title_id": sample["title"],
        "seniority": SENIORITY[sample["seniority"]],
        "year": YEARS[sample["year"]],
    })


def _dense_design(sample: dict[str, np.ndarray]) -> np.ndarray:
    """Intercept, AI flag, and dummies for seniority and year (first level left out)."""
    dummies = [sample["seniority"] == level for level in (1, 2, 3)] + [sample["year"] == level for level in (1, 2, 3)]
    return np.column_stack([np.ones(len(sample["ai"])), sample["ai"], *dummies]).astype(float)


def _fast_standard_errors(y: np.ndarray, design: np.ndarray, clusters: np.ndarray, column: int) -> dict[str, float]:
    """Coefficient and CRV1, CV3 (MNW scaling), pyfixest-scaled CRV3 and HC1 SEs, from cluster sums of X'X and X'y."""
    n, k = design.shape
    n_clusters = int(clusters.max()) + 1
    member = sparse.csr_array((np.ones(n), (clusters, np.arange(n))), shape=(n_clusters, n))
    gram, moment = design.T @ design, design.T @ y
    bread = np.linalg.inv(gram)
    beta = bread @ moment
    residuals = y - design @ beta
    scores = design * residuals[:, None]
    cluster_scores = member @ scores
    crv1 = n_clusters / (n_clusters - 1) * (n - 1) / (n - k) * bread @ cluster_scores.T @ cluster_scores @ bread
    hc1 = n / (n - k) * bread @ scores.T @ scores @ bread
    cluster_grams = (member @ (design[:, :, None] * design[:, None, :]).reshape(n, k * k)).reshape(n_clusters, k, k)
    cluster_moments = member @ (design * y[:, None])
    leave_out = np.linalg.solve(gram[None] - cluster_grams, (moment[None] - cluster_moments)[:, :, None])[:, :, 0]
    jackknife = float(((leave_out[:, column] - beta[column]) ** 2).sum())
    return {
        "value": float(beta[column]),
        "crv1": float(np.sqrt(crv1[column, column])),
        "cv3": float(np.sqrt((n_clusters - 1) / n_clusters * jackknife)),
        "cv3_pyfixest_scaling": float(np.sqrt(n_clusters / (n_clusters - 1) * (n - 1) / (n - k) * jackknife)),
        "hc1": float(np.sqrt(hc1[column, column])),
    }


@pytest.fixture(scope="module")
def postings() -> pd.DataFrame:
    return simulate_title_clustered_salaries(seed=11)


@pytest.fixture(scope="module")
def monte_carlo() -> dict[str, np.ndarray]:
    """Whether each method's 95% interval covers the true premium, replication by replication."""
    covered: dict[str, list[bool]] = {m: [] for m in ("wild", "cv3", "cv3_pyfixest_scaling", "crv1", "crv1_normal", "hc1")}
    tested = np.eye(8)[1]
    for replication in range(REPLICATIONS):
        sample = _draw(1_000 + replication, 3000, PREMIUM, 0.10, 0.35, 0.35)
        y, design, titles = sample["log_salary"], _dense_design(sample), np.unique(sample["title"], return_inverse=True)[1]
        n_clusters = int(titles.max()) + 1
        fast = _fast_standard_errors(y, design, titles, column=1)
        t_critical = quantile(0.975, n_clusters - 1)  # scipy's t.ppf without its per-call overhead, the same number
        miss = abs(fast["value"] - PREMIUM)
        for method in ("cv3", "cv3_pyfixest_scaling", "crv1"):
            covered[method].append(miss <= t_critical * fast[method])
        covered["crv1_normal"].append(miss <= quantile(0.975, None) * fast["crv1"])
        covered["hc1"].append(miss <= quantile(0.975, len(y) - design.shape[1]) * fast["hc1"])
        wild = wild_cluster_bootstrap(y, design, titles, tested, reps=BOOTSTRAP_DRAWS, seed=replication)
        covered["wild"].append(wild.ci_low <= PREMIUM <= wild.ci_high)
    rates = {method: np.asarray(flags) for method, flags in covered.items()}
    print(f"\ncoverage of nominal 95% intervals, {REPLICATIONS} replications (wild: {BOOTSTRAP_DRAWS} draws)")
    for method, flags in rates.items():
        rate = flags.mean()
        print(f"  {method:<22} {rate:.3f}  (MCSE {np.sqrt(rate * (1 - rate) / len(flags)):.3f})")
    return rates


@pytest.mark.slow
def test_default_wild_bootstrap_covers_about_95_percent(monte_carlo):
    rate = monte_carlo["wild"].mean()
    assert 0.90 <= rate <= 0.985, f"wild bootstrap coverage {rate:.3f}"


@pytest.mark.slow
def test_cv3_with_t_critical_values_covers_about_95_percent(monte_carlo):
    rate = monte_carlo["cv3"].mean()
    assert 0.90 <= rate <= 0.985, f"CV3 coverage {rate:.3f}"


@pytest.mark.slow
def test_posting_level_errors_under_cover_badly(monte_carlo):
    """Why we cluster by title: HC1 treats 3,000 postings as independent when 18 title effects drive the premium."""
    assert monte_carlo["hc1"].mean() < 0.7
    assert monte_carlo["crv1_normal"].mean() < monte_carlo["cv3"].mean()


@pytest.fixture(scope="module")
def pyfixest_fits(postings) -> dict[str, object]:
    """pyfixest's own fits of the test data, with its default small-sample corrections."""
    vcovs = {"crv1": {"CRV1": "title"}, "crv3": {"CRV3": "title"}, "hc1": "HC1"}
    return {name: pyfixest.feols(FORMULA, data=postings, vcov=vcov) for name, vcov in vcovs.items()}


@pytest.fixture(scope="module")
def analytic(postings) -> dict[str, ClusteredEstimate]:
    return {m: fit_clustered(postings, FORMULA, cluster="title", coefficient="ai", method=m) for m in ("crv1", "cv3", "hc1")}


def test_fast_path_matches_pyfixest_to_1e_8(pyfixest_fits, analytic):
    sample = _draw(11, 3000, PREMIUM, 0.10, 0.35, 0.35)
    fast = _fast_standard_errors(sample["log_salary"], _dense_design(sample), sample["title"], column=1)
    assert fast["value"] == pytest.approx(pyfixest_fits["crv1"].coef()["ai"], abs=1e-10)
    assert fast["crv1"] == pytest.approx(pyfixest_fits["crv1"].se()["ai"], abs=1e-8)
    assert fast["cv3_pyfixest_scaling"] == pytest.approx(pyfixest_fits["crv3"].se()["ai"], abs=1e-8)
    assert fast["hc1"] == pytest.approx(pyfixest_fits["hc1"].se()["ai"], abs=1e-8)
    assert analytic["cv3"].se == pytest.approx(fast["cv3"], abs=1e-8)


def test_crv1_matches_pyfixest_with_t_g_minus_1(pyfixest_fits, analytic):
    ours, theirs = analytic["crv1"], pyfixest_fits["crv1"]
    low, high = theirs.confint().loc["ai"]
    assert ours.se == pytest.approx(theirs.se()["ai"], rel=1e-9)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((low, high), rel=1e-9)
    assert ours.p_value == pytest.approx(theirs.pvalue()["ai"], rel=1e-7)
    assert ours.inference.df == theirs._df_t == 17
    assert (ours.inference.clusters, ours.inference.method) == (18, "CRV1, t(G−1)")


def test_cv3_is_pyfixest_jackknife_with_mnw_scaling(postings, pyfixest_fits, analytic):
    """pyfixest scales the jackknife sum by CRV1's G/(G−1)·(N−1)/(N−K); MNW's CV3 by (G−1)/G."""
    ours, theirs = analytic["cv3"], pyfixest_fits["crv3"]
    g, n, k = 18, len(postings), 8
    assert ours.se == pytest.approx(theirs.se()["ai"] * (g - 1) / g / np.sqrt((n - 1) / (n - k)), rel=1e-9)
    assert ours.inference.df == theirs._df_t == g - 1
    half_width = stats.t.ppf(0.975, g - 1) * ours.se
    assert (ours.ci_low, ours.ci_high) == pytest.approx((ours.value - half_width, ours.value + half_width))


def test_hc1_is_pyfixest_hc1_without_clusters(postings, pyfixest_fits, analytic):
    ours = analytic["hc1"]
    assert ours.se == pytest.approx(pyfixest_fits["hc1"].se()["ai"], rel=1e-9)
    assert (ours.inference.cluster, ours.inference.clusters, ours.inference.df) == (None, len(postings), len(postings) - 8)


def test_wild_p_value_agrees_with_pyfixest_wildboottest(postings):
    """Same seed, same Webb draws in the same order: our p-value at 0 is pyfixest's; another seed agrees within MC error."""
    pytest.importorskip("wildboottest")
    draws = 999
    theirs = pyfixest.feols(FORMULA, data=postings, vcov={"CRV1": "title_id"}).wildboottest(
        param="ai", reps=draws, cluster="title_id", weights_type="webb", impose_null=True, seed=5)
    p = float(theirs["Pr(>|t|)"])
    same_seed = fit_clustered(postings, FORMULA, cluster="title_id", coefficient="ai", method="wild", reps=draws, seed=5)
    other_seed = fit_clustered(postings, FORMULA, cluster="title_id", coefficient="ai", method="wild", reps=draws, seed=6)
    assert same_seed.p_value == pytest.approx(p, abs=1.5 / draws)
    assert abs(other_seed.p_value - p) <= 4 * np.sqrt(2 * max(p * (1 - p), 0.01) / draws)


def test_wild_interval_ends_where_the_p_value_crosses_alpha(postings):
    """Shifting the outcome by θ₀·ai tests θ₀ at zero with the same draws: just inside the interval p > 5%, outside p ≤ 5%."""
    estimate = fit_clustered(postings, FORMULA, cluster="title", coefficient="ai", method="wild", reps=499, seed=3)
    assert estimate.ci_low < estimate.value < estimate.ci_high
    width = estimate.ci_high - estimate.ci_low
    for end, inward in ((estimate.ci_low, 1), (estimate.ci_high, -1)):
        for offset, rejected in ((inward * 1e-4 * width, False), (-inward * 1e-4 * width, True)):
            shifted = postings.assign(log_salary=postings["log_salary"] - (end + offset) * postings["ai"])
            p = fit_clustered(shifted, FORMULA, cluster="title", coefficient="ai", method="wild", reps=499, seed=3).p_value
            assert (p <= 0.05) is rejected, (end, offset, p)


def test_contrast_matches_the_difference_of_coefficients(postings):
    data = postings.assign(senior=(postings["seniority"] == "SE").astype(float))
    formula = "log_salary ~ ai + senior | year"
    fit = pyfixest.feols(formula, data=data, vcov={"CRV1": "title"})
    c = np.array([1.0, -1.0])
    for method in ("crv1", "wild"):
        ours = fit_clustered(data, formula, cluster="title", contrast={"ai": 1, "senior": -1}, method=method)
        assert ours.value == pytest.approx(fit.coef()["ai"] - fit.coef()["senior"], rel=1e-9)
        assert ours.se == pytest.approx(float(np.sqrt(c @ fit._vcov @ c)), rel=1e-7)
    single = fit_clustered(data, formula, cluster="title", contrast={"senior": 1.0}, method="wild")
    assert single.se == pytest.approx(fit.se()["senior"], rel=1e-7)


def test_clusters_are_counted_in_the_estimation_sample(postings):
    data = postings.copy()
    data.loc[data["title"] == "Other title 9", "log_salary"] = np.nan
    estimate = fit_clustered(data, FORMULA, cluster="title", coefficient="ai", method="crv1")
    assert (estimate.inference.clusters, estimate.inference.df) == (17, 16)


def test_inference_record_and_percent():
    inference = Inference("CV3, t(G−1)", "title", 18, np.float64(4.123), 17, None)
    assert inference.as_dict() == {"method": "CV3, t(G−1)", "cluster_variable": "title", "clusters": 18,
                                   "effective_clusters": 4.12, "degrees_of_freedom": 17, "bootstrap_draws": None}
    estimate = ClusteredEstimate(0.1, 0.05, 0.0, 0.2, 0.06, inference)
    assert estimate.percent() == pytest.approx((100 * np.expm1(0.1), 0.0, 100 * np.expm1(0.2)))


def test_effective_clusters_follow_carter_schnepel_steigerwald():
    clusters = np.repeat(np.arange(4), [10, 10, 10, 10])
    assert effective_clusters(np.ones(40), clusters) == pytest.approx(4.0)
    unbalanced = np.repeat(np.arange(4), [70, 10, 10, 10])
    gamma = np.array([70, 10, 10, 10]) ** 2.0
    expected = 4 / (1 + np.var(gamma) / gamma.mean() ** 2)
    assert effective_clusters(np.ones(100), unbalanced) == pytest.approx(expected)
    assert effective_clusters(np.ones(100), unbalanced, rho=0.0) == pytest.approx(4 / (1 + np.var([70, 10, 10, 10]) / 25**2))


def test_the_biggest_ai_title_leaves_few_effective_titles(analytic):
    estimate = analytic["crv1"]
    assert 2 < estimate.inference.effective_clusters < 8 < estimate.inference.clusters



def test_few_points_trend_with_three_points_uses_t1():
    trend = few_points_trend([2022, 2023, 2024], [0.0, 0.10, 0.14])
    assert trend.value == pytest.approx(0.07)
    residuals = np.array([0.0, 0.10, 0.14]) - (0.08 + 0.07 * np.array([-1, 0, 1]))
    assert trend.se == pytest.approx(np.sqrt(residuals @ residuals / 1 / 2))
    assert trend.inference.df == 1
    assert trend.ci_high - trend.value == pytest.approx(stats.t.ppf(0.975, 1) * trend.se)
    with pytest.raises(ParameterError, match="at least 3"):
        few_points_trend([2022, 2023], [0.0, 0.1])


def test_jackknife_of_a_mean_reproduces_the_textbook_standard_error():
    data = pd.DataFrame({"country": list("ABCDEF"), "x": [1.0, 3.0, 2.0, 7.0, 4.0, 5.0]})
    estimate = jackknife_over_units(data, lambda frame: frame["x"].mean(), unit="country")
    assert estimate.value == pytest.approx(data["x"].mean())
    assert estimate.se == pytest.approx(data["x"].std(ddof=1) / np.sqrt(6))
    assert estimate.inference.df == 5
    assert estimate.ci_high - estimate.value == pytest.approx(stats.t.ppf(0.975, 5) * estimate.se)


def test_missing_cluster_column_names_the_parameter(postings):
    with pytest.raises(ParameterError, match="cluster: column 'job_title' not in data"):
        fit_clustered(postings, FORMULA, cluster="job_title", coefficient="ai")


def test_single_cluster_names_the_parameter(postings):
    with pytest.raises(ParameterError, match="cluster: column 'one'.*same cluster"):
        fit_clustered(postings.assign(one="all"), FORMULA, cluster="one", coefficient="ai")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"coefficient": "ai", "method": "bootstrap"}, "method"),
        ({"coefficient": "aii"}, "coefficient.*aii"),
        ({"coefficient": "ai", "contrast": {"ai": 1}}, "exactly one"),
        ({"contrast": {"ai": 0}}, "contrast"),
        ({"coefficient": "ai", "level": 95}, "level"),
        ({"coefficient": "ai", "reps": 10}, "reps"),
        ({"coefficient": "ai", "formula": "log_salary ~ ai | seniority^year"}, "formula.*fe1\\^fe2"),
    ],
)
def test_bad_options_name_the_parameter(postings, options, message):
    options = {"formula": FORMULA, **options}
    with pytest.raises(ParameterError, match=message):
        fit_clustered(postings, options.pop("formula"), cluster="title", **options)
