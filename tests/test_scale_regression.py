"""Cell-compressed OLS: identical to statsmodels on the rows (estimates, HC1 and clustered errors, CIs),
recovers the synthetic truth, covers it at the nominal rate, and rejects bad input clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.scale import (
    SALARY_FIELDS, CellOLS, compress_to_cells, connect, fit_cell_ols, synthetic_salaries, write_synthetic_salaries,
)
from talentmarket.scale.aggregations import ai_flag
from talentmarket.scale.engine import execute, open_table
from talentmarket.scale.regression import fit_cells
from talentmarket.scale.generate import AI_PREMIUM_LOG, SalaryTruth

CONTROLS = ["experience_level", "work_year", "company_location", "company_size", "remote_ratio", "employment_type"]
EXACT = 1e-9


@pytest.fixture(scope="module")
def salaries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("salaries")
    write_synthetic_salaries(directory, 20_000, seed=2, employers=300)
    return directory


@pytest.fixture(scope="module")
def salary_frame(salaries: Path) -> pd.DataFrame:
    return pd.read_parquet(salaries)


def _statsmodels_names(names: pd.Index) -> dict[str, str]:
    """statsmodels' formula names (``C(x)[T.a]``, ``is_ai[T.True]``) → ours (``x[T.a]``, ``is_ai``)."""
    return {name: name.replace("C(", "").replace(")[", "[").replace("[T.True]", "") for name in names}


@pytest.fixture(scope="module")
def log_salary_model(salary_frame: pd.DataFrame):
    """statsmodels' row-level model of log salary on the AI flag and the controls, built once (its formula
    design is most of the cost) and fitted with each covariance type a test compares."""
    return _row_level_model(salary_frame, "np.log(salary_in_usd)", ["is_ai"], CONTROLS)


def _row_level_model(frame: pd.DataFrame, outcome: str, regressors: list[str], controls: list[str]):
    return smf.ols(f"{outcome} ~ " + " + ".join([*regressors, *(f"C({c})" for c in controls)]), frame)


def _row_level_fit(model, **fit_options):
    fit = model.fit(use_t=True, **fit_options)
    names = _statsmodels_names(fit.params.index)
    order = [names[name] for name in fit.params.index]
    return (
        fit.params.rename(names).loc[sorted(order)], fit.bse.rename(names).loc[sorted(order)],
        fit.conf_int().rename(index=names).loc[sorted(order)],
    )


def assert_same_fit(fit: CellOLS, params: pd.Series, bse: pd.Series, ci: pd.DataFrame) -> None:
    """Coefficients, SEs and CIs equal to statsmodels' (compared by name: statsmodels orders terms its own way)."""
    assert sorted(fit.params.index) == list(params.index)
    np.testing.assert_allclose(fit.params.sort_index(), params, rtol=EXACT)
    np.testing.assert_allclose(fit.bse.sort_index(), bse, rtol=EXACT)
    np.testing.assert_allclose(fit.conf_int().sort_index(), ci, rtol=EXACT)


def test_estimates_and_hc1_errors_equal_statsmodels_on_the_rows(salaries, log_salary_model):
    cells = fit_cell_ols(salaries, categorical=CONTROLS)
    params, bse, ci = _row_level_fit(log_salary_model, cov_type="HC1")
    assert_same_fit(cells, params, bse, ci)
    assert (cells.cov_type, cells.n_obs, cells.df_inference) == ("HC1", 20_000, 20_000 - len(params))
    assert cells.n_cells < cells.n_obs
    assert list(cells.params.index[:3]) == ["Intercept", "is_ai", "experience_level[T.EX]"]


