"""The posting-level and salary-level record layouts that the scale pipeline reads.

A *posting* file has one row per job posting; a *salary* file has one row per
salary observation (the aijobs.net salary layout, plus an employer id to cluster
on and an optional AI flag). Both are Parquet (a file, a directory of files or a
glob), or any table an Ibis backend can reach. Checking happens on the table's
schema before anything is scanned, so a renamed column or a text date fails in
milliseconds with an error that names the file, the column and the problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from talentmarket.errors import DataValidationError

_KIND_CHECKS = {
    "integer": dt.DataType.is_integer,
    "number": dt.DataType.is_numeric,
    "string": dt.DataType.is_string,
    "boolean": dt.DataType.is_boolean,
    "date": lambda dtype: dtype.is_date() or dtype.is_timestamp(),
    "number_or_boolean": lambda dtype: dtype.is_numeric() or dtype.is_boolean(),
    "any": lambda dtype: True,
}
_KIND_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "text",
    "boolean": "a boolean",
    "date": "a date or timestamp",
    "number_or_boolean": "a number or a boolean",
    "any": "any type",
}


@dataclass(frozen=True)
class Field:
    """One column of a record layout: its name, kind, whether it must be present, and what it means."""

    name: str
    kind: str
    required: bool
    description: str


POSTING_FIELDS: tuple[Field, ...] = (
    Field("posting_id", "integer", False, "Unique id of the posting (used only to deduplicate upstream; not read by the aggregations)."),
    Field("posted_date", "date", True, "Date the posting was first seen (DATE or TIMESTAMP)."),
    Field("country", "string", True, "ISO 3166-1 alpha-2 code of the job's country, e.g. 'US'."),
    Field("sector", "string", True, "Occupational sector, e.g. Indeed's 'Software Development', 'Nursing'."),
    Field("industry", "string", True, "Employer's industry, e.g. NAICS sector names such as 'Finance and Insurance'."),
    Field("title", "string", True, "Job title as posted."),
    Field("is_ai", "boolean", False, "True for AI postings; when absent, derived from the title with the core-AI rules of talentmarket.data.taxonomy."),
    Field("salary_min", "number", False, "Lower end of the posted salary range (any currency; optional)."),
    Field("salary_max", "number", False, "Upper end of the posted salary range (optional)."),
)
"""One row per job posting."""

SALARY_FIELDS: tuple[Field, ...] = (
    Field("work_year", "integer", True, "Year the salary was paid or posted."),
    Field("experience_level", "string", True, "EN, MI, SE or EX (entry, mid, senior, executive)."),
    Field("employment_type", "string", True, "FT, PT, CT or FL."),
    Field("job_title", "string", True, "Job title."),
    Field("salary_in_usd", "number", True, "Annual salary in US dollars (> 0)."),
    Field("employee_residence", "string", True, "ISO alpha-2 country where the employee lives."),
    Field("remote_ratio", "integer", True, "0, 50 or 100: share of remote work."),
    Field("company_location", "string", True, "ISO alpha-2 country of the employer."),
    Field("company_size", "string", True, "S, M or L."),
    Field("employer_id", "integer", False, "Employer identifier, for standard errors clustered by employer."),
    Field("is_ai", "boolean", False, "True for AI roles; otherwise classify job_title with talentmarket.data.taxonomy."),
)
"""One row per salary observation: the aijobs.net salary layout (without the local-currency
columns, which the analyses do not use) plus an employer id and an AI flag."""


def check_table(table: ir.Table, fields: Iterable[Field], source: str) -> None:
    """Raise DataValidationError unless ``table`` has every required column with the right kind.

    Columns present but not required are checked too, so a text ``is_ai`` column
    is caught rather than silently miscounted. ``source`` names the input in errors.
    """
    layout = {field.name: field for field in fields}
    schema = table.schema()
    for name in (name for name, field in layout.items() if field.required):
        if name not in schema:
            raise DataValidationError(source, name, f"missing column (found {sorted(schema.names)})")
    for name, field in layout.items():
        if name in schema and not _KIND_CHECKS[field.kind](schema[name]):
            raise DataValidationError(
                source, name, f"expected {_KIND_WORDS[field.kind]}, found type {schema[name]}: fix the column type when writing the file"
            )
