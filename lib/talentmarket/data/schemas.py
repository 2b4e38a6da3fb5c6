"""One schema per source file, written once and used two ways: as a pandera
schema for frames in memory, and as the column types DuckDB applies when it scans
the file itself. Validation errors name the source, the column and the problem.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from talentmarket.errors import DataValidationError

_PANDAS_DTYPE = {"str": str, "int": "int64", "float": "float64", "date": "datetime64[ns]"}
_DUCKDB_TYPE = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "date": "DATE"}


@dataclass(frozen=True)
class Column:
    """A column's type, whether it may be missing, and value checks (pandera Checks)."""

    kind: str
    nullable: bool = False
    checks: tuple[pa.Check, ...] = ()


@dataclass(frozen=True)
class FileSchema:
    """The columns one kind of source file must have."""

    columns: dict[str, Column]
    unique: tuple[str, ...] = field(default_factory=tuple)

    def to_pandera(self) -> pa.DataFrameSchema:
        """A pandera schema that coerces types and rejects unknown-looking values."""
        return pa.DataFrameSchema(
            {
                name: pa.Column(_PANDAS_DTYPE[col.kind], checks=list(col.checks), nullable=col.nullable, coerce=True)
                for name, col in self.columns.items()
            },
            unique=list(self.unique) or None,
            strict=False,
        )

    def duckdb_types(self) -> dict[str, str]:
        """Column name → DuckDB type, for ``read_csv(columns=...)``-style typed scans."""
        return {name: _DUCKDB_TYPE[col.kind] for name, col in self.columns.items()}

    def fingerprint(self) -> str:
        """A sha256 of everything the schema checks (columns, types, nullability, checks with their
        parameters, unique keys): it changes whenever the schema does, so cached validated frames
        are keyed by it and a schema edit can never serve a frame checked by the old one."""
        described = [
            (name, col.kind, col.nullable, [(check.name, repr(sorted(check.statistics.items())), str(check.error))
                                            for check in col.checks])
            for name, col in self.columns.items()
        ]
        return hashlib.sha256(repr((described, self.unique)).encode()).hexdigest()


def _isin(values: list | set | tuple) -> pa.Check:
    return pa.Check.isin(sorted(values))


_COUNTRY_2 = pa.Check.str_matches(r"^[A-Z]{2}$")
_POSITIVE = pa.Check.gt(0)

ISO_4217_CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF
    KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR
    MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG
    SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD
    UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()
)
"""ISO 4217 codes of currencies a salary can be paid in (fund, metal and test codes excluded;
HRK and SLL kept because salaries from before their replacement use them)."""
_ISO_CURRENCY = pa.Check.isin(
    sorted(ISO_4217_CURRENCIES), error="ISO 4217: unknown currency code(s), expected codes such as USD, EUR, GBP",
)

SALARY_SCHEMA = FileSchema(
    {
        "work_year": Column("int", checks=(pa.Check.in_range(2015, 2035),)),
        "experience_level": Column("str", checks=(_isin({"EN", "MI", "SE", "EX"}),)),
        "employment_type": Column("str", checks=(_isin({"FT", "PT", "CT", "FL"}),)),
        "job_title": Column("str", checks=(pa.Check.str_length(min_value=1),)),
        "salary": Column("float", checks=(_POSITIVE,)),
        "salary_currency": Column("str", checks=(_ISO_CURRENCY,)),
        "salary_in_usd": Column("float", checks=(_POSITIVE,)),
        "employee_residence": Column("str", checks=(_COUNTRY_2,)),
        "remote_ratio": Column("int", checks=(_isin({0, 50, 100}),)),
        "company_location": Column("str", checks=(_COUNTRY_2,)),
        "company_size": Column("str", checks=(_isin({"S", "M", "L"}),)),
    }
)

AI_SHARE_SCHEMA = FileSchema(
    {
        "date": Column("date"),
        "jobcountry": Column("str", checks=(_COUNTRY_2,)),
        "AI_share_postings": Column("float", checks=(pa.Check.in_range(0, 100),)),
    },
    unique=("date", "jobcountry"),
)

GENAI_SHARE_SCHEMA = FileSchema(
    {
        "date": Column("date"),
        "jobcountry": Column("str", checks=(_COUNTRY_2,)),
        "GenAI_share_postings": Column("float", checks=(pa.Check.in_range(0, 100),)),
    },
    unique=("date", "jobcountry"),
)