def test_clustered_errors_equal_statsmodels_cluster_robust_fit(salaries, salary_frame, log_salary_model):
    cells = fit_cell_ols(salaries, categorical=CONTROLS, cluster="employer_id")
    params, bse, ci = _row_level_fit(log_salary_model, cov_type="cluster", cov_kwds={"groups": salary_frame["employer_id"]})
    _, hc1_bse, _ = _row_level_fit(log_salary_model, cov_type="HC1")
    assert_same_fit(cells, params, bse, ci)
    np.testing.assert_allclose(np.sqrt(np.diag(cells.cov_hc1.sort_index().sort_index(axis=1))), hc1_bse, rtol=EXACT)
    assert (cells.cov_type, cells.n_clusters, cells.df_inference) == ("cluster", 300, 299)
    assert cells.bse["is_ai"] > 1.2 * hc1_bse["is_ai"]


def test_unlogged_outcome_and_numeric_regressors_are_exact_too(salaries, salary_frame):
    cells = fit_cell_ols(salaries, outcome="salary_in_usd", regressors=["is_ai", "remote_ratio"],
                         categorical=["experience_level"], log_outcome=False)
    model = _row_level_model(salary_frame, "salary_in_usd", ["is_ai", "remote_ratio"], ["experience_level"])
    params, bse, ci = _row_level_fit(model, cov_type="HC1")
    assert_same_fit(cells, params, bse, ci)
    assert cells.outcome == "salary_in_usd"


def test_ai_flag_derived_from_job_titles_gives_the_same_fit(salaries):
    with open_table(salaries, SALARY_FIELDS) as table:
        from_titles = table.drop("is_ai").mutate(is_ai=ai_flag(table.drop("is_ai"), "job_title"))
        derived = fit_cell_ols(from_titles, categorical=CONTROLS)
    stored = fit_cell_ols(salaries, categorical=CONTROLS)
    pd.testing.assert_series_equal(derived.params, stored.params)


def test_recovers_the_true_premium_and_seniority_gap(tmp_path):
    truth = write_synthetic_salaries(tmp_path, 300_000, seed=8)
    fit = fit_cell_ols(tmp_path, categorical=CONTROLS, cluster="employer_id")
    ci = fit.conf_int()
    assert ci.loc["is_ai", "ci_low"] < truth.ai_premium_log < ci.loc["is_ai", "ci_high"]
    levels = truth.effects()["experience_level"]
    senior_gap = levels["SE"] - levels["EN"]
    assert ci.loc["experience_level[T.SE]", "ci_low"] < senior_gap < ci.loc["experience_level[T.SE]", "ci_high"]
    estimate, low, high = fit.percent_effect("is_ai")
    assert low < truth.ai_premium_pct < high
    assert high - low < 2.0
    summary = fit.summary()
    assert list(summary.columns) == ["coef", "se", "t", "p", "ci_low", "ci_high"]
    assert summary.loc["is_ai", "p"] < 1e-10


def test_the_synthetic_salary_view_holds_the_rows_written_to_parquet(salaries, salary_frame):
    backend = connect()
    try:
        view, truth = synthetic_salaries(backend, 20_000, seed=2, employers=300)
        pd.testing.assert_frame_equal(execute(view), salary_frame, check_exact=True)
    finally:
        backend.disconnect()
    assert truth == SalaryTruth(seed=2, rows=20_000, employers=300)


