"""Training is deterministic: the same seed on the same machine gives a bit-identical state_dict."""

from __future__ import annotations

import torch

from interp.config import TrainConfig
from interp.training import train


def test_retrain_reproduces_the_state_dict_bit_for_bit(small_dataset):
    config = TrainConfig(epochs=2, batch_size=128)
    first = train("cnn_lstm", small_dataset, config, quiet=True).model.state_dict()
    second = train("cnn_lstm", small_dataset, config, quiet=True).model.state_dict()
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_another_seed_gives_other_weights(small_dataset):
    a = train("lstm", small_dataset, TrainConfig(epochs=1, batch_size=128, seed=0), quiet=True).model
    b = train("lstm", small_dataset, TrainConfig(epochs=1, batch_size=128, seed=1), quiet=True).model
    assert not torch.equal(a.head[0].weight, b.head[0].weight)


def test_training_leaves_global_settings_as_they_were(small_dataset):
    threads = torch.get_num_threads()
    train("lstm", small_dataset, TrainConfig(epochs=1, batch_size=128, threads=1), quiet=True)
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()