AGGREGATE_POSTINGS_SCHEMA = FileSchema(
    {
        "date": Column("date"),
        "jobcountry": Column("str", checks=(_COUNTRY_2,)),
        "indeed_job_postings_index_SA": Column("float", checks=(pa.Check.ge(0),)),
        "indeed_job_postings_index_NSA": Column("float", checks=(pa.Check.ge(0),)),
        "variable": Column("str", checks=(_isin({"total postings", "new postings"}),)),
    },
    unique=("date", "variable"),
)

SECTOR_POSTINGS_SCHEMA = FileSchema(
    {
        "date": Column("date"),
        "jobcountry": Column("str", checks=(_COUNTRY_2,)),
        "indeed_job_postings_index": Column("float", checks=(pa.Check.ge(0),)),
        "variable": Column("str"),
        "display_name": Column("str", checks=(pa.Check.str_length(min_value=1),)),
    },
    unique=("date", "display_name"),
)

STATE_POSTINGS_SCHEMA = FileSchema(
    {
        "date": Column("date"),
        "state": Column("str", checks=(pa.Check.str_matches(r"^[a-z]{2}$"),)),
        "indeed_job_postings_index": Column("float", checks=(pa.Check.ge(0),)),
    },
    unique=("date", "state"),
)

SECTOR_TITLES_SCHEMA = FileSchema({"sector": Column("str"), "job_titles": Column("str")})

_WAGE_GROWTH_COLUMNS = {
    "jobcountry": Column("str", checks=(_COUNTRY_2,)),
    "country": Column("str"),
    "month": Column("str", checks=(pa.Check.str_matches(r"^[A-Z][a-z]{2}-\d{2}$"),)),
    "n_obs": Column("int", checks=(pa.Check.ge(0),)),
    "posted_wage_growth_yoy": Column("float", nullable=True, checks=(pa.Check.in_range(-1, 1),)),
    "posted_wage_growth_yoy_3moavg": Column("float", nullable=True, checks=(pa.Check.in_range(-1, 1),)),
}
WAGE_GROWTH_COUNTRY_SCHEMA = FileSchema(_WAGE_GROWTH_COLUMNS, unique=("jobcountry", "month"))
WAGE_GROWTH_SECTOR_SCHEMA = FileSchema(
    {**_WAGE_GROWTH_COLUMNS, "sector": Column("str")}, unique=("jobcountry", "sector", "month")
)

OWID_AI_SHARE_SCHEMA = FileSchema(
    {
        "Entity": Column("str"),
        "Code": Column("str", nullable=True),
        "Year": Column("int", checks=(pa.Check.in_range(2000, 2035),)),
        "Share of artificial intelligence jobs among all job postings": Column("float", checks=(pa.Check.in_range(0, 100),)),
    },
    unique=("Entity", "Year"),
)

_OEWS_NUMERIC = [
    "employment", "employment_percent_relative_standard_error", "hourly_mean_wage", "annual_mean_wage",
    "wage_percent_relative_standard_error",
    *[f"{unit}_{pct}_wage" for unit in ("hourly", "annual")
      for pct in ("10th_percentile", "25th_percentile", "median", "75th_percentile", "90th_percentile")],
    "employment_per_1_000_jobs", "location_quotient",
]
OEWS_SCHEMA = FileSchema(
    {
        "areatype_code": Column("str", checks=(_isin({"N", "S", "M"}),)),
        "area_code": Column("str", checks=(pa.Check.str_matches(r"^\d{7}$"),)),
        "state_code": Column("str", checks=(pa.Check.str_matches(r"^\d{2}$"),)),
        "area_name": Column("str"),
        "industry_code": Column("str", checks=(pa.Check.str_length(6, 6),)),
        "industry_name": Column("str"),
        "industry_display_level": Column("int", checks=(pa.Check.in_range(0, 5),)),
        "occ_code": Column("str", checks=(pa.Check.str_matches(r"^\d{2}-\d{4}$"),)),
        "occ_title": Column("str"),
        # OEWS marks unreleased numbers with "-" (footnote 8) and leaves not-applicable ones
        # empty: both become missing values when read; talentmarket.data.oews tells them apart.
        **{name: Column("float", nullable=True, checks=(pa.Check.ge(0),)) for name in _OEWS_NUMERIC},
        "footnote_codes": Column("str", nullable=True),
    },
    unique=("areatype_code", "area_code", "industry_code", "occ_code"),
)


