"""Users' own models, data and folders: scaffolding, export, layouts the suite refuses, devices, regimes."""

from __future__ import annotations

import configparser
import dataclasses
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from interp import catalog
from interp.cli import main
from interp.errors import ConfigError
from interp.gate.outcome import run_invariant
from interp.hooks import check_forecaster
from interp.models import CNNLSTMForecaster
from interp.scaffold import files, init
from interp.study import Study
from interp.suite import parse_regime_bounds, torch_device

ROOT = Path(__file__).resolve().parents[1]


def test_this_repository_is_a_gate_folder_like_the_scaffold():
    """checks/ and conftest.py are exactly what `interp init` writes, so the two cannot drift apart."""
    for rel, text in files().items():
        if rel.startswith("checks/") or rel == "conftest.py":
            assert (ROOT / rel).read_text() == text, rel


def test_the_scaffold_pytest_settings_are_the_repository_s():
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string(files()["pytest.ini"])
    scaffold = ini["pytest"]
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    for key in ("mpl-use-full-test-name", "mpl-deterministic", "mpl-default-style", "mpl-default-tolerance"):
        assert str(ours[key]).lower() == scaffold[key].strip().lower(), key
    assert scaffold["addopts"].split() == [a for opt in ours["addopts"] for a in opt.split()]


def test_init_writes_the_folder_and_refuses_to_overwrite(tmp_path, capsys):
    assert main(["init", str(tmp_path / "gate")]) == 0
    assert (tmp_path / "gate" / "checks" / "test_gate.py").is_file()
    assert (tmp_path / "gate" / "baselines" / "checkpoints").is_dir()
    assert main(["init", str(tmp_path / "gate")]) == 2
    assert "Pass --force" in capsys.readouterr().err
    init(tmp_path / "gate", force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="Found a file"):
        init(tmp_path / "file")


class Bidirectional(CNNLSTMForecaster):
    def __init__(self, n_features: int = 10, horizon_steps: int = 1) -> None:
        super().__init__(n_features, horizon_steps)
        self.lstm = nn.LSTM(64, 64, num_layers=2, batch_first=True, bidirectional=True)


class TupleOutput(CNNLSTMForecaster):
    def forward(self, x: torch.Tensor):
        return super().forward(x), None


@pytest.mark.parametrize(
    ("model", "message"),
    [(Bidirectional(), "unidirectional"), (TupleOutput(), "one tensor"), (CNNLSTMForecaster(10, 3), "shape")],
    ids=["bidirectional", "tuple", "wrong_horizon"],
)
def test_layouts_the_suite_cannot_study_are_refused_in_one_line(model, message):
    with pytest.raises(ConfigError, match=message) as found:
        check_forecaster(model.eval(), torch.zeros(4, 24, 10), 1)
    assert "\n" not in str(found.value)


@pytest.mark.parametrize("spec", ["cuda", "cuda:3", "gpu", "tpu:0"])
def test_a_device_this_torch_cannot_use_is_refused_up_front(spec):
    if spec.startswith("cuda") and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ConfigError, match="--device"):
        torch_device(spec)
    assert torch_device("cpu").type == "cpu"


@pytest.mark.parametrize("text", ["1200,800", "800", "a,b", "-5,10"])
def test_regime_bounds_must_be_two_increasing_levels(text):
    with pytest.raises(ConfigError, match="--regime-bounds"):
        parse_regime_bounds(text)
    assert parse_regime_bounds("600,1000") == (600.0, 1000.0)


def test_regime_items_skip_on_data_that_fills_one_regime(reference_study):
    """A sensor that never leaves Low: C4, C6, E7 and A7 say why instead of publishing a perfect score."""
    study = reference_study(24)
    low = dataclasses.replace(study.dataset, test_regimes=np.zeros_like(study.dataset.test_regimes))
    only_low = Study(study.model, low, 24)
    for item in catalog.items():
        reason = catalog.not_applicable(item, only_low)
        assert (reason is not None) == item.needs_regimes, item.id
    assert "fill only Low" in catalog.not_applicable(catalog.item("C4"), only_low)
    (a7,) = catalog.item("A7").invariants
    assert run_invariant(a7, catalog.item("A7"), only_low).status == "skipped"


def test_export_turns_a_state_dict_into_a_checkpoint_the_suite_loads(tmp_path, capsys):
    from interp.data.csv import write_csv
    from interp.data.synthetic import indoor_co2
    from interp.models.checkpoint import load_checkpoint

    csv = write_csv(indoor_co2(days=40), tmp_path / "room.csv")
    torch.manual_seed(0)
    torch.save(CNNLSTMForecaster(10, 1).state_dict(), tmp_path / "weights.pt")
    scaler = {"mean": {f: 0.0 for f in ("co2", "temperature", "humidity", "light", "occupancy",
                                         "outdoor_temperature", "pressure", "hour_sin", "hour_cos",
                                         "is_weekday")}}  # fmt: skip
    scaler["scale"] = dict.fromkeys(scaler["mean"], 1.0)
    (tmp_path / "scaler.json").write_text(json.dumps(scaler))
    args = [
        "export",
        "--model",
        "interp.models:CNNLSTMForecaster",
        "--state-dict",
        str(tmp_path / "weights.pt"),
    ]
    args += ["--data", str(csv), "--horizon", "1", "--scaler", str(tmp_path / "scaler.json")]
    assert main([*args, "--out", str(tmp_path / "exported.pt")]) == 0
    model, meta = load_checkpoint(tmp_path / "exported.pt")
    assert meta.scaler.mean.tolist() == [0.0] * 10 and meta.horizon_hours == 1.0
    assert torch.equal(model.conv1.weight, torch.load(tmp_path / "weights.pt")["conv1.weight"])
    wrong = [*args[:-4], "--horizon", "24", "--out", str(tmp_path / "x.pt")]
    assert main(wrong) == 2 and "expected weights that fit" in capsys.readouterr().err
