"""Kernels forked from the run's template behave as kernels jupyter_client launches: same working directory,
environment and matplotlib backend, a session of their own, fresh random state, their notebook's imports
already done; a cell timeout interrupts them and a kernel that dies is reported dead; and no kernel outlives
the template, nor the process that asked for it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import nbval.kernel
import nbval_kernels
import papermill
import pytest
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from conftest import TINY_PARAMETERS
from nbformat.v4 import new_code_cell, new_notebook
from talentmarket import paths
from talentmarket.report import kernels
from talentmarket.report.kernels import (
    TemplateKernelManager,
    import_statements,
    kernel_template,
)
from talentmarket.report.runner import run_many

KERNELSPEC = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
PRELOADED_MODULE = "xml.dom.minidom"
"""Imported by the notebook below and by nothing ipykernel needs, so it is in ``sys.modules`` before the
notebook's own import runs only if the template imported it."""
SETS_VARIABLE_MODULE = "sets_a_variable_at_import"
"""A module of the test's own, imported by the notebook below, that sets an environment variable when imported
(as pandera sets PySpark's): a forked kernel must have it, as a kernel that ran the import itself has."""
FACTS = """\
import json, os, random, sys
import matplotlib
facts = {"cwd": os.getcwd(), "variable": os.environ.get("TEMPLATE_TEST_VARIABLE"), "preloaded": PRELOADED,
         "set_at_import": os.environ.get("TEMPLATE_IMPORT_VARIABLE"),
         "backend": matplotlib.get_backend(), "own_session": os.getsid(0) == os.getpid(),
         "path_head": sys.path[0], "random": random.random()}
print(json.dumps(facts))
"""


def _write(path: Path, *sources: str) -> Path:
    nbformat.write(new_notebook(cells=[new_code_cell(source) for source in sources], metadata=KERNELSPEC), path)
    return path


def _run(notebook: Path, cwd: Path, **options: object) -> dict:
    """Execute with the template's kernel manager; the JSON the last cell printed."""
    executed = papermill.execute_notebook(str(notebook), str(cwd / f"out_{notebook.name}"), kernel_name="python3",
                                          progress_bar=False, cwd=str(cwd), kernel_manager_class=TemplateKernelManager,
                                          **options)
    return json.loads(executed.cells[-1].outputs[0]["text"])


@pytest.fixture(scope="module")
def facts_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kernels")
    (folder / f"{SETS_VARIABLE_MODULE}.py").write_text('import os\nos.environ.setdefault("TEMPLATE_IMPORT_VARIABLE", "set by an import")\n')
    check = f"import sys\nPRELOADED = {PRELOADED_MODULE!r} in sys.modules"
    return _write(folder / "facts.ipynb", check, f"import {PRELOADED_MODULE}\nimport {SETS_VARIABLE_MODULE}", FACTS)


@pytest.fixture(scope="module")
def template(facts_notebook: Path) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ["TEMPLATE_TEST_VARIABLE"] = "set before the kernel starts"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(facts_notebook.parent), os.environ.get("PYTHONPATH")]))
    try:
        with kernel_template([facts_notebook], {"OPENBLAS_NUM_THREADS": "1"}):
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_the_template_imports_each_notebooks_top_level_imports_once(tmp_path: Path) -> None:
    notebook = _write(tmp_path / "n.ipynb", "%matplotlib inline\nimport os\nfrom pathlib import Path",
                      "import os\nx = 1\ndef f():\n    import json")
    assert import_statements(notebook) == ["import os", "from pathlib import Path"]


