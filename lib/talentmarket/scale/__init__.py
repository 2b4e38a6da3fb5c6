"""The same analyses on posting- and salary-level data far beyond memory.

Install with ``pip install -e .[scale]``. Inputs are Parquet files (or any Ibis
table) in the layouts of :mod:`talentmarket.scale.schema`; every analysis is an
Ibis expression that DuckDB executes out-of-core by default and Spark executes
unchanged (``engine="pyspark"`` or a connected ``ibis.pyspark`` backend).

Imports data and stats (the taxonomy, the rebasing of indices, the shared sandwich); never results,
analyses or report.
"""

from talentmarket.scale.aggregations import (
    PostingSeries,
    ai_posting_shares,
    count_ai_postings,
    monthly_ai_share,
    monthly_sector_postings,
    posting_series,
)
from talentmarket.scale.engine import EngineSettings, connect, open_table
from talentmarket.scale.generate import (
    synthetic_salaries,
    write_synthetic_postings,
    write_synthetic_salaries,
)
from talentmarket.scale.regression import CellOLS, compress_to_cells, fit_cell_ols
from talentmarket.scale.schema import POSTING_FIELDS, SALARY_FIELDS

__all__ = [
    "POSTING_FIELDS",
    "PostingSeries",
    "SALARY_FIELDS",
    "CellOLS",
    "EngineSettings",
    "ai_posting_shares",
    "compress_to_cells",
    "connect",
    "count_ai_postings",
    "fit_cell_ols",
    "monthly_ai_share",
    "monthly_sector_postings",
    "open_table",
    "posting_series",
    "synthetic_salaries",
    "write_synthetic_postings",
    "write_synthetic_salaries",
]
