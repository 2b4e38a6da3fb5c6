#!/usr/bin/env bash
# Create a virtual environment if absent and install the project into it, editable, with the given extras:
#   bash .ci/install.sh VENV '.'                     [PYTHON]   # the main job's dependencies only (make all)
#   bash .ci/install.sh VENV '.[dev,scale,spark]'    [PYTHON]   # what tests and benchmarks need (make test)
# uv (a PyPI package, put into the venv by PYTHON's pip) resolves and links a warm cache in seconds; where it
# cannot be had, the venv's own pip does the same more slowly. Both read packages from the registries only.
set -euo pipefail
venv=$1
target=$2
python=${3:-python3}

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv --without-pip "$venv"   # seeding pip with ensurepip takes longer than uv installs it
fi
if [ ! -x "$venv/bin/uv" ]; then
    "$python" -m pip --python "$venv/bin/python" install --quiet uv \
        || echo "install.sh: uv unavailable, installing with pip"
fi
if [ ! -x "$venv/bin/uv" ]; then
    [ -x "$venv/bin/pip" ] || "$venv/bin/python" -m ensurepip --default-pip
    "$venv/bin/python" -m pip install --quiet -e "$target"   # pip writes bytecode for every file itself
    exit 0
fi
"$venv/bin/uv" pip install --quiet --python "$venv/bin/python" pip -e "$target"   # pip: .venv/bin/pip works too

# uv writes no bytecode, and compiling all of site-packages takes longer than the install. Compile what the
# main job imports by importing it once here, in two processes: otherwise each kernel compiles it again (always,
# where PYTHONDONTWRITEBYTECODE is set, as on our machines: 750 modules, 6-11 s of the main job's CPU).
# The first process takes the kernels' stack and what is imported on first use rather than at start: ipykernel's
# debugger (every kernel loads it when it starts), pyfixest's estimation (numba, on the first fit), pandera's pandas
# backend (the first validation), pooch and Parquet (the data store), Pygments' Python lexer (rendering); a module a
# version does not have is skipped. The second takes every talentmarket module.
compile() {  # run the Python code $1 (with the arguments after it) with bytecode writing allowed
    env -u PYTHONDONTWRITEBYTECODE "$venv/bin/python" -c "$1" "${@:2}" || echo "install.sh: bytecode not written; the first run compiles it"
}
import_modules() {  # import each named module (one a version does not have is skipped), writing its bytecode
    compile '
import contextlib, importlib, sys
import talentmarket  # first, for the warning filter it sets
for name in sys.argv[1:]:
    with contextlib.suppress(ImportError):
        importlib.import_module(name)
' "$@"
}
# (Outside a kernel the debugger would warn about frozen modules; the variable makes that a debug line.)
PYDEVD_DISABLE_FILE_VALIDATION=1 import_modules ipykernel.kernelapp ipykernel.debugger matplotlib_inline.backend_inline \
    papermill nbconvert pyfixest.estimation pandera.backends.pandas.register pooch pyarrow.parquet pyarrow.dataset \
    pygments.lexers.python &
compile '
import importlib, pkgutil
import talentmarket
OPTIONAL = {"ibis", "pyspark", "psutil"}  # extras the main install leaves out
for info in pkgutil.walk_packages(talentmarket.__path__, "talentmarket.", onerror=lambda name: None):
    try:
        importlib.import_module(info.name)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in OPTIONAL:
            raise
'
wait

# The test run imports more at collection than the main job does: for the test install, also what each pytest
# process imports before its first test (pytest and its plugins, statsmodels.api, Selenium: 432 of the 530 modules a
# collection compiled every time; the rest are pytest's own rewritten plugins).
case "$target" in
    *dev*) import_modules pytest _pytest.pytester xdist.plugin nbval.plugin typeguard statsmodels.api \
        selenium.webdriver.chrome.service selenium.webdriver.common.by ;;
esac
