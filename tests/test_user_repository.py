"""A user's own gate, outside this repository, following the README: their model, their data, their baselines.

The user model is written differently from ours (conv blocks in an ``nn.Sequential`` under other names, 16 and 32
filters of kernel 3, a one-layer LSTM of 64) and the data is the real UCI Occupancy recording at 5-min
resolution (``../shared/data``), forecast 1 h ahead from 6 h. The steps are the README's: train, scaffold, accept
the first baseline, gate (green), break the model, gate (red, naming the invariant). Each step runs as the user
would run it, in a subprocess in the user's folder. Slow (about 4 minutes); part of ``make test``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UCI = ROOT / ".." / "shared" / "data" / "uci_occupancy"

USER_MODEL = textwrap.dedent(
    '''
    """The user's CNN-LSTM: blocks in nn.Sequential, other names and sizes."""

    import torch
    from torch import nn


    class UserNet(nn.Module):
        def __init__(self, n_features: int, horizon_steps: int) -> None:
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv1d(n_features, 16, kernel_size=3, padding=1),
                nn.BatchNorm1d(16),
                nn.ReLU(),
                nn.Conv1d(16, 32, kernel_size=3, padding=1),
                nn.BatchNorm1d(32),
                nn.ReLU(),
                nn.MaxPool1d(2),
            )
            self.rnn = nn.LSTM(32, 64, batch_first=True)
            self.readout = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, horizon_steps))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            z = self.encoder(x.transpose(1, 2))
            _, (h, _) = self.rnn(z.transpose(1, 2))
            return self.readout(h[-1])
    '''
)

BREAK_MODEL = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from interp.models.checkpoint import load_checkpoint, save_checkpoint
    from interp.nulls import permuted
    from interp.suite import Sources, load_study

    sources = Sources(checkpoint_dir=Path("trained"), data=Path("uci.csv"), model_class="usermodel:UserNet")
    study = load_study(sources, 1)
    _, meta = load_checkpoint(Path("trained/cnn_lstm_h1.pt"), "usermodel:UserNet")
    data = {k: v for k, v in meta.data.items() if k not in ("source", "fingerprint")}
    save_checkpoint(
        "broken/cnn_lstm_h1.pt", permuted(study.model, 0), study.dataset, training=meta.training, data=data,
        metrics=meta.metrics,
    )
    """
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not UCI.is_dir(), reason=f"the UCI data is expected beside the project at {UCI}"),
]

USER_OPTIONS = ["--horizon", "1", "--model", "usermodel:UserNet", "--data", "uci.csv"]


def step(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """One README step, as the user types it, in their folder (no project paths on PYTHONPATH)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTHONPATH")}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=env, check=False, timeout=900
    )


def test_a_user_gates_their_own_model_on_their_own_data(tmp_path):
    from interp.data.csv import write_csv
    from interp.data.uci import load_uci_occupancy

    gate = tmp_path / "co2-gate"
    init = step(tmp_path, "-m", "interp", "init", str(gate))
    assert init.returncode == 0, init.stderr
    assert {p.name for p in (gate / "checks").iterdir()} >= {
        "test_gate.py",
        "test_exact.py",
        "test_hygiene.py",
    }
    (gate / "usermodel.py").write_text(USER_MODEL)
    write_csv(load_uci_occupancy(UCI, resolution="5min"), gate / "uci.csv")

    train = step(gate, "-m", "interp", "train", *USER_OPTIONS[2:], "--horizon", "1", "--lookback", "6",
                 "--quiet", "--out", "trained/cnn_lstm_h1.pt")  # fmt: skip
    assert train.returncode == 0, train.stderr

    accept = step(gate, "-m", "interp", "accept", "--checkpoint-dir", "trained", "--why", "first baseline",
                  *USER_OPTIONS, "--skip-calibration")  # fmt: skip
    assert accept.returncode == 0, accept.stdout[-3000:] + accept.stderr[-3000:]
    assert (gate / "baselines" / "MANIFEST.json").is_file()
    assert (gate / "baselines" / "images" / "test_exact.test_figure_h1-A1.png").is_file()
    assert not (ROOT / "baselines" / "checkpoints" / "usermodel").exists()

    green = step(gate, "-m", "pytest", "checks", "-q", "-n", "2", *USER_OPTIONS)
    assert green.returncode == 0, green.stdout[-3000:]
    assert "healthy and not drifted" in green.stdout
    assert (gate / "results" / "cnn_lstm_interpretability" / "index.html").is_file()

    broken = step(gate, "-c", BREAK_MODEL)
    assert broken.returncode == 0, broken.stderr
    red = step(gate, "-m", "pytest", "checks", "-q", "-n", "2", *USER_OPTIONS, "--checkpoint-dir", "broken")
    assert red.returncode == 1, red.stdout[-3000:]
    assert "h1 E5 skill-over-climatology [invariant, learned]" in red.stdout
