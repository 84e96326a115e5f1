# make study | make test | make baselines | make bench — each bootstraps .venv from the project's own files.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2

.PHONY: study test baselines checkpoints bench lint clean

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

# Retrain the four reference checkpoints (deterministic: on the same machine they come out bit-identical).
checkpoints: $(STAMP)
	for h in 1 24; do for m in cnn_lstm lstm; do \
		$(PY) -m interp train --horizon $$h --model-type $$m --quiet --out baselines/checkpoints/$${m}_h$$h.pt || exit 1; \
	done; done

bench: $(STAMP)
	$(PY) -m interp bench

lint: $(STAMP)
	$(PY) -m ruff check interp checks tests conftest.py

clean:
	rm -rf results/cnn_lstm_interpretability results/mpl
