"""The papermill runner: checks before a kernel starts, staged and locked publishing, clean re-runs, parallel runs.

Runner tests use the tiny notebook of ``conftest.py`` (seconds per run); the ones that start a kernel are
marked ``slow``. Tests that only read a finished run, or need a previous report to protect, share one published
run (the ``published_run`` fixture) instead of each starting a kernel for it.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.process import BaseProcess
from pathlib import Path

import nbformat
import pytest
from conftest import isolate, write_tiny_notebook
from talentmarket import paths
from talentmarket.__main__ import main
from talentmarket.errors import ParameterError
from talentmarket.report.runner import (
    NotebookFailed,
    NotebookRun,
    choose_reports_root,
    discover_notebooks,
    notebook_parameters,
    plan_run,
    run_many,
    run_notebook,
    validate_parameters,
)


@dataclass(frozen=True)
class _CommandLine:
    """A running ``python -m talentmarket …``: its process and the file its stderr goes to."""

    process: BaseProcess
    stderr: Path

    def send_signal(self, signum: int) -> None:
        os.kill(self.process.pid, signum)

    def wait(self, timeout: float) -> int | None:
        """The exit status once the process has ended (None if it is still running after ``timeout`` seconds)."""
        self.process.join(timeout)
        return self.process.exitcode


def _cli(*args: str, cwd: Path) -> _CommandLine:
    """The command line in its own process, as a user starts it, from ``cwd`` with stderr captured in a file.

    The process is a fork of this one running ``main`` as ``python -m talentmarket`` does (``sys.exit(main())``):
    a separate process that can be signalled and whose exit status is the command line's, without a new
    interpreter importing the command line's and the HTML renderer's modules again (6 s of CPU per start
    without JupyterLab installed, 9 s with it: more than the tiny run itself)."""
    descriptor, name = tempfile.mkstemp(prefix="stderr-", suffix=".txt", dir=cwd)
    os.close(descriptor)
    stderr = Path(name)
    process = get_context("fork").Process(target=_run_command_line, args=(list(args), cwd, stderr))
    process.start()
    return _CommandLine(process, stderr)


def _run_command_line(argv: list[str], cwd: Path, stderr: Path) -> None:
    os.chdir(cwd)
    with open(stderr, "w", buffering=1, encoding="utf-8") as sys.stderr:
        os.dup2(sys.stderr.fileno(), 2)  # what the kernel writes goes there too, as with a pipe
        sys.exit(main(argv))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


@pytest.fixture(scope="module")
def published_run(tmp_path_factory: pytest.TempPathFactory) -> NotebookRun:
    """One successful run of the tiny notebook (countries GB and DE), discovered and published like ``42`` in
    the tests, into ``reports/`` beside its own ``notebooks/`` folder.

    The tests that read a finished run, compare a re-run with it, or need a previous report that a failed or
    killed run must leave alone, read it or copy its report instead of starting a kernel each (a tiny run
    costs about 1.8 s, 1 s of it CPU). Nothing writes into it."""
    with pytest.MonkeyPatch.context() as patch:
        isolate(tmp_path_factory, patch)
        directory = tmp_path_factory.mktemp("published") / "notebooks"
        patch.setattr(paths, "NOTEBOOKS_DIR", directory)
        write_tiny_notebook(directory / "42_tiny.ipynb")
        return run_notebook("42", {"countries": ["GB", "DE"]}, reports_root=directory.parent / "reports")


def _copy_report(run: NotebookRun, reports_root: Path) -> None:
    """Put a copy of ``run``'s published report folder into ``reports_root`` as a previous report."""
    shutil.copytree(run.executed.parent, reports_root / run.executed.parent.name)


