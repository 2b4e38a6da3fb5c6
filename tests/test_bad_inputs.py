"""Bad inputs end in one line naming the culprit and the fix, exit status 2, and (almost all) before a kernel starts.

Every case calls the command line in-process, as ``python -m talentmarket …`` would, and checks the exit
status, that the last line of stderr names the culprit, and that there is no traceback. Paths in the
cases are relative to a scratch directory the test runs from (``{tmp}`` stands for it where a case needs
an absolute one). Download, mirror and cache faults are the data layer's cases (tests/test_load.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import write_tiny_notebook
from talentmarket.__main__ import main

CLI_CASES = [
    # (case id, argv, culprit the message must name)
    ("unknown-notebook", ["run", "99"], "notebook '99' matches 0 notebooks"),
    ("unknown-parameter", ["run", "01", "-p", "primary_contry", "GB"], "unknown parameter(s) ['primary_contry']"),
    ("timeout-zero", ["run", "01", "--timeout", "0"], "--timeout: 0 must be above 0 seconds"),
    ("timeout-negative", ["run", "01", "--timeout", "-5"], "--timeout: -5 must be above 0 seconds"),
    ("timeout-text", ["run", "01", "--timeout", "soon"], "--timeout: 'soon' is not a whole number of seconds"),
    ("jobs-zero", ["run", "01", "--jobs", "0"], "--jobs: '0' is not a whole number of workers"),
    ("parameters-file-missing", ["run", "02", "-f", "missing.yaml"], "-f missing.yaml: no such file"),
    ("parameters-file-directory", ["run", "02", "-f", "a_directory"], "-f a_directory: is a directory"),
    ("parameters-file-malformed", ["run", "02", "-f", "malformed.yaml"], "-f malformed.yaml: not valid YAML"),
    ("parameters-file-not-mapping", ["run", "02", "-f", "list.yaml"], "-f list.yaml: expected a mapping"),
    ("parameters-file-binary", ["run", "02", "-f", "binary.yaml"], "-f binary.yaml: cannot be read"),
    ("parameter-malformed-list", ["run", "01", "-p", "countries", "[GB, DE"], "-p countries: not valid YAML"),
    ("parameter-malformed-mapping", ["run", "02", "-p", "industry_groups", "{Tech: [51"], "-p industry_groups: not valid YAML"),
    ("data-dir-missing", ["run", "01", "--data-dir", "no_such_mirror"], "--data-dir no_such_mirror: does not exist"),
    ("data-dir-is-a-file", ["run", "01", "--data-dir", "a_file.txt"], "--data-dir a_file.txt: is not a directory"),
    ("out-is-a-file", ["run", "01", "--out", "a_file.txt"], "a_file.txt: is a file, not a directory"),
    ("out-under-a-file", ["run", "01", "--out", "a_file.txt/reports"], "cannot create it"),
    ("out-not-creatable", ["run", "01", "--out", "/proc/talentmarket_reports"], "/proc/talentmarket_reports: cannot create it"),
    ("update-notebook-with-parameters", ["run", "01", "--update-notebook", "-p", "primary_country", "GB"], "--update-notebook"),
    ("update-notebook-synthetic", ["run", "01", "--update-notebook", "--synthetic"], "--update-notebook"),
    ("output-dir-parameter", ["run", "02", "-p", "output_dir", "x"], "parameter 'output_dir' is set by the runner"),
    ("wrong-type", ["run", "01", "-p", "countries", "GB"], "parameter 'countries' expects a value like"),
    ("site-missing-folder", ["site", "--out", "no_reports_here"], "--out no_reports_here: no such reports folder"),
    ("site-truncated-results", ["site", "--out", "truncated"], "results.json: not valid JSON"),
    ("site-incomplete-results", ["site", "--out", "incomplete"], "results.json: incomplete, lacks ['claims']"),
    ("configure-missing-mirror", ["configure", "--data-dir", "no_such_mirror"], "--data-dir"),
    ("no-command", [], "the following arguments are required: command"),
]

PARAMETER_CASES = [
    # (notebook, parameter, YAML value, culprit the message must name)
    ("00", "results_dir", "no_such_folder", "'results_dir' = 'no_such_folder'"),
    ("00", "registry_path", "no_such.csv", "'registry_path' = 'no_such.csv'"),
    ("01", "ai_measure", "foo", "'ai_measure' = 'foo': not one of ['ai', 'genai']"),
    ("01", "primary_country", "JP", "'primary_country' = 'JP': not one of"),
    ("01", "countries", "[JP]", "['JP'] not available"),
    ("01", "countries", "[]", "'countries' = []: needs at least 1"),
    ("01", "countries", "[GB, GB]", "a value is repeated"),
    ("01", "tech_sectors", "[Astrology]", "['Astrology'] not available"),
    ("01", "owid_countries", "[Atlantis]", "['Atlantis'] not available"),
    ("01", "comparison_start", "not-a-date", "'comparison_start' = 'not-a-date': not a date in the form YYYY-MM-DD"),
    ("01", "event_date", "2022-13-45", "'event_date' = '2022-13-45': not a date"),
    ("01", "share_baseline_end", "31/12/2019", "not a date in the form YYYY-MM-DD"),
    ("01", "postings_path", "no_postings.parquet", "'postings_path' = 'no_postings.parquet'"),
    ("01", "seed", "-1", "'seed' = -1: out of range"),
    ("01", "seed", "99999999999", "'seed' = 99999999999: out of range"),
    ("01", "data_dir", "no_such_mirror", "'data_dir' = 'no_such_mirror'"),
    ("01", "data_dir", "a_file.txt", "is not a directory"),
    ("02", "min_cell_size", "-1", "'min_cell_size' = -1: out of range"),
    ("02", "min_cell_size", "0", "'min_cell_size' = 0: out of range"),
    ("02", "bootstrap_draws", "0", "'bootstrap_draws' = 0: out of range: expected whole numbers ≥"),
    ("02", "bootstrap_draws", "38", "'bootstrap_draws' = 38"),
    ("02", "ai_definition", "robots", "'ai_definition' = 'robots': not one of"),
    ("02", "comparison_group", "everyone", "'comparison_group' = 'everyone'"),
    ("02", "pair_handling", "average", "'pair_handling' = 'average'"),
    ("02", "salary_sources", "[kaggle]", "['kaggle'] not available"),
    ("02", "salary_sources", "[]", "'salary_sources' = []: needs at least 1"),
    ("02", "comparison_sources", "[kaggle]", "'comparison_sources'"),
    ("02", "own_salary_files", "{missing.csv: ai}", "missing.csv does not exist"),
    ("02", "own_salary_files", "{salaries.csv: banana}", "is tagged 'banana'"),
    ("02", "employer_countries", "[usa]", "['usa'] not ISO 3166 alpha-2 codes"),
    ("02", "trend_years", "[2030, 2031]", "[2030, 2031] not available"),
    ("02", "trend_years", "[2024]", "'trend_years' = [2024]: needs at least 2"),
    ("02", "years", "[1900]", "'years' = [1900]: out of range"),
    ("02", "title_blocks", "2", "'title_blocks' = 2: out of range"),
    ("02", "industry_groups", "{Tech: []}", "group 'Tech' must map a name to a non-empty list"),
    ("02", "industry_groups", "{Tech: [true]}", "neither text nor whole numbers"),
    ("02", "industry_groups", "{Tech: 51}", "group 'Tech' must map a name"),
    ("02", "tech_group", "Nope", "'tech_group' = 'Nope': not one of"),
    ("02", "industry_groups", "{Software: [5415]}", "'tech_group' = 'Tech': not one of ['Software']"),
    ("03", "n_bootstrap", "0", "'n_bootstrap' = 0: out of range"),
    ("03", "sensitivity_bootstrap", "98", "'sensitivity_bootstrap' = 98: out of range: expected whole numbers ≥ 99"),
    ("03", "roles", "[wizards]", "['wizards'] not available"),
    ("03", "roles", "[]", "'roles' = []: needs at least 1"),
    ("03", "countries", "[us]", "['us'] not ISO 3166"),
    ("03", "country_groups", "{EU: [de, fr]}", "['de', 'fr'] not ISO 3166"),
    ("03", "country_groups", "{EU: []}", "group 'EU' must map a name"),
    ("03", "min_cell", "0", "'min_cell' = 0: out of range"),
    ("03", "top_title_pattern", "'('", "'top_title_pattern' = '(': not a valid regular expression"),
    ("03", "oews_occupations", "[99-9999]", "['99-9999'] not available"),
    ("03", "synthetic_case", "chaos", "'synthetic_case' = 'chaos'"),
    ("03", "pair_handling", "mean", "'pair_handling' = 'mean'"),
    ("03", "country_groups", "{EU: [DE, FR]}", "'reference_country' = 'US': not one of ['EU']"),
    ("04", "years", "[2019, 2020]", "'years' = [2019, 2020]: needs at least 3"),
    ("04", "years", "[2017, 2018, 2019]", "[2017, 2018] not available"),
    ("04", "destinations", "[Mars]", "['Mars'] not available"),
    ("04", "tech_group", "Nope", "'tech_group' = 'Nope'"),
    ("04", "postings_country", "XX", "'postings_country' = 'XX'"),
    ("04", "postings_sectors", "[Astrology]", "['Astrology'] not available"),
    ("04", "postings_reference", "Astrology", "'postings_reference' = 'Astrology'"),
    ("04", "wage_sectors", "[Accounting]", "['Accounting'] not available"),  # a posting sector without wage data
    ("04", "wage_start", "2023-02-30", "'wage_start' = '2023-02-30': not a date"),
    ("04", "job_history_file", "no_history.csv", "'job_history_file' = 'no_history.csv'"),
    ("04", "origin_sector", "space", "'origin_sector' = 'space': not one of"),
    ("04", "job_history_sectors", "[tech]", "'job_history_sectors' = ['tech']: needs at least 2"),
    ("04", "bootstrap_draws", "99", "'bootstrap_draws' = 99: out of range: expected whole numbers ≥ 100"),
    ("04", "oews_occupations", "[15-9999]", "['15-9999'] not available"),
]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding the files the cases refer to, relative to it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_directory").mkdir()
    (tmp_path / "a_file.txt").write_text("not a directory\n")
    (tmp_path / "malformed.yaml").write_text("countries: [GB, DE\nprimary_country: GB\n")
    (tmp_path / "list.yaml").write_text("- primary_country\n- GB\n")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "salaries.csv").write_text("work_year\n2024\n")
    for name, text in (("truncated", '{"notebook": "01_demand_growth", "claims": [{"id": '),
                       ("incomplete", '{"notebook": "01_demand_growth", "schema_version": 1}')):
        (tmp_path / name / "01_demand_growth").mkdir(parents=True)
        (tmp_path / name / "01_demand_growth" / "results.json").write_text(text)
    return tmp_path


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    elapsed = time.monotonic() - started
    error = capsys.readouterr().err.strip()
    return status, error, elapsed


@pytest.mark.parametrize(("argv", "culprit"), [case[1:] for case in CLI_CASES], ids=[case[0] for case in CLI_CASES])
def test_bad_command_line_is_one_line_naming_the_culprit(scratch: Path, capsys: pytest.CaptureFixture[str],
                                                          argv: list[str], culprit: str) -> None:
    status, error, elapsed = _refused(argv, capsys)
    assert status == 2
    assert "Traceback" not in error
    assert culprit in error.splitlines()[-1], error
    assert elapsed < 30  # refused before any kernel starts


@pytest.mark.parametrize(("notebook", "name", "value", "culprit"), PARAMETER_CASES,
                         ids=[f"{n}-{p}={v}" for n, p, v, _ in PARAMETER_CASES])
def test_bad_parameter_values_are_refused_before_a_kernel_starts(scratch: Path, capsys: pytest.CaptureFixture[str],
                                                                notebook: str, name: str, value: str, culprit: str) -> None:
    status, error, elapsed = _refused(["run", notebook, "-p", name, value, "--out", "out"], capsys)
    assert status == 2
    assert "Traceback" not in error and len(error.splitlines()) == 1, error
    assert culprit in error and "Fix:" in error, error
    assert elapsed < 30
    assert not (scratch / "out").exists() or not any((scratch / "out").iterdir())  # nothing ran


def test_a_broken_project_configuration_is_named(scratch: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from talentmarket import paths

    config = scratch / "talentmarket.toml"
    config.write_text("[data]\nmirror = \n")
    monkeypatch.setattr(paths, "CONFIG_FILE", config)
    monkeypatch.delenv(paths.MIRROR_ENV_VAR)
    status, error, _ = _refused(["run", "01", "--out", "out"], capsys)
    assert status == 2 and "talentmarket.toml: not valid TOML" in error and "configure" in error


def test_every_notebook_is_checked_before_the_first_kernel_starts(scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad value for the last notebook stops the whole run before the first one executes."""
    status, error, _ = _refused(["run", "01", "03", "-p", "n_bootstrap", "0", "--out", "out"], capsys)
    assert status == 2 and "01_demand_growth: unknown parameter(s) ['n_bootstrap']" in error


