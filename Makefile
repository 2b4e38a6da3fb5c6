# Entry points for people and CI. Every target calls the Python package; no logic lives only here.
#   make all    — create .venv, install, run every notebook on the real data, render reports/ and reports/index.html
#   make test   — create .venv, install, run unit tests and nbval on the committed notebooks
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Install levels: the main job's dependencies; those plus what tests and benchmarks need; JupyterLab.
MAIN_STAMP := $(VENV)/.installed-main
DEV_STAMP := $(VENV)/.installed-dev
LAB_STAMP := $(VENV)/.installed-lab
# Set-up ends with `talentmarket configure`: talentmarket.toml names the real-data mirror (../shared/data/real
# beside the clone when present) for the CLI, papermill and JupyterLab kernels alike (docs/running.md).
CONFIGURE := $(PY) -m talentmarket configure

.PHONY: all test notebooks lab bench clean

$(MAIN_STAMP): pyproject.toml .ci/install.sh
	bash .ci/install.sh $(VENV) '.' $(PYTHON)
	$(CONFIGURE)
	touch $@

$(DEV_STAMP): pyproject.toml .ci/install.sh
	bash .ci/install.sh $(VENV) '.[dev,scale,spark]' $(PYTHON)
	$(CONFIGURE)
	touch $@ $(MAIN_STAMP)

$(LAB_STAMP): pyproject.toml .ci/install.sh
	bash .ci/install.sh $(VENV) '.[lab]' $(PYTHON)
	$(CONFIGURE)
	touch $@

all: $(MAIN_STAMP)
	$(PY) -m talentmarket all

# nbval writes the notebooks' results into a temporary reports folder, never over the main job's.
# A cell may take at most 15 minutes under nbval, so a kernel that died cannot stall CI for nbval's default 2000 s.
# One BLAS thread per process: two workers with a BLAS thread per core each would oversubscribe the cores,
# and OpenBLAS threads then spin against each other (several times slower); kernels of the main job run so too.
BLAS_ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
test: $(DEV_STAMP)
	bash .ci/system-deps.sh
	$(BLAS_ONE_THREAD) TALENTMARKET_REPORTS_DIR="$$(mktemp -d)" $(PY) -m pytest -n 2 --dist loadfile --durations=25 --nbval-lax --nbval-cell-timeout=900 tests notebooks

notebooks: $(MAIN_STAMP)  ## refresh the outputs stored in notebooks/ (default parameters, real data)
	$(PY) -m talentmarket run --update-notebook
	$(PY) -m talentmarket site

# No browser is opened (none in a container); as root JupyterLab needs --allow-root.
lab: $(LAB_STAMP)
	@echo "JupyterLab: open the http://127.0.0.1:8888/lab?token=... address it prints below (Ctrl-C twice stops it)"
	$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=8888 $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

bench: $(DEV_STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) build lib/*.egg-info
