"""The public API of DESIGN §7, as a user calls it, on a reference checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

import interp

REFERENCE = Path(__file__).resolve().parents[1] / "baselines" / "checkpoints" / "cnn_lstm_h24.pt"


def test_the_documented_calls_work_together():
    model, meta = interp.load_checkpoint(REFERENCE)
    dataset = interp.embedded_dataset(24)
    assert meta.data["fingerprint"] == dataset.fingerprint
    assert dataset.test.x.shape[1:] == (24, 10) and dataset.test.y.shape[1] == 24
    x = dataset.test.x[:8]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    saliency = interp.attribution.saliency(model, x)
    guided = interp.attribution.guided_backprop(model, x)
    layers = interp.attribution.layer_gradients(model, x)
    assert saliency.shape == guided.shape == (8, 24, 10)
    assert {k: v.shape for k, v in layers.items()} == {
        "conv1": (8, 32, 24),
        "conv2": (8, 64, 24),
        "pool": (8, 64, 12),
    }
    assert not np.allclose(saliency, guided)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    study = interp.Study(model, dataset, 24)
    assert study.tag == "h24" and study.capture.grad_input.mean_abs.shape == (24, 10)
    assert study.capture.grad_input.window_norm.shape == (len(dataset.test.x),)
