"""The papermill runner: parameters are checked before a kernel starts; failures name the cell."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from talentmarket import paths
from talentmarket.__main__ import main
from talentmarket.errors import ParameterError
from talentmarket.report.runner import NotebookFailed, discover_notebooks, notebook_parameters, run_notebook, validate_parameters


@pytest.fixture
def tiny_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A two-parameter notebook in a temporary notebooks directory; its second cell fails when ``fail`` is set."""
    notebook = new_notebook(cells=[
        new_code_cell("fail = False\ncountries = ['US']\ndata_dir = None\nsynthetic = False\noutput_dir = None",
                      metadata={"tags": ["parameters"]}),
        new_code_cell("# NBVAL_CHECK_OUTPUT\nif fail:\n    raise ValueError('asked to fail')\nprint(sorted(countries))"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    directory = tmp_path / "notebooks"
    directory.mkdir()
    path = directory / "42_tiny.ipynb"
    nbformat.write(notebook, path)
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", directory)
    return path


def test_parameters_are_read_from_the_tagged_cell(tiny_notebook: Path) -> None:
    assert notebook_parameters(tiny_notebook) == {"fail": False, "countries": ["US"], "data_dir": None,
                                                 "synthetic": False, "output_dir": None}


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


@pytest.mark.slow
def test_run_writes_executed_notebook_and_both_html_versions(tiny_notebook: Path, tmp_path: Path) -> None:
    run = run_notebook("42", {"countries": ["GB", "DE"]}, reports_root=tmp_path / "reports")
    assert run.executed.is_file() and run.html.is_file() and run.reader_html.is_file()
    run_metadata = nbformat.read(run.executed, as_version=4).metadata.papermill
    assert (run_metadata.input_path, run_metadata.output_path) == ("42_tiny.ipynb", "42_tiny.ipynb")
    full, reader = (html.unescape(p.read_text()) for p in (run.html, run.reader_html))
    assert "['DE', 'GB']" in full and "['DE', 'GB']" in reader
    assert "NBVAL_CHECK_OUTPUT" in full and "NBVAL_CHECK_OUTPUT" not in reader


@pytest.mark.slow
def test_synthetic_run_is_bannered_first_and_titled(tiny_notebook: Path, tmp_path: Path) -> None:
    run = run_notebook("42", synthetic=True, reports_root=tmp_path / "reports")
    reader = html.unescape(run.reader_html.read_text())
    assert "<title>SYNTHETIC DATA" in reader
    assert reader.index("SYNTHETIC DATA — illustration only") < reader.index("['US']")


@pytest.mark.slow
def test_failing_cell_is_named(tiny_notebook: Path, tmp_path: Path) -> None:
    with pytest.raises(NotebookFailed, match=r"42_tiny: cell .* raised ValueError: asked to fail"):
        run_notebook("42", {"fail": True}, reports_root=tmp_path / "reports")


def test_update_notebook_refuses_custom_parameters(tiny_notebook: Path) -> None:
    with pytest.raises(ParameterError, match="default-parameter runs on real data only"):
        run_notebook("42", {"fail": True}, update_notebook=True)


def test_parameters_papermill_cannot_parse_are_reported(tiny_notebook: Path) -> None:
    notebook = nbformat.read(tiny_notebook, as_version=4)
    notebook.cells[0].source += "\nseed = 1  # None = random"
    nbformat.write(notebook, tiny_notebook)
    with pytest.raises(ParameterError, match=r"cannot see parameter\(s\) \['seed'\]"):
        notebook_parameters(tiny_notebook)


@pytest.mark.parametrize("notebook", discover_notebooks(), ids=lambda p: p.stem)
def test_every_real_notebook_has_overridable_literal_parameters(notebook: Path) -> None:
    parameters = notebook_parameters(notebook)
    assert {"data_dir", "synthetic", "seed", "output_dir"} <= set(parameters)


def test_real_notebooks_are_discovered_with_the_scorecard_last() -> None:
    names = [p.stem for p in discover_notebooks()]
    assert names[0].startswith("01_") and names[-1].startswith("00_")
