# make study | make test | make accept | make calibrate | make bench — each bootstraps .venv from the project's files.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2

.PHONY: study test accept baselines calibrate checkpoints bench lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $(STAMP)

study: $(STAMP)
	$(PY) -m interp study

test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadgroup

# Accept a retrain as the new baseline: make accept CHECKPOINT_DIR=DIR WHY="…" (refused with CI=true).
# Copies the checkpoints, writes MANIFEST.json, redraws images and snapshots, recalibrates the drift tolerances.
accept: $(STAMP)
	$(PY) -m interp accept $(if $(CHECKPOINT_DIR),--checkpoint-dir "$(CHECKPOINT_DIR)") --why "$(WHY)"

# Redraw the exact tier of the current baseline after a deliberate change of code or versions: make baselines WHY="…"
baselines: $(STAMP)
	$(PY) -m interp accept --why "$(WHY)"

# Train the healthy ensemble and write baselines/calibration.json (drift tolerances of the current baseline).
calibrate: $(STAMP)
	$(PY) -m interp calibrate

# Retrain the four reference checkpoints (deterministic: on the same machine they come out bit-identical).
checkpoints: $(STAMP)
	for h in 1 24; do for m in cnn_lstm lstm; do \
		$(PY) -m interp train --horizon $$h --model-type $$m --quiet --out baselines/checkpoints/$${m}_h$$h.pt || exit 1; \
	done; done

bench: $(STAMP)
	$(PY) -m interp bench --calibrate

lint: $(STAMP)
	$(PY) -m ruff check interp checks tests conftest.py

clean:
	rm -rf results/cnn_lstm_interpretability results/mpl