@pytest.mark.slow
def test_clustered_interval_covers_the_true_premium_about_95_percent_of_the_time():
    """400 independent samples of ~3,000 rows and 150 employers each, drawn as blocks of employers of
    one synthetic set (employer effects are drawn per employer, so blocks are independent). The rows are
    read once, so they come from the generator's view rather than a Parquet file written and read back."""
    draws, employers = 400, 150
    controls = ["experience_level", "company_location"]
    backend = connect()
    try:
        table, _ = synthetic_salaries(backend, draws * 3_000, seed=99, employers=draws * employers)
        blocks = table.mutate(sample=table.employer_id // employers)
        cells = execute(compress_to_cells(blocks, "salary_in_usd", ["is_ai"], [*controls, "sample"], cluster="employer_id"))
    finally:
        backend.disconnect()
    covered = 0
    for _, sample in cells.groupby("sample"):
        ci = fit_cells(sample, ["is_ai"], controls, cluster="employer_id").conf_int()
        covered += ci.loc["is_ai", "ci_low"] < AI_PREMIUM_LOG < ci.loc["is_ai", "ci_high"]
    assert 0.92 <= covered / draws <= 0.98


def _damaged(frame: pd.DataFrame, tmp_path: Path, **columns) -> Path:
    path = tmp_path / "damaged.parquet"
    frame.assign(**columns).to_parquet(path, index=False)
    return path


def test_bad_outcomes_and_missing_keys_are_reported_with_the_column(salary_frame, tmp_path):
    path = _damaged(salary_frame, tmp_path, salary_in_usd=salary_frame.salary_in_usd.where(salary_frame.index > 1, -5.0))
    with pytest.raises(DataValidationError, match="2 rows are missing or not positive") as caught:
        fit_cell_ols(path, categorical=CONTROLS)
    assert caught.value.column == "salary_in_usd"
    path = _damaged(salary_frame, tmp_path, company_size=salary_frame.company_size.where(salary_frame.index != 3))
    with pytest.raises(DataValidationError, match="1 rows have no value") as caught:
        fit_cell_ols(path, categorical=CONTROLS)
    assert caught.value.column == "company_size"


def test_missing_and_mistyped_columns_fail_before_any_scan(salary_frame, tmp_path):
    with pytest.raises(DataValidationError, match="missing column") as caught:
        fit_cell_ols(_damaged(salary_frame.drop(columns="work_year"), tmp_path), categorical=CONTROLS)
    assert caught.value.column == "work_year"
    with pytest.raises(DataValidationError, match="expected a number or a boolean"):
        fit_cell_ols(_damaged(salary_frame, tmp_path, is_ai=salary_frame.is_ai.astype("str")), categorical=CONTROLS)


def test_collinear_controls_and_bad_specifications_are_rejected(salaries):
    with pytest.raises(ParameterError, match="rank"):
        fit_cell_ols(salaries, categorical=["company_location", "employee_residence"])
    with pytest.raises(ParameterError, match="used twice"):
        fit_cell_ols(salaries, categorical=["is_ai"])
    with pytest.raises(ParameterError, match="not a single string"):
        fit_cell_ols(salaries, categorical="work_year")
    with pytest.raises(ParameterError, match="at least 2 clusters"):
        fit_cell_ols(salaries, categorical=["work_year"], cluster="salary_currency")
    with pytest.raises(ParameterError, match="no coefficient 'remote'"):
        fit_cell_ols(salaries).percent_effect("remote")


def test_cells_fitted_directly_fold_onto_distinct_cells_and_name_a_missing_key(salaries):
    """fit_cells folds cluster × cell rows onto the distinct cells: the same fit whatever the row order,
    and a key with no value is named instead of being read as the base level."""
    with open_table(salaries, SALARY_FIELDS) as table:
        cells = execute(compress_to_cells(table, "salary_in_usd", ["is_ai"], CONTROLS, cluster="employer_id"))
    fit = fit_cells(cells, ["is_ai"], CONTROLS, cluster="employer_id")
    shuffled = fit_cells(cells.sample(frac=1.0, random_state=1), ["is_ai"], CONTROLS, cluster="employer_id")
    np.testing.assert_allclose(shuffled.params, fit.params, rtol=EXACT)
    np.testing.assert_allclose(shuffled.cov, fit.cov, rtol=1e-8)
    assert fit.n_cells == len(cells) and fit.n_clusters == 300
    with pytest.raises(ParameterError, match="1 rows have no 'company_size' value"):
        fit_cells(cells.assign(company_size=cells.company_size.where(cells.index != 0)), ["is_ai"], CONTROLS)
    with pytest.raises(ParameterError, match="1 rows have no 'employer_id' label"):
        fit_cells(cells.assign(employer_id=cells.employer_id.where(cells.index != 0)), ["is_ai"], CONTROLS,
                  cluster="employer_id")
