"""Benchmark of the cluster-robust inference layer: one tested coefficient on 3,000 simulated postings.

Run on demand (``.venv/bin/python benchmarks/bench_inference.py [--rows 3000] [--repeats 5]``); prints a
table of median wall and CPU seconds per method of :func:`talentmarket.stats.inference.fit_clustered`
(pyfixest fit included) and of the array-level wild bootstrap alone. The data come from the Monte Carlo
simulator of ``tests/test_stats_inference.py``. The first call of the process (imports, pyfixest's
JIT-compiled demeaning) is timed separately as "cold".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from talentmarket import paths
from talentmarket.stats.inference import fit_clustered, wild_cluster_bootstrap

sys.path.insert(0, str(paths.REPO_ROOT / "tests"))
from test_stats_inference import FORMULA, _dense_design, _draw, simulate_title_clustered_salaries  # noqa: E402


def _time(call: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``repeats`` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data = simulate_title_clustered_salaries(seed=1, n_postings=args.rows)
    sample = _draw(1, args.rows, 0.15, 0.10, 0.35, 0.35)
    design, titles = _dense_design(sample), sample["title"]

    def fit(method: str) -> Callable[[], object]:
        return lambda: fit_clustered(data, FORMULA, cluster="title", coefficient="ai", method=method)

    rows = [("cold: first fit_clustered (wild)", _time(fit("wild"), 1))]
    rows += [(f"fit_clustered, method={method!r}", _time(fit(method), args.repeats)) for method in ("wild", "cv3", "crv1", "hc1")]
    rows.append(("wild_cluster_bootstrap on arrays (999 draws)",
                 _time(lambda: wild_cluster_bootstrap(sample["log_salary"], design, titles, np.eye(8)[1]), args.repeats)))
    print(f"{args.rows} rows, 18 titles, median of {args.repeats}")
    print(f"{'step':<48} {'wall s':>8} {'cpu s':>8}")
    for label, (wall, cpu) in rows:
        print(f"{label:<48} {wall:>8.3f} {cpu:>8.3f}")


if __name__ == "__main__":
    main()
