"""``interp init DIR``: a gate folder of your own, with the same top-level shape as this repository.

::

    DIR/
      checks/     test_gate.py, test_exact.py, test_hygiene.py — each collects the gate's checks from the
                  installed package (:mod:`interp.checks`)
      baselines/  your accepted model: checkpoints/, images/, snapshots/, MANIFEST.json, calibration.json
                  (written by ``interp accept``; empty until then)
      results/    each run's results tree and report
      conftest.py says where the gate comes from (the ``interp`` pytest plugin, installed with the package)
      pytest.ini  the gate's pytest settings (image comparison, warnings as errors)

This repository's own ``checks/`` and ``conftest.py`` are these files (``tests/test_scaffold.py`` keeps them equal),
so the repository is the first user of the mechanism.
"""

from __future__ import annotations

from pathlib import Path

from interp.atomic import write_atomic
from interp.errors import ConfigError

CHECKS = {
    "test_gate.py": "Tiers 1 and 2 of the gate: health invariants and drift against the accepted model.",
    "test_exact.py": "Tier 3 of the gate: figures and metric snapshots compared exactly (accepted model only).",
    "test_hygiene.py": "Hygiene: the study leaves the model under test as it found it.",
}
"""The gate's check modules and what each holds."""

CONFTEST = '''"""An interp gate folder: ``pytest checks`` runs the gate on your model (see README of interp).

The options, fixtures, report and verdict come from the ``interp`` pytest plugin, installed with the package;
``checks/`` collects the gate's checks from ``interp.checks``. Scaffolded by ``interp init``.
"""
'''

PYTEST_INI = """[pytest]
# The gate's settings (scaffolded by `interp init`; the same as the interp repository's pyproject.toml).
testpaths = checks
addopts =
    --strict-markers
    --mpl
    --mpl-baseline-path=baselines/images
    --mpl-results-path=results/mpl
    -p no:cacheprovider
mpl-use-full-test-name = true
mpl-deterministic = true
mpl-default-style = default
mpl-default-tolerance = 2
mpl-default-backend = agg
filterwarnings =
    error
    ignore:Ignoring --mpl-baseline-path since --mpl-generate-path is set:UserWarning
"""

BASELINES_README = """# baselines/

Your accepted model: `checkpoints/` (cnn_lstm_h{1,24}.pt, optional lstm_h{1,24}.pt), `images/` and `snapshots/`
(the exact tier), `MANIFEST.json` (which model they belong to, and why), `calibration.json` (drift tolerances).
Written by `interp accept --checkpoint-dir DIR --why "…"` and `interp calibrate`; commit them.
"""

RESULTS_README = """# results/

Output only: each `pytest checks` (or `interp study`) run writes `cnn_lstm_interpretability/` here, replacing the
previous run's tree, with `index.html` (the report), `summary.png` and `study_results.json`.
"""


def check_module(name: str) -> str:
    """The text of ``checks/<name>``: a docstring and a star import of :mod:`interp.checks`'s module."""
    module = name.removesuffix(".py")
    return f'"""{CHECKS[name]}"""\n\nfrom interp.checks.{module} import *  # noqa: F403\n'


def files() -> dict[str, str]:
    """Every scaffolded file, by path relative to the folder."""
    out = {f"checks/{name}": check_module(name) for name in CHECKS}
    out |= {
        "conftest.py": CONFTEST,
        "pytest.ini": PYTEST_INI,
        "baselines/README.md": BASELINES_README,
        "results/README.md": RESULTS_README,
    }
    return out


def init(folder: Path, *, force: bool = False) -> list[Path]:
    """Write the gate folder's files into ``folder``; returns their paths.

    Raises
    ------
    ConfigError
        When ``folder`` is a file, or one of the files exists and ``force`` is not set.
    """
    if folder.exists() and not folder.is_dir():
        raise ConfigError(
            f"{folder}: expected a folder for the gate. Found a file. Pass a new or empty folder."
        )
    existing = [rel for rel in files() if (folder / rel).exists()]
    if existing and not force:
        raise ConfigError(
            f"{folder}: expected no gate files yet. Found {', '.join(existing)}. Pass --force to overwrite them."
        )
    written = []
    for rel, text in files().items():
        write_atomic(folder / rel, text.encode("utf-8"))
        written.append(folder / rel)
    for sub in ("baselines/checkpoints", "baselines/images", "baselines/snapshots"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return written