def _ncses_table(row_label: str, value_columns: list[str]) -> FileSchema:
    """An NCSES table with hierarchical row labels and value cells stored as text like
    ``"['2,590', 'i']"`` (parsed by :mod:`talentmarket.data.ncses`, which reports bad cells by row)."""
    return FileSchema(
        {
            "table_id": Column("int"),
            "row_id": Column("str", checks=(pa.Check.str_matches(r"^r\d{3}$"),)),
            f"{row_label}_full_path": Column("str"),
            f"{row_label}_hierarchy_depth": Column("int", checks=(pa.Check.in_range(1, 6),)),
            "field_naics_code": Column("str", nullable=True),
            **{name: Column("str") for name in value_columns},
        },
        unique=("row_id",),
    )


NCSES_COMPANIES_COLUMN = "field_companies_number_"
NCSES_AI_USE_2018_SCHEMA = _ncses_table(
    "industry",
    [NCSES_COMPANIES_COLUMN, "field_did_not_use", "field_tested_but_not_used_in_production_or_service",
     "field_low_use", "field_moderate_use", "field_high_use", "field_don_t_know"],
)
NCSES_AI_USE_2021_SCHEMA = _ncses_table(
    "industry", [NCSES_COMPANIES_COLUMN, "field_a_lot", "field_somewhat", "field_a_little", "field_not_at_all"]
)
NCSES_AI_WORKERS_SCHEMA = _ncses_table(
    "industry",
    [NCSES_COMPANIES_COLUMN]
    + [f"field_{workers}_workers_{change}"
       for workers in ("production", "nonproduction", "supervisory", "nonsupervisory")
       for change in ("increased", "decreased", "did_not_change", "did_not_employ")],
)
NCSES_BERD_SCHEMA = _ncses_table(
    "industry_and_company_size",
    [f"field_{part}_{quantity}"
     for part in ("domestic_r_d", "artificial_intelligence_r_d_total",
                  "artificial_intelligence_r_d_paid_for_by_the_company", "artificial_intelligence_r_d_paid_for_by_others")
     for quantity in ("companiesa_number_", "amount")],
)
NCSES_STATE_SCHEMA = FileSchema(
    {
        "table_id": Column("int"),
        "row_id": Column("str"),
        "state": Column("str"),
        "total_unique_ai_related_job_postings": Column("float", checks=(pa.Check.ge(0),)),
        "total_unique_job_postings": Column("float", checks=(_POSITIVE,)),
        "percent_of_all_unique_job_postings_that_are_ai_related": Column("float", checks=(pa.Check.in_range(0, 100),)),
    },
    unique=("state",),
)

J2J_INDUSTRIES = ("00", "11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52", "53", "54", "55", "56",
                  "61", "62", "71", "72", "81")
"""NAICS sector codes of the LEHD J2J extract, as text ("00" is the all-industry margin; "31-33" a combined sector)."""
J2J_MEASURES = ("MainB", "MainE", "MHire", "MSep", "EEHire", "EESep", "AQHire", "AQSep", "J2JHire", "J2JSep", "NEHire", "ENSep")
"""LEHD J2J job counts; each has an ``s``-prefixed status flag (1 OK, 5 suppressed, -1 not available)."""
J2J_SCHEMA = FileSchema(
    {
        "year": Column("int", checks=(pa.Check.in_range(2000, 2035),)),
        "quarter": Column("int", checks=(pa.Check.in_range(1, 4),)),
        "industry": Column("str", checks=(_isin(J2J_INDUSTRIES),)),
        "firmsize": Column("int", checks=(pa.Check.in_range(1, 5),)),
        "firmsize_label": Column("str"),
        **{name: Column("float", nullable=True, checks=(pa.Check.ge(0),)) for name in J2J_MEASURES},
        **{f"s{name}": Column("int", checks=(_isin({-2, -1, 1, 5}),)) for name in J2J_MEASURES},
    },
    unique=("year", "quarter", "industry", "firmsize"),
)

OWID_METADATA_SCHEMA = FileSchema({})
"""The OWID metadata file is JSON, read as text; it has no tabular schema."""

