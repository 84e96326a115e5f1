"""Bad input: one line naming the thing and the fix, exit status 2, no traceback, no results written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interp.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def room_csv(tmp_path_factory):
    """The embedded data as a CSV (60 days), via the CLI."""
    path = tmp_path_factory.mktemp("csv") / "room.csv"
    assert main(["data", "--out", str(path), "--days", "60"]) == 0
    return path


def run_cli(args: list[str], capsys, out: Path) -> str:
    """Run the CLI, expect a clean failure, return its one error line."""
    status = main([*args, "--out", str(out)]) if "study" in args else main(args)
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("interp: error: ")
    assert "Traceback" not in err
    assert not (out / "cnn_lstm_interpretability").exists()
    return err


def edited(room_csv: Path, tmp_path: Path, edit) -> Path:
    frame = pd.read_csv(room_csv, dtype=str)
    frame = edit(frame)
    path = tmp_path / "edited.csv"
    frame.to_csv(path, index=False)
    return path


def test_truncated_checkpoint(capsys, tmp_path, quick_checkpoint):
    bad = tmp_path / "cnn_lstm_h1.pt"
    bad.write_bytes(quick_checkpoint.read_bytes()[:3000])
    err = run_cli(["study", "--horizon", "1", "--checkpoint", str(bad)], capsys, tmp_path / "res")
    assert "cnn_lstm_h1.pt" in err and "Retrain" in err


def test_foreign_checkpoint(capsys, tmp_path):
    bad = tmp_path / "foreign.pt"
    bad.write_text("not a checkpoint")
    err = run_cli(["study", "--horizon", "1", "--checkpoint", str(bad)], capsys, tmp_path / "res")
    assert "foreign.pt" in err


def test_checkpoint_whose_features_differ_from_the_data(capsys, tmp_path, quick_checkpoint, room_csv):
    data = edited(room_csv, tmp_path, lambda f: f.drop(columns=["pressure"]))
    err = run_cli(
        ["study", "--horizon", "1", "--checkpoint", str(quick_checkpoint), "--data", str(data)],
        capsys,
        tmp_path / "res",
    )
    assert "features" in err and "Found 9" in err


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda f: f.drop(columns=["co2"]), "co2"),
        (lambda f: f.assign(humidity=f["humidity"].where(f.index != 50, "")), "humidity"),
        (lambda f: f.assign(light=f["light"].where(f.index != 70, "bright")), "light"),
        (lambda f: f.iloc[np.r_[0:30, 31, 30, 32 : len(f)]], "Sort the file"),
        (lambda f: pd.concat([f.iloc[:40], f.iloc[39:]]), "uplicate"),
        (lambda f: f.iloc[:120], "rows"),
    ],
    ids=["missing-target", "nan", "non-numeric", "unsorted", "duplicate", "too-few-rows"],
)
def test_bad_csv_for_training(capsys, tmp_path, room_csv, edit, expected):
    data = edited(room_csv, tmp_path, edit)
    err = run_cli(
        [
            "train",
            "--horizon",
            "1",
            "--data",
            str(data),
            "--epochs",
            "1",
            "--quiet",
            "--out",
            str(tmp_path / "m.pt"),
        ],
        capsys,
        tmp_path / "res",
    )
    assert expected in err and "edited.csv" in err
    assert not (tmp_path / "m.pt").exists()


def test_model_that_does_not_import(capsys, tmp_path, quick_checkpoint):
    err = run_cli(
        [
            "study",
            "--horizon",
            "1",
            "--checkpoint",
            str(quick_checkpoint),
            "--model",
            "no_such_pkg.models:Net",
        ],
        capsys,
        tmp_path / "res",
    )
    assert "--model" in err and "no_such_pkg" in err


def test_horizon_seven_in_the_cli(capsys, tmp_path):
    err = run_cli(["study", "--horizon", "7"], capsys, tmp_path / "res")
    assert "--horizon" in err and "1, 24" in err


def test_horizon_seven_in_pytest_is_a_usage_error():
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "checks", "--horizon", "7", "-q", "--co"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 4
    assert "--horizon expects one of 1, 24" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_regeneration_is_refused_under_ci():
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "checks", "--snapshot-update", "-q", "--co"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**_env(), "CI": "true"},
    )
    assert proc.returncode == 4
    assert "refused with CI=true" in proc.stderr


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_the_checks_run_single_threaded():
    """torch, BLAS and OpenMP pools all at one thread (set by the root conftest.py, as in the CLI)."""
    from interp.runtime import thread_counts

    assert torch_threads() == 1
    assert thread_counts() and set(thread_counts()) == {1}


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def test_csv_column_options_name_the_timestamp_target_and_features(tmp_path, room_csv, capsys):
    data = edited(room_csv, tmp_path, lambda f: f.rename(columns={"timestamp": "time", "co2": "CO2ppm"}))
    out = tmp_path / "custom.pt"
    features = "CO2ppm,occupancy,hour_sin,hour_cos"
    args = ["train", "--horizon", "1", "--data", str(data), "--timestamp", "time", "--target", "CO2ppm"]
    assert main([*args, "--features", features, "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    from interp.models.checkpoint import load_checkpoint

    model, meta = load_checkpoint(out)
    assert meta.feature_names == tuple(features.split(",")) and meta.target == "CO2ppm"
    assert model.conv1.in_channels == 4
