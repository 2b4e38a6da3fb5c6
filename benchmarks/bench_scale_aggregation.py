"""Benchmark: the demand-growth aggregation of posting-level Parquet — DuckDB through Ibis vs plain pandas.

The aggregation is :func:`talentmarket.scale.monthly_sector_postings`: postings, AI
postings and AI share by country × month × sector (the heaviest of the demand
aggregations). The pandas side reads the same four columns with pyarrow and
groups them — the straightforward in-memory implementation — and runs only up
to ``--pandas-max-rows``. Both run in this process, largest size first, so the
DuckDB peak at the largest size is measured in a clean process.

Run on demand::

    .venv/bin/python benchmarks/bench_scale_aggregation.py                 # 1M, 10M, 100M rows
    .venv/bin/python benchmarks/bench_scale_aggregation.py --rows 10000000 --repeats 5

Synthetic postings are generated once into ``--data-dir`` (default under /tmp, ~0.9 GB per 100M rows)
and reused; the generation time is printed too.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from bench_scale_common import (
    DEFAULT_DATA_DIR, Measurement, competing_load, machine_note, measure, parse_common_arguments, print_table, rows_label,
)

from talentmarket.scale import monthly_sector_postings, write_synthetic_postings

DEFAULT_ROWS = (1_000_000, 10_000_000, 100_000_000)
PANDAS_MAX_ROWS = 10_000_000


def ensure_postings(data_dir: Path, rows: int) -> Path:
    """The directory of ``rows`` synthetic postings, generated (and timed) if absent."""
    directory = data_dir / f"postings_{rows_label(rows)}"
    if not directory.is_dir():
        started = time.perf_counter()
        write_synthetic_postings(directory, rows)
        seconds = time.perf_counter() - started
        print(f"generated {rows_label(rows)} postings in {seconds:.1f} s ({rows / seconds / 1e6:.1f} M rows/s) into {directory}")
    return directory


def pandas_sector_postings(directory: Path) -> pd.DataFrame:
    """The same counts in pandas: read four columns, truncate dates to months, group."""
    frame = pq.read_table(directory, columns=["posted_date", "country", "sector", "is_ai"]).to_pandas(date_as_object=False)
    frame["month"] = frame["posted_date"].to_numpy().astype("datetime64[M]")
    counts = (
        frame.groupby(["country", "month", "sector"], observed=True)["is_ai"]
        .agg(postings="size", ai_postings="sum")
        .reset_index()
    )
    counts["ai_share_pct"] = 100 * counts["ai_postings"] / counts["postings"]
    return counts


def main() -> None:
    arguments, settings = parse_common_arguments(__doc__.split("\n\n")[0], DEFAULT_ROWS, DEFAULT_DATA_DIR, "pandas", PANDAS_MAX_ROWS)

    print(f"machine: {machine_note()}")
    table = []
    for rows in sorted(arguments.rows, reverse=True):
        directory = ensure_postings(arguments.data_dir, rows)
        duck = measure(lambda: monthly_sector_postings(directory, settings=settings), arguments.repeats)
        table.append(_row(rows, "duckdb (ibis)", duck))
        if arguments.competing_load:
            with competing_load(arguments.competing_load):
                loaded = measure(lambda: monthly_sector_postings(directory, settings=settings), arguments.repeats)
            table.append(_row(rows, f"duckdb (ibis), {arguments.competing_load} busy process(es) beside", loaded))
        if rows <= arguments.pandas_max_rows:
            plain = measure(lambda: pandas_sector_postings(directory), arguments.repeats)
            _check_same_counts(duck.result, plain.result)
            table.append(_row(rows, "pandas", plain))
            table[-2]["speed-up vs pandas"] = f"{plain.wall_median / duck.wall_median:.1f}x"
    print(f"machine after: {machine_note()}")
    print_table(table)


def _row(rows: int, path: str, result: Measurement) -> dict[str, object]:
    return {
        "rows": rows_label(rows), "path": path, "wall s (median)": result.wall_median, "wall s (min)": result.wall_min,
        "CPU s": result.cpu_median,
        "peak RSS MB": result.peak_rss_mb, "RSS rise MB": result.rise_rss_mb,
        "M rows/s": rows / result.wall_median / 1e6, "speed-up vs pandas": "",
    }


def _check_same_counts(duck: pd.DataFrame, plain: pd.DataFrame) -> None:
    """Both paths must produce the same cells and counts (a benchmark of a wrong answer is worthless)."""
    keys = ["country", "month", "sector"]
    left = duck.sort_values(keys, ignore_index=True)
    right = plain.assign(month=plain["month"].astype("datetime64[ns]")).sort_values(keys, ignore_index=True)
    assert len(left) == len(right), (len(left), len(right))
    assert np.array_equal(left["postings"], right["postings"]) and np.array_equal(left["ai_postings"], right["ai_postings"])


if __name__ == "__main__":
    main()