_FILE_SCHEMAS: list[tuple[str, str, FileSchema]] = [
    ("*_salaries", "salaries.csv", SALARY_SCHEMA),
    ("indeed_ai_tracker", "AI_posting.csv", AI_SHARE_SCHEMA),
    ("indeed_ai_tracker", "GenAI_posting.csv", GENAI_SHARE_SCHEMA),
    ("indeed_hiring_lab_job_postings", "aggregate_job_postings_*.csv", AGGREGATE_POSTINGS_SCHEMA),
    ("indeed_hiring_lab_job_postings", "job_postings_by_sector_*.csv", SECTOR_POSTINGS_SCHEMA),
    ("indeed_hiring_lab_job_postings", "state_job_postings_us.csv", STATE_POSTINGS_SCHEMA),
    ("indeed_hiring_lab_job_postings", "sector-job-title-examples.csv", SECTOR_TITLES_SCHEMA),
    ("indeed_wage_tracker", "posted-wage-growth-by-country.csv", WAGE_GROWTH_COUNTRY_SCHEMA),
    ("indeed_wage_tracker", "posted-wage-growth-by-sector.csv", WAGE_GROWTH_SECTOR_SCHEMA),
    ("owid_ai_index_ai_job_postings_share", "*.csv", OWID_AI_SHARE_SCHEMA),
    ("owid_ai_index_ai_job_postings_share", "*.json", OWID_METADATA_SCHEMA),
    ("bls_oews_*", "*.csv", OEWS_SCHEMA),
    ("census_lehd_j2j_by_sector", "j2j_*.csv", J2J_SCHEMA),
    ("ncses_sei_ai_tables", "table_6209.csv", NCSES_STATE_SCHEMA),
    ("ncses_sei_ai_tables", "table_5698.csv", NCSES_AI_USE_2018_SCHEMA),
    ("ncses_sei_ai_tables", "table_11545.csv", NCSES_AI_USE_2021_SCHEMA),
    ("ncses_sei_ai_tables", "table_5710.csv", NCSES_AI_WORKERS_SCHEMA),
    *[("ncses_sei_ai_tables", f"table_{table}.csv", NCSES_BERD_SCHEMA) for table in ("6562", "8813", "9667", "12281")],
]


def schema_for(source: str, file_name: str) -> FileSchema:
    """The schema of ``file_name`` from ``source`` (first matching pattern wins)."""
    for source_pattern, file_pattern, schema in _FILE_SCHEMAS:
        if fnmatch.fnmatch(source, source_pattern) and fnmatch.fnmatch(file_name, file_pattern):
            return schema
    raise KeyError(f"no schema registered for {source}/{file_name}")


def validate_frame(frame: pd.DataFrame, schema: FileSchema, source: str) -> pd.DataFrame:
    """Coerce and check ``frame`` against ``schema``; raise DataValidationError on the first problem.

    The error names the source, the column and what is wrong (missing column, wrong
    type, out-of-range or unknown values with examples, duplicated keys, no rows).
    """
    if frame.empty:
        raise DataValidationError(source, None, "no rows: the file or the selection is empty")
    missing = [name for name in schema.columns if name not in frame.columns]
    if missing:
        raise DataValidationError(
            source, missing[0],
            f"missing column (expected columns {sorted(schema.columns)}; found {sorted(map(str, frame.columns))})",
        )
    try:
        return schema.to_pandera().validate(frame, lazy=True)
    except SchemaErrors as errors:
        raise _first_problem(errors, source) from None
    except SchemaError as error:  # raised for errors pandera cannot collect lazily
        raise DataValidationError(source, getattr(error.schema, "name", None), str(error)) from None


def _first_problem(errors: SchemaErrors, source: str) -> DataValidationError:
    """Turn pandera's failure table into one readable error about the first failing column."""
    cases = errors.failure_cases
    first = cases.iloc[0]
    column = first["column"] if isinstance(first["column"], str) else None
    same = cases[(cases["column"] == first["column"]) & (cases["check"] == first["check"])] if column else cases
    examples = ", ".join(repr(v) for v in same["failure_case"].astype(str).unique()[:5])
    check = str(first["check"])
    if check.startswith("coerce_dtype") or check.startswith("dtype"):
        problem = f"wrong type: expected {check.split('(')[-1].rstrip(')')}; values that do not convert: {examples}"
    elif "field_uniqueness" in check or "multiple_fields_uniqueness" in check:
        problem = f"duplicated key rows, e.g. {examples}"
    else:
        problem = f"{len(same)} value(s) fail {check}; examples: {examples}"
    return DataValidationError(source, column, problem)
