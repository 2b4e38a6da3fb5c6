"""The scorecard's early start: its kernel starts on the first idle core and waits, before the cell tagged
``reads-other-notebooks``, until the notebooks it reads have finished — and gives up if one of them failed.

The notebooks here synchronise through files instead of sleeping, so the overlap is proven, not timed: the
slow notebook finishes only once the scorecard's kernel has run its first cell.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import nbformat
import pytest
from conftest import TINY_PARAMETERS, write_tiny_notebook
from nbformat.v4 import new_code_cell, new_notebook
from talentmarket import paths
from talentmarket.report.runner import WAIT_TAG, NotebookFailed, run_many

KERNELSPEC = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
WAIT_SECONDS = 120
"""How long the slow notebook waits for the scorecard's first cell before failing (it never should)."""


def _write(path: Path, *sources: str, wait_before: int | None = None) -> Path:
    """A notebook of the tiny parameters and ``sources`` (``STEM`` replaced by its stem); the cell at index
    ``wait_before`` of ``sources`` carries the wait tag."""
    cells = [new_code_cell(TINY_PARAMETERS, metadata={"tags": ["parameters"]}, id="parameters")]
    for index, source in enumerate(sources):
        tags = [WAIT_TAG] if index == wait_before else []
        cells.append(new_code_cell(source.replace("STEM", repr(path.stem)), metadata={"tags": tags}, id=f"cell-{index}"))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells, metadata=KERNELSPEC), path)
    return path


OUT_DIR = "from pathlib import Path\nfrom talentmarket import paths\nout_dir = Path(output_dir or paths.report_dir(STEM))\n"
SCORECARD_STARTED = (OUT_DIR + "root = out_dir.parent\n"
                     "before = sorted(p.parent.name for p in root.glob('*/results.json'))\n"
                     "(root / 'scorecard-started').write_text('yes')\n")
SCORECARD_READS = ("after = sorted(p.parent.name for p in root.glob('*/results.json'))\n"
                   "out_dir.mkdir(parents=True, exist_ok=True)\n"
                   "(out_dir / 'results.json').write_text(repr({'before': before, 'after': after}))\n")
SLOW_NOTEBOOK = (OUT_DIR + "import time\nsignal = out_dir.parent / 'scorecard-started'\n"
                 f"deadline = time.monotonic() + {WAIT_SECONDS}\n"
                 "while not signal.exists() and time.monotonic() < deadline:\n    time.sleep(0.05)\n"
                 "out_dir.mkdir(parents=True, exist_ok=True)\n"
                 "(out_dir / 'results.json').write_text(repr(signal.exists()))\n"
                 "if fail:\n    raise ValueError('asked to fail.')\n")


@pytest.fixture
def notebooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A quick notebook, a slow one that waits for the scorecard's first cell, and a scorecard that waits."""
    directory = tmp_path / "notebooks"
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", directory)
    write_tiny_notebook(directory / "42_quick.ipynb")
    _write(directory / "43_slow.ipynb", SLOW_NOTEBOOK)
    _write(directory / "00_scorecard.ipynb", SCORECARD_STARTED, SCORECARD_READS, wait_before=1)
    return directory


@pytest.mark.slow
def test_the_scorecard_starts_on_an_idle_core_and_reads_results_only_once_all_are_written(notebooks: Path,
                                                                                         tmp_path: Path) -> None:
    root = tmp_path / "reports"
    side_jobs: list[tuple[int, list[str]]] = []

    def record() -> None:
        side_jobs.append((os.getpid(), sorted(p.parent.name for p in root.glob("*/results.json"))))

    runs = run_many(None, reports_root=root, jobs=2, while_running=record)
    assert [run.name for run in runs] == ["42_quick", "43_slow", "00_scorecard"]
    [(pid, published)] = side_jobs  # once, in this process, when the first notebook was done (a worker idled)
    assert pid == os.getpid() and "42_quick" in published
    assert (root / "43_slow" / "results.json").read_text() == "True"  # it saw the scorecard's first cell run
    seen = ast.literal_eval((root / "00_scorecard" / "results.json").read_text())
    assert seen == {"before": ["42_quick"], "after": ["42_quick", "43_slow"]}


@pytest.mark.slow
def test_an_early_scorecard_gives_up_when_a_notebook_it_reads_fails(notebooks: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "reports"
    with pytest.raises(NotebookFailed) as failed:
        run_many(None, parameters={"fail": True}, reports_root=root, jobs=2)
    assert "The scorecard was not run: it reads the other notebooks' results." in str(failed.value)
    assert "00_scorecard: done" not in capsys.readouterr().err
    assert sorted(p.name for p in root.iterdir() if not p.name.endswith(".lock")) == ["scorecard-started"]