def test_dates_stay_text_so_the_date_rule_checks_them(scratch: Path) -> None:
    from talentmarket.__main__ import _parameters

    assert _parameters([["comparison_start", "2023-01-01"]], []) == {"comparison_start": "2023-01-01"}


def test_integer_naics_codes_are_accepted_as_text(scratch: Path) -> None:
    from talentmarket.report.runner import plan_run

    plan = plan_run("02", {"industry_groups": {"Tech": [51, 5415, "-334"]}}, reports_root=scratch / "out")
    assert plan.injected["industry_groups"] == {"Tech": ["51", "5415", "-334"]}


def test_relative_bring_your_own_path_is_found_from_the_working_directory(scratch: Path) -> None:
    from talentmarket.report.runner import plan_run

    plan = plan_run("02", {"own_salary_files": {"salaries.csv": "ai"}}, reports_root=scratch / "out")
    assert plan.cwd == scratch and plan.injected["own_salary_files"] == {"salaries.csv": "ai"}


@pytest.mark.slow
def test_a_cell_error_in_the_kernel_is_one_paragraph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    notebook = write_tiny_notebook(tmp_path / "nb" / "42_tiny.ipynb")
    monkeypatch.chdir(tmp_path)
    status, error, _ = _refused(["run", str(notebook), "-p", "fail", "true", "--out", "out"], capsys)
    assert status == 2
    message = error.splitlines()[-1]
    assert message.startswith("talentmarket: error: 42_tiny: cell 4 of 4 ('if fail:') raised ValueError: asked to fail. ")
    assert "previous report in out/42_tiny is unchanged" in message and "Traceback" not in error


def test_results_json_problems_name_the_file(scratch: Path) -> None:
    """The site reads results written by notebooks; one the reader refuses names its path."""
    from talentmarket.results.contract import ResultsError, read_results

    broken = scratch / "truncated" / "01_demand_growth" / "results.json"
    with pytest.raises(ResultsError, match="results.json: not valid JSON"):
        read_results(broken)
    broken.write_text(json.dumps({"notebook": "01_demand_growth", "claims": [{"id": "demand.x"}], "schema_version": 99}))
    with pytest.raises(ResultsError, match="schema_version 99"):
        read_results(broken)
