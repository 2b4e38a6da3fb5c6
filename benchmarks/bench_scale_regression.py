"""Benchmark: the salary-premium regression with categorical controls — cell-compressed OLS on DuckDB
vs statsmodels OLS with dummy columns on the same rows.

The model is log(salary_in_usd) on an AI flag plus dummies for experience level,
work year, employer country, company size, remote ratio and employment type
(36 coefficients), with HC1 errors and with errors clustered by employer. The
statsmodels side reads the same columns, builds the dummies with pandas and fits
``sm.OLS(...).fit(cov_type=...)``; it runs up to ``--statsmodels-max-rows``. Both
run in this process, largest size first, and the coefficients are checked to agree.

Run on demand::

    .venv/bin/python benchmarks/bench_scale_regression.py                 # 1M and 10M rows
    .venv/bin/python benchmarks/bench_scale_regression.py --rows 1000000 --repeats 5

Synthetic salaries are generated once into ``--data-dir`` (default under /tmp) and reused.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import statsmodels.api as sm
from bench_scale_common import (
    DEFAULT_DATA_DIR, Measurement, competing_load, machine_note, measure, parse_common_arguments, print_table, rows_label,
)

from talentmarket.scale import fit_cell_ols, write_synthetic_salaries

DEFAULT_ROWS = (1_000_000, 10_000_000)
CONTROLS = ["experience_level", "work_year", "company_location", "company_size", "remote_ratio", "employment_type"]
STATSMODELS_MAX_ROWS = 10_000_000


def ensure_salaries(data_dir: Path, rows: int) -> Path:
    """The directory of ``rows`` synthetic salaries, generated (and timed) if absent."""
    directory = data_dir / f"salaries_{rows_label(rows)}"
    if not directory.is_dir():
        started = time.perf_counter()
        write_synthetic_salaries(directory, rows)
        seconds = time.perf_counter() - started
        print(f"generated {rows_label(rows)} salaries in {seconds:.1f} s ({rows / seconds / 1e6:.1f} M rows/s) into {directory}")
    return directory


def statsmodels_fit(directory: Path, cluster: bool) -> pd.Series:
    """Row-level OLS with dummy columns; returns the coefficients (HC1 or employer-clustered errors computed)."""
    frame = pq.read_table(directory, columns=["salary_in_usd", "is_ai", "employer_id", *CONTROLS]).to_pandas()
    design = pd.get_dummies(frame[CONTROLS].astype("str"), drop_first=True, dtype=float)
    design.insert(0, "is_ai", frame["is_ai"].astype(float))
    model = sm.OLS(np.log(frame["salary_in_usd"].to_numpy()), sm.add_constant(design))
    if cluster:
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": frame["employer_id"].to_numpy()})
    else:
        fit = model.fit(cov_type="HC1")
    return fit.params.rename({"const": "Intercept"})


def main() -> None:
    arguments, settings = parse_common_arguments(__doc__.split("\n\n")[0], DEFAULT_ROWS, DEFAULT_DATA_DIR, "statsmodels", STATSMODELS_MAX_ROWS)

    print(f"machine: {machine_note()}")
    table = []
    for rows in sorted(arguments.rows, reverse=True):
        directory = ensure_salaries(arguments.data_dir, rows)
        for errors, cluster in (("HC1", None), ("clustered", "employer_id")):
            def fit() -> object:
                return fit_cell_ols(directory, categorical=CONTROLS, cluster=cluster, settings=settings)

            if arguments.competing_load:
                with competing_load(arguments.competing_load):
                    loaded = measure(fit, arguments.repeats)
                table.append(_row(rows, f"cells on duckdb, {errors}, {arguments.competing_load} busy process(es) beside",
                                  loaded, loaded.result.n_cells))
            cells = measure(fit, arguments.repeats)
            table.append(_row(rows, f"cells on duckdb, {errors}", cells, cells.result.n_cells))
            if rows <= arguments.statsmodels_max_rows:
                rowwise = measure(lambda: statsmodels_fit(directory, cluster is not None), 1)
                _check_same_coefficients(cells.result.params, rowwise.result)
                table.append(_row(rows, f"statsmodels dummies, {errors}", rowwise, rows))
                table[-2]["speed-up"] = f"{rowwise.wall_median / cells.wall_median:.0f}x"
    print(f"machine after: {machine_note()}")
    print_table(table)


def _row(rows: int, path: str, result: Measurement, design_rows: int) -> dict[str, object]:
    return {
        "rows": rows_label(rows), "path": path, "design rows": design_rows, "wall s (median)": result.wall_median,
        "wall s (min)": result.wall_min, "CPU s": result.cpu_median,
        "peak RSS MB": result.peak_rss_mb, "RSS rise MB": result.rise_rss_mb,
        "M rows/s": rows / result.wall_median / 1e6, "speed-up": "",
    }


def _check_same_coefficients(cells: pd.Series, rowwise: pd.Series) -> None:
    """Same model, same numbers: names are mapped from pandas' dummies (``work_year_2021``) to ours."""
    ours = cells.rename(lambda name: name.replace("[T.", "_").rstrip("]"))
    difference = np.max(np.abs(ours.sort_index().to_numpy() - rowwise.sort_index().to_numpy()))
    assert sorted(ours.index) == sorted(rowwise.index) and difference < 1e-8, difference


if __name__ == "__main__":
    main()
