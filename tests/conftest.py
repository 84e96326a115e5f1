"""Shared fixtures of the unit tests: a small embedded dataset, a quickly trained tiny checkpoint and an untrained
CNN-LSTM with non-trivial BatchNorm statistics.

With ``CI=true`` Hypothesis runs derandomized (profile ``interp-ci``): a CI failure is the same on every run.
"""

from __future__ import annotations

import dataclasses
import os

import pytest
from hypothesis import HealthCheck, settings

from interp.config import DataConfig, TrainConfig
from interp.data.windows import embedded_dataset

settings.register_profile(
    "interp-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI") == "true":
    # The same examples on every CI run, nothing printed beyond the failure itself (Hypothesis's own "ci"
    # profile, which it loads by itself on CI, adds reproduction blobs).
    settings.load_profile("interp-ci")

SMALL = DataConfig(days=40)
QUICK = TrainConfig(epochs=1, batch_size=128)


@pytest.fixture(scope="session")
def small_dataset():
    """40 days of the embedded room, 1 h horizon."""
    return embedded_dataset(1, **dataclasses.asdict(SMALL))


@pytest.fixture(scope="session")
def quick_checkpoint(tmp_path_factory):
    """A 1-epoch cnn_lstm checkpoint (1 h) on 40 days of embedded data, and its folder."""
    from interp.suite import train_checkpoints

    folder = tmp_path_factory.mktemp("quick")
    (path,) = train_checkpoints(
        folder, (1,), ("cnn_lstm",), data_config=SMALL, train_config=QUICK, quiet=True
    )
    return path


@pytest.fixture(scope="session")
def reference_study():
    """``reference_study(hours)``: the committed reference checkpoint of a horizon on the embedded data, cached.

    The negative tests break *this* model (the suite's own reference architecture), never the model under test.
    """
    from interp.suite import Sources, load_study

    cache = {}

    def get(hours: int):
        if hours not in cache:
            cache[hours] = load_study(Sources(), hours)
        return cache[hours]

    return get


@pytest.fixture(scope="session")
def bn_varied_model():
    """``bn_varied_model(horizon_steps, bn_bias=(-0.3, 0.3))``: a seeded (0) untrained CNNLSTMForecaster of 10
    features in eval mode whose BatchNorm statistics and affine terms are drawn away from the identity (a lower
    ``bn_bias`` puts more channels at the ReLU's zero)."""
    import torch

    from interp.models import CNNLSTMForecaster

    def make(horizon_steps: int, bn_bias: tuple[float, float] = (-0.3, 0.3)) -> CNNLSTMForecaster:
        torch.manual_seed(0)
        net = CNNLSTMForecaster(10, horizon_steps)
        with torch.no_grad():
            for bn in (net.bn1, net.bn2):
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.uniform_(*bn_bias)
        return net.eval()

    return make
