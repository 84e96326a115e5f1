"""Accepting a retrain is one command, and the exact tier then belongs to the accepted model.

The end-to-end test works on a copy of ``baselines/`` (``--baselines``), so the project's baselines are never
touched: it accepts slightly nudged copies of the reference checkpoints, checks the manifest and the redrawn
files, and gates the accepted models with ``pytest checks`` (the exact tier applies and passes) and the old
reference models (the exact tier skips, naming both hashes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from interp.cli import main
from interp.errors import ConfigError
from interp.gate.accept import candidate_files, changed, refuse_in_ci, write_manifest
from interp.gate.manifest import Manifest, sha256_of
from interp.models.checkpoint import load_checkpoint, save_checkpoint
from interp.suite import BASELINES, Sources, load_study

ROOT = Path(__file__).resolve().parents[1]


def test_accept_is_refused_under_ci(monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(ConfigError, match="refused with CI=true"):
        refuse_in_ci()
    assert main(["accept", "--why", "x"]) == 2
    assert "refused with CI=true" in capsys.readouterr().err


def test_a_folder_without_a_horizon_is_refused_naming_the_file(tmp_path):
    shutil.copy(BASELINES / "checkpoints" / "cnn_lstm_h1.pt", tmp_path)
    with pytest.raises(ConfigError, match=r"expected cnn_lstm_h24\.pt"):
        candidate_files(tmp_path)


def test_changed_lists_added_removed_and_modified_files():
    assert changed({"a": "1", "b": "2"}, {"b": "3", "c": "4"}) == ["+ c", "- a", "M b"]


def test_a_manifest_needs_a_reason(tmp_path):
    with pytest.raises(ConfigError, match="--why"):
        write_manifest(tmp_path, "  ")


def _nudged_checkpoints(folder: Path) -> None:
    """The reference checkpoints with every CNN-LSTM weight moved by 1 % of its spread (seeded)."""
    folder.mkdir()
    generator = torch.Generator().manual_seed(0)
    for hours in (1, 24):
        model, meta = load_checkpoint(BASELINES / "checkpoints" / f"cnn_lstm_h{hours}.pt")
        with torch.no_grad():
            for p in model.parameters():
                if p.numel() > 1:
                    p.add_(0.01 * p.std() * torch.randn(p.shape, generator=generator))
        dataset = load_study(Sources(), hours).dataset
        save_checkpoint(
            folder / f"cnn_lstm_h{hours}.pt",
            model,
            dataset,
            training=meta.training,
            data={k: v for k, v in meta.data.items() if k not in ("source", "fingerprint")},
            metrics=meta.metrics,
        )
        shutil.copy(BASELINES / "checkpoints" / f"lstm_h{hours}.pt", folder)


def _pytest(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "checks", "-q", "-p", "no:cacheprovider", "-n", "2", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.slow
def test_accept_makes_a_retrain_the_accepted_baseline(tmp_path, monkeypatch, capsys):
    baselines = tmp_path / "baselines"
    shutil.copytree(BASELINES, baselines)
    retrain = tmp_path / "retrain"
    _nudged_checkpoints(retrain)
    monkeypatch.delenv("CI", raising=False)
    args = ["accept", "--checkpoint-dir", str(retrain), "--why", "nudged test models", "--skip-calibration"]
    assert main([*args, "--baselines", str(baselines)]) == 0
    out = capsys.readouterr().out
    assert "exact tier redrawn" in out and "M images/test_exact.test_figure_h24-E4.png" in out

    manifest = Manifest.read(baselines)
    assert manifest is not None and manifest.why == "nudged test models"
    assert manifest.checkpoints["cnn_lstm_h24.pt"] == sha256_of(retrain / "cnn_lstm_h24.pt")
    assert sha256_of(baselines / "checkpoints" / "cnn_lstm_h1.pt") == sha256_of(retrain / "cnn_lstm_h1.pt")
    assert json.loads((BASELINES / "MANIFEST.json").read_text())["why"] != "nudged test models"

    results = ("--results", str(tmp_path / "results"))
    accepted = _pytest("--baselines", str(baselines), *results)
    assert accepted.returncode == 0, accepted.stdout[-2000:]
    assert "146 exact checks ran, none failed" in accepted.stdout

    # Without --checkpoint-dir the gate reads the accepted models from --baselines; the reference models are
    # named on purpose, and the exact tier skips for them.
    old = _pytest(
        "--baselines",
        str(baselines),
        "--checkpoint-dir",
        str(BASELINES / "checkpoints"),
        "-k",
        "test_figure and h24-B2",
        "-rs",
        *results,
    )
    assert old.returncode == 0 and "is not the accepted baseline" in old.stdout, old.stdout[-2000:]
