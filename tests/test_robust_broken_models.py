"""End to end: a diverged model is reported by ``python -m interp study`` and ``pytest checks``, not crashed on.

Three broken copies of the reference models (both horizons, with the reference LSTM comparison models): +inf conv1
bias, all-NaN conv2 weights, one NaN LSTM weight (which NaNs every forecast). Each is studied in a subprocess from
the project root: the failed invariants are named, the whole results tree is written, and nothing raises.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from interp import catalog
from interp.models.checkpoint import save_checkpoint
from interp.report import TREE
from interp.suite import REFERENCE_CHECKPOINTS, checkpoint_name

ROOT = Path(__file__).resolve().parents[1]

BREAKAGES = {
    "inf-conv1-bias": lambda m: m.conv1.bias.fill_(float("inf")),
    "nan-conv2-weights": lambda m: m.conv2.weight.fill_(float("nan")),
    "nan-lstm-weight": lambda m: m.lstm.weight_hh_l0[0].fill_(float("nan")),
}

EXPECTED_FAILURES = ("h1 E4 finite-forecast", "h24 E4 finite-forecast", "h24 E5 skill-over-climatology")


@pytest.fixture(scope="module")
def broken_dirs(reference_study, tmp_path_factory):
    """``{name: folder}`` with ``cnn_lstm_h{1,24}.pt`` (broken, via save_checkpoint) and the reference
    ``lstm_h{1,24}.pt``."""
    folders = {}
    for name, breakage in BREAKAGES.items():
        folder = tmp_path_factory.mktemp(name)
        for hours in (1, 24):
            study = reference_study(hours)
            model = type(study.model)(**study.checkpoint.model_kwargs)
            model.load_state_dict(study.model.state_dict())
            with torch.no_grad():
                breakage(model)
            meta = study.checkpoint
            data = {k: v for k, v in meta.data.items() if k not in ("source", "fingerprint")}
            save_checkpoint(
                folder / checkpoint_name("cnn_lstm", hours),
                model,
                study.dataset,
                training=meta.training,
                data=data,
                metrics=meta.metrics,
            )
            comparison = checkpoint_name("lstm", hours)
            shutil.copyfile(REFERENCE_CHECKPOINTS / comparison, folder / comparison)
        folders[name] = folder
    return folders


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=1500,
    )


def _figures(tree: Path) -> list[Path]:
    """Every figure the catalog draws for both horizons and across them."""
    per_horizon = [tree / f"h{h}" / item.folder / item.file_name for h in (1, 24) for item in catalog.items()]
    return per_horizon + [tree / item.folder / item.file_name for item in catalog.cross_items()]


@pytest.mark.slow
@pytest.mark.parametrize("name", BREAKAGES)
def test_study_of_a_broken_model_names_the_failures_and_writes_the_tree(broken_dirs, tmp_path, name):
    out = tmp_path / "results"
    proc = _run(["-m", "interp", "study", "--checkpoint-dir", str(broken_dirs[name]), "--out", str(out)])
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith("FAILED ") for line in lines), proc.stderr[-3000:]
    for check in (*EXPECTED_FAILURES, "cross E8 error-grows-with-horizon"):
        assert any(line.startswith(f"FAILED {check} ") for line in lines), check
    tree = out / TREE
    assert proc.stdout.strip().splitlines()[-1] == f"FAILED: report {(tree / 'index.html').resolve()}"
    missing = [str(p.relative_to(tree)) for p in _figures(tree) if not p.is_file()]
    assert missing == []
    results = json.loads((tree / "study_results.json").read_text())
    assert results["status"] == "failed" and "h24-E4-finite-forecast [invariant]" in results["failed"]
    assert (tree / "h1" / "metrics.json").is_file() and (tree / "summary.png").is_file()
    assert not list(out.glob(f".{TREE}.partial-*"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "horizons"), [("inf-conv1-bias", []), ("nan-conv2-weights", ["--horizon", "1"])]
)
def test_pytest_checks_of_a_broken_model_fail_without_errors(broken_dirs, name, horizons):
    started = time.time()
    proc = _run(
        ["-m", "pytest", "checks", "--checkpoint-dir", str(broken_dirs[name]), *horizons, "-n", "2", "-q"]
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]
    summary = output.strip().splitlines()[-2:]
    assert not any(line.startswith("ERROR") for line in output.splitlines()), output[-3000:]
    assert not any(" error" in line for line in summary), summary
    failed = [line.split()[1] for line in output.splitlines() if line.startswith("FAILED checks/")]
    assert failed and all(f.startswith("checks/test_gate.py::test_") for f in failed), failed
    assert "checks/test_gate.py::test_invariant[h1-E4-finite-forecast]" in failed
    report = ROOT / "results" / TREE / "study_results.json"
    assert report.stat().st_mtime >= started
    assert json.loads(report.read_text())["status"] == "failed"