def test_a_forked_kernel_looks_like_a_launched_one(template: None, facts_notebook: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _run(facts_notebook, tmp_path), _run(facts_notebook, tmp_path)
    with monkeypatch.context() as without_template:
        without_template.setattr(kernels, "_serving", None)
        launched = _run(facts_notebook, tmp_path)
    assert first["preloaded"] and second["preloaded"] and not launched["preloaded"]
    assert first["random"] != second["random"], "every kernel re-seeds, as a fresh interpreter would"
    same = {key: value for key, value in launched.items() if key not in ("preloaded", "random")}
    assert {key: first[key] for key in same} == same
    assert same["cwd"] == str(tmp_path) and same["variable"] == "set before the kernel starts"
    assert same["set_at_import"] == "set by an import"
    assert same["backend"] == kernels.INLINE_BACKEND and same["own_session"]


def test_a_cell_timeout_interrupts_a_forked_kernel(template: None, tmp_path: Path) -> None:
    notebook = _write(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    started = time.monotonic()
    with pytest.raises(CellTimeoutError):
        papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   progress_bar=False, execution_timeout=1, kernel_manager_class=TemplateKernelManager)
    assert time.monotonic() - started < 30


def test_a_forked_kernel_that_dies_is_reported_dead(template: None, tmp_path: Path) -> None:
    notebook = _write(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    with pytest.raises(DeadKernelError):
        papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   progress_bar=False, kernel_manager_class=TemplateKernelManager)


def _gone(pid: int, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_no_kernel_outlives_the_process_that_asked_for_it_nor_the_template(tmp_path: Path) -> None:
    arguments = ["-f", str(tmp_path / "kernel.json")]
    with kernel_template([], {}):  # nothing to import but ipykernel: this template is quick to start
        asked = kernels._ForkedKernel.request(str(kernels._serving), arguments, dict(os.environ), str(tmp_path))
        kept = kernels._ForkedKernel.request(str(kernels._serving), arguments[:1] + [str(tmp_path / "k2.json")],
                                             dict(os.environ), str(tmp_path))
        asked.connection.close()  # as when the worker that asked dies
        assert _gone(asked.pid)
        assert kept.poll() is None
    assert _gone(kept.pid)


def test_every_kernel_of_a_run_is_forked_from_its_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", tmp_path / "notebooks")
    paths.NOTEBOOKS_DIR.mkdir()
    for stem in ("42_first", "43_second"):
        cells = [new_code_cell(TINY_PARAMETERS, metadata={"tags": ["parameters"]}),
                 new_code_cell(f"import sys\nPRELOADED = {PRELOADED_MODULE!r} in sys.modules"),
                 new_code_cell(f"import {PRELOADED_MODULE}\nfrom pathlib import Path\nfrom talentmarket import paths"),
                 new_code_cell(f"out_dir = Path(output_dir or paths.report_dir({stem!r}))\n"
                               "out_dir.mkdir(parents=True, exist_ok=True)\n"
                               "(out_dir / 'results.json').write_text(repr(PRELOADED))")]
        nbformat.write(new_notebook(cells=cells, metadata=KERNELSPEC), paths.NOTEBOOKS_DIR / f"{stem}.ipynb")
    runs = run_many(None, reports_root=tmp_path / "reports", jobs=2)
    assert [(run.executed.parent / "results.json").read_text() for run in runs] == ["True", "True"]


def test_off_linux_no_template_starts_and_kernels_are_launched_as_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "FORK_SAFE_PLATFORMS", ())
    with kernel_template([], {}):
        assert kernels._serving is None


def _nbval_kernel_facts(cwd: Path) -> dict:
    """Start a kernel as nbval does, and read whether the notebook's import was done and who forked it."""
    kernel = nbval.kernel.RunningKernel("python3", cwd=str(cwd))
    printed = []
    try:
        code = (f"import json, os, sys\nprint(json.dumps({{'preloaded': {PRELOADED_MODULE!r} in sys.modules, "
                "'parent': os.getppid(), 'cwd': os.getcwd()}))")
        kernel.kc.execute_interactive(code, timeout=60, output_hook=lambda message: printed.append(
            message["content"].get("text", "")) if message["msg_type"] == "stream" else None)
    finally:
        kernel.stop()
    return json.loads("".join(printed))


def test_nbvals_kernels_fork_from_their_own_template_and_launch_as_usual_once_it_is_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = nbval_kernels._Template()
    template.notebooks = [_write(tmp_path / "imports.ipynb", f"import {PRELOADED_MODULE}")]  # a quick template
    monkeypatch.setattr(nbval_kernels, "_template", template)
    monkeypatch.setattr(nbval.kernel, "KernelManager", nbval_kernels.ForkedNbvalKernelManager)
    try:
        forked = _nbval_kernel_facts(tmp_path)
        assert kernels._serving is None, "the runner's kernel manager does not fork from nbval's template"
        os.kill(forked["parent"], 9)
        with pytest.warns(UserWarning, match="launched as usual"):
            launched = _nbval_kernel_facts(tmp_path)
    finally:
        template.close()
    assert forked["preloaded"] and forked["cwd"] == str(tmp_path) and forked["parent"] != os.getpid()
    assert not launched["preloaded"] and launched["cwd"] == str(tmp_path) and launched["parent"] == os.getpid()
