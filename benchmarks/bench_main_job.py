"""Benchmark: the main job against the start-up floor of Jupyter itself, measured side by side.

(A) ``python -m talentmarket all`` into a temporary folder (every notebook on the real data, then the
report site), as ``make all`` runs it; (B) the floor: as many trivial notebooks as the main job runs, each
a single cell with the import statements of one real notebook, executed one after another by papermill in
one process — what running the notebooks would cost if their analyses took no time at all. The target is
A/B ≤ 1 on wall time. (A's kernels are forks of one template that has done those imports once, see
:mod:`talentmarket.report.kernels`; B's are launched the usual way, each importing for itself.) A and B alternate (A B A B …) so that a change in the machine's load hits both.

Printed: A, B and A/B (wall and CPU seconds, medians over ``--repeats`` pairs, and the ratio of each
pair), the peak memory of A, the per-notebook times the runner reports, and the machine's load before and
after (the machine may be shared: quote ratios, not absolute times).

The peak memory (the largest sum of proportional set sizes over the main job's process tree, and the
largest single process's resident size) comes from one more run of A after the timed pairs, which is not
timed: reading a process's PSS makes the kernel walk its page tables (10-25 ms for each of the main job's
seven processes), so sampling every 50 ms costs about a core of CPU, which a timed A would lose (measured:
22.7 s of the sampler's CPU and 10 s more wall per run).

Run on demand::

    .venv/bin/python benchmarks/bench_main_job.py                       # one pair
    .venv/bin/python benchmarks/bench_main_job.py --repeats 3 --compare-with reports

``--compare-with DIR`` checks that every ``results.json`` of A is byte-identical to the one in
``DIR/<notebook>/`` (e.g. the output of a sequential ``talentmarket all --jobs 1 --out DIR``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil

from talentmarket import paths
from talentmarket.report.kernels import import_statements
from talentmarket.report.runner import KERNEL_NAME, discover_notebooks

SAMPLE_SECONDS = 0.05
DONE_LINE = re.compile(r"^\[\d+/\d+\] (?P<name>\S+): done in (?P<seconds>[\d.]+) s", re.MULTILINE)
"""The runner's progress line for a finished notebook (its per-notebook wall time)."""


@dataclass(frozen=True)
class Run:
    """One measured command: wall and CPU seconds (itself and every descendant it reaped), memory, output."""

    wall: float
    cpu: float
    peak_tree_mb: float
    """0 when the run was timed, not sampled (see the module's docstring)."""
    peak_process_mb: float
    stderr: str
    ended: dict[str, float]
    """Seconds from the start of the command to each notebook's "done" line (when the runner printed it)."""


def run_measured(command: list[str], env: dict[str, str], sample_memory: bool = False) -> Run:
    """Run ``command`` to completion, timing it or, with ``sample_memory``, sampling the memory of its
    whole process tree: the sum of proportional set sizes (PSS: a page shared by k processes counts 1/k in
    each, so the sum is what the tree occupies) and the resident set size (RSS) of the largest process."""
    before = os.times()
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peaks = {"tree": 0, "process": 0}
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                members = [root, *root.children(recursive=True)]
                sizes, shares = [], []
                for member in members:
                    try:
                        memory = member.memory_full_info()
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
                    sizes.append(memory.rss)
                    shares.append(memory.pss)
            except psutil.NoSuchProcess:
                return
            peaks["tree"] = max(peaks["tree"], sum(shares))
            peaks["process"] = max(peaks["process"], max(sizes, default=0))
            time.sleep(SAMPLE_SECONDS)

    lines: list[tuple[float, str]] = []

    def read() -> None:
        for line in process.stderr:
            lines.append((time.perf_counter() - started, line))

    sampler, reader = threading.Thread(target=sample, daemon=True), threading.Thread(target=read, daemon=True)
    if sample_memory:
        sampler.start()
    reader.start()
    process.wait()
    reader.join()
    wall = time.perf_counter() - started
    stderr = "".join(line for _, line in lines)
    ended = {match["name"]: at for at, line in lines if (match := DONE_LINE.match(line))}
    done.set()
    if sample_memory:
        sampler.join()
    after = os.times()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}:\n{stderr[-3000:]}")
    cpu = after.children_user + after.children_system - before.children_user - before.children_system
    mb = 1024 * 1024
    return Run(wall, cpu, peaks["tree"] / mb, peaks["process"] / mb, stderr, ended)


def main_command(out: Path, jobs: int | None) -> list[str]:
    """(A): the main job into ``out``, with the runner's own number of workers unless ``jobs`` is given."""
    return [sys.executable, "-m", "talentmarket", "all", "--out", str(out), *(["--jobs", str(jobs)] if jobs else [])]


def write_floor_notebooks(notebooks: list[Path], directory: Path) -> list[Path]:
    """One trivial notebook per real notebook: a single cell with its imports."""
    written = []
    for notebook in notebooks:
        trivial = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n".join(import_statements(notebook)))])
        trivial.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
        path = directory / f"floor_{notebook.name}"
        nbformat.write(trivial, path)
        written.append(path)
    return written