def test_parameters_are_read_from_the_tagged_cell(tiny_notebook: Path) -> None:
    assert notebook_parameters(tiny_notebook) == {"fail": False, "countries": ["US"], "sleep": 0, "own_file": None,
                                                 "data_dir": None, "synthetic": False, "seed": 1, "output_dir": None}


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"contries": ["US"]}, r"unknown parameter\(s\) \['contries'\]; it accepts: countries"),
        ({"countries": "US"}, "parameter 'countries' expects a value like \\['US'\\]"),
        ({"countries": [1]}, "expects a value like"),
        ({"fail": "yes"}, "parameter 'fail' expects a value like False"),
    ],
)
def test_bad_parameters_are_refused_before_execution(tiny_notebook: Path, parameters: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        validate_parameters(tiny_notebook, parameters)


def test_cli_reports_bad_parameters_without_a_traceback(tiny_notebook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "42", "-p", "nope", "1"]) == 2
    assert "unknown parameter(s) ['nope']" in capsys.readouterr().err


def test_unknown_notebook_lists_known_ones(tiny_notebook: Path) -> None:
    with pytest.raises(ParameterError, match="known notebooks: 42_tiny"):
        run_notebook("07")


def test_only_the_main_job_writes_reports_and_others_go_to_runs(tiny_notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.REPORTS_ENV_VAR)
    assert choose_reports_root({}, False, None) == paths.MAIN_REPORTS_DIR
    assert choose_reports_root({}, True, None) == paths.runs_dir() / "synthetic"
    custom = choose_reports_root({"countries": ["GB"]}, False, None)
    assert custom.parent == paths.runs_dir() and custom.name.startswith("params-")
    assert custom == choose_reports_root({"countries": ["GB"]}, False, None) != choose_reports_root({"countries": ["DE"]}, False, None)
    monkeypatch.setenv("TALENTMARKET_VINTAGES", "aijobs_net_salaries=2025-01-19")
    assert choose_reports_root({}, False, None) != paths.MAIN_REPORTS_DIR, "an older data release is not the main job"


def test_a_notebook_outside_the_runner_never_defaults_to_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain papermill and JupyterLab kernels have no runner environment: they write under runs/."""
    monkeypatch.delenv(paths.REPORTS_ENV_VAR)
    assert paths.report_dir("02_salary_premium") == paths.runs_dir() / "02_salary_premium"


def test_relative_out_is_resolved_against_the_working_directory(tiny_notebook: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert plan_run("42", reports_root=Path("mine")).reports_root == tmp_path / "mine"


def test_mirror_is_found_without_exporting_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment variable first, then talentmarket.toml, then ../shared/data/real beside the clone."""
    config = tmp_path / "talentmarket.toml"
    monkeypatch.setattr(paths, "CONFIG_FILE", config)
    monkeypatch.delenv(paths.MIRROR_ENV_VAR)
    sibling = paths.SIBLING_MIRROR if paths.SIBLING_MIRROR.is_dir() else None
    assert paths.mirror_dir() == sibling
    paths.write_config(tmp_path)
    assert paths.mirror_dir() == tmp_path.resolve()
    monkeypatch.setenv(paths.MIRROR_ENV_VAR, str(tmp_path / "elsewhere"))
    assert paths.mirror_dir() == tmp_path / "elsewhere"


def test_update_notebook_refuses_custom_parameters(tiny_notebook: Path) -> None:
    with pytest.raises(ParameterError, match="default-parameter runs on real data into reports/ only"):
        run_notebook("42", {"fail": True}, update_notebook=True)


def test_parameters_papermill_cannot_parse_are_reported(tiny_notebook: Path) -> None:
    notebook = nbformat.read(tiny_notebook, as_version=4)
    notebook.cells[1].source += "\nextra = 1  # None = random"
    nbformat.write(notebook, tiny_notebook)
    with pytest.raises(ParameterError, match=r"cannot see parameter\(s\) \[.extra.\]"):
        notebook_parameters(tiny_notebook)


