# make study | make test | make baselines | make bench — each bootstraps .venv from the project's own files.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2

.PHONY: study test baselines bench lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $(STAMP)

study: $(STAMP)
	$(PY) -m interp study

test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadgroup

# Regenerate baseline images and metric snapshots for both horizons, on purpose only (refused with CI=true).
baselines: $(STAMP)
	$(PY) -m pytest checks --mpl-generate-path=baselines/images --snapshot-update -q

bench: $(STAMP)
	$(PY) -m interp bench

lint: $(STAMP)
	$(PY) -m ruff check interp checks tests conftest.py

clean:
	rm -rf results/cnn_lstm_interpretability results/mpl
