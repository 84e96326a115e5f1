"""Damaged checkpoints: one CheckpointError line naming the file, what is wrong, and the fix — never a traceback.

Each case edits a copy of a quickly trained checkpoint and loads it twice: with :func:`load_checkpoint`, and
through ``python -m interp study`` (exit 2, one ``interp: error:`` line, no results tree).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from interp.cli import main
from interp.errors import CheckpointError
from interp.models.checkpoint import load_checkpoint


class Custom:
    """A class a safe load must never instantiate."""


def _scaler(**change):
    def edit(payload):
        payload["scaler"] = {**payload["scaler"], **change}

    return edit


def _state(name, value):
    def edit(payload):
        state = dict(payload["state_dict"])
        if value is None:
            del state[name]
        else:
            state[name] = value
        payload["state_dict"] = state

    return edit


def _field(name, value):
    def edit(payload):
        payload[name] = value

    return edit


CASES = {
    "empty scaler": (_scaler(mean=[], scale=[]), ["scaler mean", "10 finite numbers", "[]"]),
    "short scaler": (_scaler(scale=[1.0] * 9), ["scaler scale", "10 finite numbers"]),
    "zero scale": (_scaler(scale=[0.0] * 10), ["scaler scale", "positive"]),
    "target index": (_scaler(target_index=12), ["target_index", "0 … 9", "12"]),
    "reversed bounds": (_field("regime_bounds", [1200.0, 800.0]), ["regime_bounds", "[1200.0, 800.0]"]),
    "zero resolution": (_field("resolution_seconds", 0.0), ["resolution_seconds", "positive"]),
    "wrong shape": (
        _state("conv1.weight", torch.zeros(32, 9, 7)),
        ["state_dict['conv1.weight']", "(32, 10, 7)", "(32, 9, 7)"],
    ),
    "missing tensor": (_state("lstm.weight_hh_l1", None), ["1 missing", "lstm.weight_hh_l1"]),
    "pickled object": (
        _field("metrics", {"loss": Custom()}),
        ["test_robust_checkpoint.Custom", "a safe load never runs"],
    ),
}


def damaged(quick_checkpoint: Path, folder: Path, edit) -> Path:
    payload = torch.load(quick_checkpoint, weights_only=True)
    edit(payload)
    path = folder / "cnn_lstm_h1.pt"
    torch.save(payload, path)
    return path


@pytest.mark.parametrize("case", CASES)
def test_damaged_checkpoint_is_one_error_line(quick_checkpoint, tmp_path, case):
    edit, expected = CASES[case]
    path = damaged(quick_checkpoint, tmp_path, edit)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    message = str(error.value)
    assert message.startswith(f"{path}: expected ")
    assert "\n" not in message and "\x1b" not in message
    for part in expected:
        assert part in message, (part, message)
    assert "Retrain" in message or "retrain" in message


@pytest.mark.parametrize("case", ["empty scaler", "reversed bounds", "wrong shape", "pickled object"])
def test_damaged_checkpoint_in_the_cli(quick_checkpoint, tmp_path, capsys, case):
    edit, expected = CASES[case]
    path = damaged(quick_checkpoint, tmp_path, edit)
    out = tmp_path / "res"
    status = main(["study", "--horizon", "1", "--checkpoint", str(path), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and err.startswith(f"interp: error: {path}: expected ")
    assert expected[0] in err and "Traceback" not in err
    assert not (out / "cnn_lstm_interpretability").exists()


def test_unsafe_pickle_message_is_not_torchs_advice_page(quick_checkpoint, tmp_path):
    """torch's message advises loading with weights_only=False; ours never does."""
    path = damaged(quick_checkpoint, tmp_path, CASES["pickled object"][0])
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    assert "weights_only" not in str(error.value) and "trust" not in str(error.value)