@pytest.mark.parametrize("notebook", discover_notebooks(), ids=lambda p: p.stem)
def test_every_real_notebook_has_overridable_literal_parameters(notebook: Path) -> None:
    parameters = notebook_parameters(notebook)
    assert {"data_dir", "synthetic", "seed", "output_dir"} <= set(parameters)


@pytest.mark.parametrize("notebook", discover_notebooks(), ids=lambda p: p.stem)
def test_every_rule_names_a_parameter_of_its_notebook(notebook: Path) -> None:
    from talentmarket.report.parameter_rules import rules_for

    assert set(rules_for(notebook.stem)) <= set(notebook_parameters(notebook))


def test_real_notebooks_are_discovered_with_the_scorecard_last() -> None:
    names = [p.stem for p in discover_notebooks()]
    assert names[0].startswith("01_") and names[-1].startswith("00_")


@pytest.mark.slow
def test_run_writes_executed_notebook_and_both_html_versions(published_run: NotebookRun) -> None:
    run = published_run
    assert run.executed.is_file() and run.html.is_file() and run.reader_html.is_file()
    run_metadata = nbformat.read(run.executed, as_version=4).metadata.papermill
    assert (run_metadata.input_path, run_metadata.output_path) == ("42_tiny.ipynb", "42_tiny.ipynb")
    full, reader = (html.unescape(p.read_text()) for p in (run.html, run.reader_html))
    assert "['DE', 'GB']" in full and "['DE', 'GB']" in reader
    assert "NBVAL_CHECK_OUTPUT" in full and "NBVAL_CHECK_OUTPUT" not in reader
    assert sorted(p.name for p in run.executed.parents[1].iterdir() if not p.name.endswith(".lock")) == ["42_tiny"]


@pytest.mark.slow
def test_synthetic_run_is_bannered_first_and_titled(tiny_notebook: Path, tmp_path: Path) -> None:
    run = run_notebook("42", synthetic=True, reports_root=tmp_path / "reports")
    reader = html.unescape(run.reader_html.read_text())
    assert "<title>SYNTHETIC DATA" in reader
    assert reader.index("SYNTHETIC DATA — illustration only") < reader.index("['US']")


@pytest.mark.slow
def test_failing_cell_is_named_the_same_way_whatever_is_injected(tiny_notebook: Path, tmp_path: Path) -> None:
    """Cells are numbered as in the committed notebook: papermill's injected and error-marker cells do not count."""
    messages = []
    for extra in ({}, {"countries": ["GB"], "seed": 2}):
        with pytest.raises(NotebookFailed) as failure:
            run_notebook("42", {"fail": True} | extra, reports_root=tmp_path / "reports")
        messages.append(str(failure.value))
    for message in messages:
        assert "42_tiny: cell 4 of 4 ('if fail:') raised ValueError: asked to fail. " in message
        assert ".." not in message and str(paths.REPO_ROOT) not in message and sys.prefix not in message
        assert "\n" not in message and "Traceback" not in message
    assert not (tmp_path / "reports" / "42_tiny").exists()  # nothing published
    assert (paths.runs_dir() / "failed" / "42_tiny" / "42_tiny.html").is_file()


@pytest.mark.slow
def test_failed_run_leaves_the_previous_report_intact(published_run: NotebookRun, tiny_notebook: Path,
                                                     tmp_path: Path) -> None:
    root = tmp_path / "reports"
    _copy_report(published_run, root)  # the previous report: countries GB and DE, the failing run's only DE
    before = _files(root)
    with pytest.raises(NotebookFailed, match="previous report in .*42_tiny is unchanged"):
        run_notebook("42", {"countries": ["DE"], "fail": True}, reports_root=root)
    assert _files(root) == before


