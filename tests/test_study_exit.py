"""``interp study`` exit codes a CI script can tell apart, and the report it writes (the same as pytest's).

0 every check passed, 1 a check failed, 2 bad input or usage, 3 an internal error.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from interp import report
from interp.cli import main
from interp.models.checkpoint import load_checkpoint, save_checkpoint
from interp.suite import BASELINES, Sources, load_study


def test_the_accepted_model_passes_every_tier_with_exit_0(tmp_path, capsys):
    assert main(["study", "--horizon", "24", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("passed: report ")
    results = json.loads((tmp_path / "cnn_lstm_interpretability" / "study_results.json").read_text())
    assert results["status"] == "passed"
    assert results["counts"]["exact"]["passed"] > 0 and results["counts"]["exact"]["failed"] == 0
    assert results["provenance"]["h24"]["is_accepted_baseline"] is True


def test_a_broken_model_fails_with_exit_1_and_names_the_check(tmp_path, capsys):
    folder = tmp_path / "broken"
    folder.mkdir()
    model, meta = load_checkpoint(BASELINES / "checkpoints" / "cnn_lstm_h24.pt")
    with torch.no_grad():
        model.head[-1].weight.zero_()  # a constant forecast: no skill over the mean
    dataset = load_study(Sources(), 24).dataset
    data = {k: v for k, v in meta.data.items() if k not in ("source", "fingerprint")}
    save_checkpoint(folder / "cnn_lstm_h24.pt", model, dataset, training=meta.training, data=data, metrics={})
    shutil.copy(BASELINES / "checkpoints" / "lstm_h24.pt", folder)
    status = main(
        ["study", "--horizon", "24", "--checkpoint-dir", str(folder), "--out", str(tmp_path / "out")]
    )
    captured = capsys.readouterr()
    assert status == 1
    assert "FAILED h24 E5 skill-over-climatology [invariant, learned]" in captured.err
    assert captured.out.strip().splitlines()[-1].startswith("FAILED: report ")
    results = json.loads((tmp_path / "out" / "cnn_lstm_interpretability" / "study_results.json").read_text())
    assert results["status"] == "failed" and "h24-E5-skill-over-climatology [invariant]" in results["failed"]


def test_bad_input_is_exit_2(tmp_path, capsys):
    assert main(["study", "--horizon", "7", "--out", str(tmp_path)]) == 2
    assert "--horizon expects one of 1, 24" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["study", "--no-such-option"])
    assert usage.value.code == 2


def test_an_internal_error_is_exit_3_with_its_traceback(tmp_path, capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(report, "record_item", boom)
    assert main(["study", "--horizon", "1", "--out", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "internal error (RuntimeError): a bug" in err
    assert not (Path(tmp_path) / "cnn_lstm_interpretability").exists()
