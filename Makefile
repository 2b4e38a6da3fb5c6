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
# The real-data mirror beside the clone (as in CI); elsewhere data come from the cache or a download.
MIRROR := $(abspath ../shared/data/real)
export TALENTMARKET_DATA_DIR ?= $(if $(wildcard $(MIRROR)),$(MIRROR),)

.PHONY: all test notebooks lab bench clean

$(MAIN_STAMP): pyproject.toml .ci/install.sh
	bash .ci/install.sh $(VENV) '.' $(PYTHON)
	touch $@

$(DEV_STAMP): pyproject.toml .ci/install.sh
	bash .ci/install.sh $(VENV) '.[dev,scale,spark]' $(PYTHON)
	touch $@ $(MAIN_STAMP)

$(LAB_STAMP): pyproject.toml .ci/install.sh
	bash .ci/install.sh $(VENV) '.[lab]' $(PYTHON)
	touch $@

all: $(MAIN_STAMP)
	$(PY) -m talentmarket all

# nbval writes the notebooks' results into a temporary reports folder, never over the main job's.
test: $(DEV_STAMP)
	bash .ci/system-deps.sh
	TALENTMARKET_REPORTS_DIR="$$(mktemp -d)" $(PY) -m pytest -n 2 --dist loadfile --nbval-lax tests notebooks

notebooks: $(MAIN_STAMP)  ## refresh the outputs stored in notebooks/ (default parameters, real data)
	$(PY) -m talentmarket run --update-notebook
	$(PY) -m talentmarket site

lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(DEV_STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) build lib/*.egg-info