def floor_command(notebooks: list[Path], out_dir: Path) -> list[str]:
    """One process that executes the trivial notebooks one after another with papermill."""
    script = (
        "import sys, papermill\n"
        "out = sys.argv[1]\n"
        "for notebook in sys.argv[2:]:\n"
        f"    papermill.execute_notebook(notebook, out + '/' + notebook.rsplit('/', 1)[-1], kernel_name={KERNEL_NAME!r},\n"
        "                               progress_bar=False, cwd=out)\n"
    )
    return [sys.executable, "-c", script, str(out_dir), *map(str, notebooks)]


def compare_results(produced: Path, reference: Path) -> list[str]:
    """Names of the notebooks whose results.json differs from (or is missing in) ``reference``."""
    differing = []
    for result in sorted(produced.glob("*/results.json")):
        other = reference / result.parent.name / "results.json"
        if not other.is_file() or other.read_bytes() != result.read_bytes():
            differing.append(result.parent.name)
    return differing


def load_note() -> str:
    return "load average (1, 5, 15 min): " + ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1, help="pairs of A and B (medians are printed)")
    parser.add_argument("--jobs", type=int, default=None, help="passed to talentmarket all (default: its own)")
    parser.add_argument("--compare-with", type=Path, default=None,
                        help="a reports folder whose results.json files A must reproduce byte for byte")
    arguments = parser.parse_args()
    env = dict(os.environ)
    mirror = paths.REPO_ROOT.parent / "shared" / "data" / "real"
    if paths.MIRROR_ENV_VAR not in env and mirror.is_dir():
        env[paths.MIRROR_ENV_VAR] = str(mirror)
    notebooks = discover_notebooks()
    print(f"{os.cpu_count()} cores; before: {load_note()}")

    main_runs, floor_runs = [], []
    with tempfile.TemporaryDirectory(prefix="bench_main_job_") as scratch:
        floor_dir = Path(scratch) / "floor"
        floor_dir.mkdir()
        floors = write_floor_notebooks(notebooks, floor_dir)
        for repeat in range(arguments.repeats):
            out = Path(scratch) / f"main_{repeat}"
            main_runs.append(run_measured(main_command(out, arguments.jobs), env))
            if arguments.compare_with is not None:
                differing = compare_results(out, arguments.compare_with)
                print(f"results.json identical to {arguments.compare_with}: "
                      + ("yes" if not differing else f"NO, differ: {', '.join(differing)}"))
            floor_runs.append(run_measured(floor_command(floors, floor_dir), env))
        memory_run = run_measured(main_command(Path(scratch) / "main_memory", arguments.jobs), env, sample_memory=True)
    print(f"after: {load_note()}\n")

    def median(values: list[float]) -> float:
        return statistics.median(values)

    wall_ratios = [a.wall / b.wall for a, b in zip(main_runs, floor_runs)]
    cpu_ratios = [a.cpu / b.cpu for a, b in zip(main_runs, floor_runs)]
    print(f"{'':48} {'wall s':>8} {'CPU s':>8}")
    print(f"{'(A) main job: talentmarket all':48} {median([r.wall for r in main_runs]):8.1f} {median([r.cpu for r in main_runs]):8.1f}")
    print(f"{f'(B) floor: {len(floors)} trivial notebooks in sequence':48} "
          f"{median([r.wall for r in floor_runs]):8.1f} {median([r.cpu for r in floor_runs]):8.1f}")
    print(f"{'A/B (median of the pairs)':48} {median(wall_ratios):8.2f} {median(cpu_ratios):8.2f}")
    if len(wall_ratios) > 1:
        print(f"{'A/B per pair (wall)':48} " + ", ".join(f"{ratio:.2f}" for ratio in wall_ratios))
    print(f"\npeak memory of A (one more run, sampled, not timed): {memory_run.peak_tree_mb:.0f} MB over its process "
          f"tree (sum of PSS), {memory_run.peak_process_mb:.0f} MB RSS in the largest process")
    print("\nper notebook in A, medians: its own wall seconds as the runner reports them (parallel notebooks overlap;"
          "\nthe scorecard's exclude its wait for the others) and when it ended, in seconds from the start of A:")
    print(f"  {'':40} {'own s':>6} {'ended at':>9}")
    for name in dict.fromkeys(match["name"] for run in main_runs for match in DONE_LINE.finditer(run.stderr)):
        seconds = [float(m["seconds"]) for run in main_runs for m in DONE_LINE.finditer(run.stderr) if m["name"] == name]
        ended = [run.ended[name] for run in main_runs if name in run.ended]
        print(f"  {name:40} {median(seconds):6.1f} {median(ended):9.1f}")
    print(f"  {'the site written (end of A)':40} {'':6} {median([r.wall for r in main_runs]):9.1f}")


if __name__ == "__main__":
    main()