@pytest.mark.slow
def test_a_run_killed_mid_way_leaves_the_old_report_intact(published_run: NotebookRun, tmp_path: Path) -> None:
    notebook = write_tiny_notebook(tmp_path / "nb" / "42_tiny.ipynb")
    out = tmp_path / "out"
    _copy_report(published_run, out)  # the old report (countries GB and DE); only the killed run needs its own process
    before = _files(out)
    killed = _cli("run", str(notebook), "-p", "countries", "[DE]", "-p", "sleep", "60", "--out", str(out), cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not list(out.glob(".42_tiny.*.partial/figures/DE.png")) and time.monotonic() < deadline:
        time.sleep(0.2)
    killed.send_signal(signal.SIGTERM)
    assert killed.wait(60) == 130
    assert "previous reports are unchanged" in killed.stderr.read_text()
    assert _files(out) == before
    assert not list(out.glob(".*.partial"))


@pytest.mark.slow
def test_concurrent_runs_into_one_folder_never_mix_files(tmp_path: Path) -> None:
    notebook = write_tiny_notebook(tmp_path / "nb" / "42_tiny.ipynb")
    out = tmp_path / "out"
    runs = [_cli("run", str(notebook), "-p", "countries", f"[{country}]", "-p", "sleep", "1", "--out", str(out), cwd=tmp_path)
            for country in ("GB", "DE")]
    assert [run.wait(180) for run in runs] == [0, 0]
    report = out / "42_tiny"
    figures = sorted(p.name for p in (report / "figures").iterdir())
    assert len(figures) == 1
    executed = nbformat.read(report / "42_tiny.ipynb", as_version=4)
    country = figures[0].removesuffix(".png")
    assert executed.metadata.papermill.parameters["countries"] == [country]
    assert (report / "results.json").read_text() == repr([country])
    assert f"['{country}'] None" in html.unescape((report / "42_tiny.html").read_text())


@pytest.mark.slow
def test_relative_paths_start_from_the_users_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line run from the user's directory (in this process: what matters is its working directory,
    and a new Python process would add seconds of imports)."""
    notebook = write_tiny_notebook(tmp_path / "nb" / "42_tiny.ipynb")
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "mine.txt").write_text("my own data")
    monkeypatch.chdir(work)
    assert main(["run", str(notebook), "-p", "own_file", "data/mine.txt", "--out", "reports_here"]) == 0
    executed = (work / "reports_here" / "42_tiny" / "42_tiny.ipynb").read_text()
    assert "my own data" in executed
    assert sorted(p.name for p in work.iterdir()) == ["data", "reports_here"]


@pytest.mark.slow
def test_rerun_gives_byte_identical_files_without_machine_paths(published_run: NotebookRun, tiny_notebook: Path,
                                                               tmp_path: Path) -> None:
    """What keeps `git status` clean after `make all`: no timestamps, random ids or absolute paths in the output.

    The first run is the shared one, made from another folder: a re-run gives the same bytes wherever the clone is."""
    first = published_run
    second = run_notebook("42", {"countries": ["GB", "DE"]}, reports_root=tmp_path / "b")
    assert _files(first.executed.parents[1]) == _files(tmp_path / "b")
    for run, folder in ((first, first.executed.parents[2]), (second, tmp_path)):
        text = run.executed.read_text()
        assert str(folder) not in text and "start_time" not in text and "iopub" not in text
    injected = [c for c in json.loads(second.executed.read_text())["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert [c["id"] for c in injected] == ["injected-parameters-2"]


@pytest.mark.slow
def test_parallel_run_matches_a_sequential_run_byte_for_byte(tiny_notebook: Path, tmp_path: Path) -> None:
    write_tiny_notebook(tiny_notebook.with_name("43_other.ipynb"))
    write_tiny_notebook(tiny_notebook.with_name("00_last.ipynb"))
    sequential = run_many(None, parameters={"countries": ["FR"]}, reports_root=tmp_path / "one", jobs=1)
    parallel = run_many(None, parameters={"countries": ["FR"]}, reports_root=tmp_path / "two", jobs=2)
    assert [r.name for r in sequential] == [r.name for r in parallel] == ["42_tiny", "43_other", "00_last"]
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert len(_files(tmp_path / "one")) == 3 * 5


def test_a_parallel_run_starts_the_notebooks_that_took_longest_last_time_first(tiny_notebook: Path) -> None:
    from talentmarket.report import runner

    write_tiny_notebook(tiny_notebook.with_name("43_other.ipynb"))
    write_tiny_notebook(tiny_notebook.with_name("44_third.ipynb"))
    plans = [runner.plan_run(name) for name in ("42", "43", "44")]
    assert runner._longest_first(plans) == [0, 1, 2], "never timed: the notebooks' own order"
    runner._record_seconds([runner.NotebookRun(name, Path(), Path(), Path(), seconds)
                            for name, seconds in (("43_other", 9.0), ("44_third", 20.0))])
    assert runner._longest_first(plans) == [2, 1, 0]
    (paths.cache_dir() / runner.SECONDS_FILE).write_text('{"43_other": "slow", "44_third": 3}')
    assert runner._longest_first(plans) == [2, 0, 1]
    (paths.cache_dir() / runner.SECONDS_FILE).write_text("not json")
    assert runner._longest_first(plans) == [0, 1, 2]


@pytest.mark.slow
def test_cell_timeout_is_one_line_naming_the_cell_and_the_option(tiny_notebook: Path, capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    assert main(["run", "42", "-p", "sleep", "30", "--timeout", "2", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "42_tiny: cell 3 of 4" in error and "CellTimeoutError" in error and "raise --timeout" in error



def test_configure_names_the_mirror_and_quiets_kernels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Set-up writes talentmarket.toml (read by every kernel through paths) and the venv's kernel log level."""
    from talentmarket.report import runner

    monkeypatch.setattr(paths, "CONFIG_FILE", tmp_path / "talentmarket.toml")
    kernel_config = tmp_path / "venv" / "etc" / "ipython" / "ipython_kernel_config.json"
    kernel_config.parent.mkdir(parents=True)
    kernel_config.write_text(json.dumps({"IPKernelApp": {"matplotlib": "inline"}, "Other": {"x": 1}}))
    monkeypatch.setattr(runner.sys, "prefix", str(tmp_path / "venv"))
    mirror = tmp_path / "my mirror \"quoted\""
    mirror.mkdir()
    assert main(["configure", "--data-dir", str(mirror)]) == 0
    assert paths.configured_mirror(paths.CONFIG_FILE) == mirror.resolve()
    assert json.loads(kernel_config.read_text()) == {"IPKernelApp": {"matplotlib": "inline", "log_level": "CRITICAL"},
                                                     "Other": {"x": 1}}
    assert "names the mirror" in capsys.readouterr().err


def test_a_broken_config_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "talentmarket.toml"
    config.write_text("[data\nmirror = 1\n")
    monkeypatch.setattr(paths, "CONFIG_FILE", config)
    monkeypatch.delenv(paths.MIRROR_ENV_VAR)
    with pytest.raises(paths.ConfigError, match="talentmarket.toml: not valid TOML"):
        paths.mirror_dir()


@pytest.mark.slow
def test_sigterm_during_a_parallel_run_unwinds_every_worker(tmp_path: Path) -> None:
    first = write_tiny_notebook(tmp_path / "nb" / "42_tiny.ipynb")
    second = write_tiny_notebook(tmp_path / "nb" / "43_other.ipynb")
    out = tmp_path / "out"
    killed = _cli("run", str(first), str(second), "-p", "sleep", "60", "--jobs", "2", "--out", str(out), cwd=tmp_path)
    deadline = time.monotonic() + 90
    while len(list(out.glob(".*.partial/figures/US.png"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    killed.send_signal(signal.SIGTERM)
    assert killed.wait(60) == 130
    assert not list(out.glob(".*.partial")) and not (out / "42_tiny").exists() and not (out / "43_other").exists()
