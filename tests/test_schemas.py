"""Schema validation names the source, the column and the problem."""

from __future__ import annotations

import pandas as pd
import pytest

from talentmarket.errors import DataValidationError
from talentmarket.data.store import read_csv_validated
from talentmarket.data.schemas import AI_SHARE_SCHEMA, schema_for, validate_frame

SOURCE = "indeed_ai_tracker/AI_posting.csv"


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"date": ["2020-01-01", "2020-01-02"], "jobcountry": ["US", "US"], "AI_share_postings": [1.5, 1.6]})


def test_valid_frame_is_coerced_to_schema_types() -> None:
    frame = validate_frame(_frame(), AI_SHARE_SCHEMA, SOURCE)
    assert str(frame["date"].dtype).startswith("datetime64") and frame["AI_share_postings"].dtype == "float64"


@pytest.mark.parametrize(
    ("mutate", "column", "problem"),
    [
        (lambda f: f.rename(columns={"AI_share_postings": "share"}), "AI_share_postings", "missing column"),
        (lambda f: f.assign(AI_share_postings=["1.5", "high"]), "AI_share_postings", "wrong type"),
        (lambda f: f.assign(AI_share_postings=[1.5, 140.0]), "AI_share_postings", "fail in_range"),
        (lambda f: f.assign(jobcountry=["US", "usa"]), "jobcountry", "'usa'"),
        (lambda f: f.assign(date=["2020-01-01", "2020-01-01"]), "date", "duplicated key rows"),
        (lambda f: f.iloc[0:0], None, "no rows"),
    ],
)
def test_bad_input_is_named(mutate, column: str | None, problem: str) -> None:
    with pytest.raises(DataValidationError, match=problem) as error:
        validate_frame(mutate(_frame()), AI_SHARE_SCHEMA, SOURCE)
    assert error.value.source == SOURCE and error.value.column == column
    assert str(error.value).startswith(SOURCE)


def test_every_real_file_kind_has_a_schema() -> None:
    assert schema_for("aijobs_net_salaries", "salaries.csv") is schema_for("devops_jobs_net_salaries", "salaries.csv")
    with pytest.raises(KeyError, match="no schema registered"):
        schema_for("indeed_ai_tracker", "other.csv")


def test_salary_currencies_must_be_iso_4217_codes_on_every_read(tmp_path) -> None:
    row = {"work_year": 2024, "experience_level": "SE", "employment_type": "FT", "job_title": "ML Engineer",
           "salary": 150_000, "salary_currency": "USD", "salary_in_usd": 150_000, "employee_residence": "US",
           "remote_ratio": 0, "company_location": "US", "company_size": "L"}
    path = tmp_path / "salaries.csv"
    pd.DataFrame([row, {**row, "salary_currency": "XYZ"}, {**row, "salary_currency": "usd"}]).to_csv(path, index=False)
    with pytest.raises(DataValidationError, match=r"unknown currency code.*'XYZ', 'usd'") as error:
        read_csv_validated(path, "aijobs_net_salaries", "salaries.csv")
    assert error.value.column == "salary_currency"
