"""Measuring helpers shared by the scale benchmarks (``bench_scale_*.py``); not a benchmark itself.

Peak memory is the process's resident set size, sampled every 5 ms while a
measured call runs (the kernel's lifetime maximum, ``ru_maxrss``, cannot tell
two runs in one process apart). Wall time is the median of the repeats. CPU time
(user + system, all threads) is reported too: on a machine shared with other jobs
wall time swings with their load, CPU time much less, and CPU time divided by the
cores a run can use bounds its wall time on a quiet machine from below.
The engine paths are measured a second time beside ``--competing-load`` busy
processes (default 1: one core taken away), so the "under load" figure is printed
next to the plain one instead of depending on whoever else uses the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from talentmarket.scale import EngineSettings

SAMPLE_SECONDS = 0.005
DEFAULT_DATA_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "talentmarket-scale-bench"
"""Generated data lives outside the repository; reused between runs when present."""


@dataclass(frozen=True)
class Measurement:
    """Median and fastest wall time, median CPU time, peak RSS and its rise over the RSS before the call, and the last result."""

    wall_median: float
    wall_min: float
    cpu_median: float
    peak_rss_mb: float
    rise_rss_mb: float
    result: object


def measure(call: Callable[[], object], repeats: int) -> Measurement:
    """Run ``call`` ``repeats`` times; wall times and the highest RSS seen during any run."""
    process = psutil.Process()
    before = process.memory_info().rss
    peak = before
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        stop = threading.Event()
        samples = [before]

        def sample() -> None:
            while not stop.is_set():
                samples.append(process.memory_info().rss)
                time.sleep(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu_before, started = process.cpu_times(), time.perf_counter()
        result = call()
        walls.append(time.perf_counter() - started)
        cpu_after = process.cpu_times()
        cpus.append(cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system)
        stop.set()
        sampler.join()
        peak = max(peak, *samples, process.memory_info().rss)
    mb = 1024 * 1024
    return Measurement(statistics.median(walls), min(walls), statistics.median(cpus), peak / mb, (peak - before) / mb, result)


@contextmanager
def competing_load(processes: int) -> Iterator[None]:
    """Run ``processes`` busy-looping Python processes while the block runs; stop them after."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()


def parse_common_arguments(description: str, default_rows: Sequence[int], data_dir: Path,
                           baseline: str, baseline_max_rows: int) -> tuple[argparse.Namespace, EngineSettings]:
    """The options every scale benchmark takes (sizes, repeats, data folder, DuckDB limits), plus the
    largest size its in-memory baseline (``baseline``: pandas or statsmodels) is run at."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, nargs="+", default=list(default_rows))
    parser.add_argument(f"--{baseline}-max-rows", type=int, default=baseline_max_rows)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=data_dir)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory limit, e.g. 1GB (default: DuckDB's)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--competing-load", type=int, default=1,
                        help="busy processes beside a second measurement of the engine path (0: no loaded run)")
    arguments = parser.parse_args()
    return arguments, EngineSettings(memory_limit=arguments.memory_limit, threads=arguments.threads)


def rows_label(rows: int) -> str:
    """1_000_000 → '1M', 100_000_000 → '100M'."""
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{rows:,}"


def machine_note() -> str:
    """Cores, memory and current load, printed beside the figures (the machine may be shared)."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    memory = psutil.virtual_memory()
    return (f"{os.cpu_count()} cores, {memory.total / 2**30:.0f} GiB RAM ({memory.available / 2**30:.0f} GiB free), "
            f"load average (1, 5, 15 min): {load}")


def print_table(rows: Sequence[dict[str, object]]) -> None:
    """A plain Markdown table, columns in the order of the first row's keys."""
    columns = list(rows[0])
    cells = [[_format(row.get(column, "")) for column in columns] for row in rows]
    widths = [max(len(column), *(len(line[index]) for line in cells)) for index, column in enumerate(columns)]
    print("| " + " | ".join(column.ljust(width) for column, width in zip(columns, widths)) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for line in cells:
        print("| " + " | ".join(cell.rjust(width) for cell, width in zip(line, widths)) + " |")


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
