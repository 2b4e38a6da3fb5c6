"""Schema validation names the source, the column and the problem."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from talentmarket.data.schemas import (
    AI_SHARE_SCHEMA,
    SALARY_SCHEMA,
    Column,
    schema_for,
    validate_frame,
)
from talentmarket.data.store import read_csv_validated
from talentmarket.errors import DataValidationError

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


SALARY_ROW = {"work_year": 2024, "experience_level": "SE", "employment_type": "FT", "job_title": "ML Engineer",
              "salary": 150_000, "salary_currency": "USD", "salary_in_usd": 150_000, "employee_residence": "US",
              "remote_ratio": 0, "company_location": "US", "company_size": "L"}


def test_salary_currencies_must_be_iso_4217_codes_on_every_read(tmp_path) -> None:
    row = SALARY_ROW
    path = tmp_path / "salaries.csv"
    pd.DataFrame([row, {**row, "salary_currency": "XYZ"}, {**row, "salary_currency": "usd"}]).to_csv(path, index=False)
    with pytest.raises(DataValidationError, match=r"unknown currency code.*'XYZ', 'usd'") as error:
        read_csv_validated(path, "aijobs_net_salaries", "salaries.csv")
    assert error.value.column == "salary_currency"


def test_namibia_stays_a_country_code_while_na_still_marks_a_missing_number(tmp_path: Path) -> None:
    path = tmp_path / "salaries.csv"
    path.write_text("work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,"
                    "employee_residence,remote_ratio,company_location,company_size\n"
                    "2024,SE,FT,ML Engineer,900000,NAD,50000,NA,0,NA,M\n", encoding="utf-8")
    frame = read_csv_validated(path, "aijobs_net_salaries", "salaries.csv")
    assert frame.loc[0, "employee_residence"] == "NA" and frame.loc[0, "company_location"] == "NA"
    wages = tmp_path / "wages.csv"
    wages.write_text("jobcountry,country,month,n_obs,posted_wage_growth_yoy,posted_wage_growth_yoy_3moavg\n"
                     "NA,Namibia,Jan-24,10,NA,0.02\n", encoding="utf-8")
    frame = read_csv_validated(wages, "indeed_wage_tracker", "posted-wage-growth-by-country.csv")
    assert frame.loc[0, "jobcountry"] == "NA" and pd.isna(frame.loc[0, "posted_wage_growth_yoy"])


def test_duplicated_column_name_is_refused_with_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "salaries.csv"
    header = ",".join(SALARY_ROW) + ",salary"
    path.write_text(header + "\n" + ",".join(map(str, SALARY_ROW.values())) + ",1\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="column name appears 2 times in the header of salaries.csv") as error:
        read_csv_validated(path, "aijobs_net_salaries", "salaries.csv")
    assert error.value.column == "salary" and error.value.source == "aijobs_net_salaries/salaries.csv"


def test_directory_given_as_a_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "salaries.csv"
    folder.mkdir()
    with pytest.raises(DataValidationError, match="salaries.csv is a directory, expected a CSV file"):
        read_csv_validated(folder, "aijobs_net_salaries", "salaries.csv")


def test_schema_fingerprint_changes_with_any_check() -> None:
    base = SALARY_SCHEMA.fingerprint()
    assert base == replace(SALARY_SCHEMA).fingerprint()
    looser = replace(SALARY_SCHEMA, columns={**SALARY_SCHEMA.columns, "salary": Column("float", checks=(pa.Check.ge(0),))})
    nullable = replace(SALARY_SCHEMA, columns={**SALARY_SCHEMA.columns, "salary": replace(SALARY_SCHEMA.columns["salary"], nullable=True)})
    assert len({base, looser.fingerprint(), nullable.fingerprint()}) == 3
