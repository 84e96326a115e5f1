"""The study's passes stream the windows in batches and keep only reductions (DESIGN §9).

Two properties: what the passes keep equals the same reductions of the full ``(N, C, L)`` arrays of one
unbatched pass (the reference implementation is here, in the test, not in the library), whatever the batch
split; and what they keep grows with the number of windows by a few numbers per window, not by a layer map.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from interp import passes
from interp.hooks import CNNLSTMHookManager
from interp.models import CNNLSTMForecaster

HORIZON = 3
LOOKBACK = 24


@pytest.fixture(scope="module")
def model(bn_varied_model):
    return bn_varied_model(HORIZON, bn_bias=(-0.6, 0.3))  # some channels mostly at zero


def windows(n: int, lookback: int = LOOKBACK, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, lookback, 10, generator=torch.Generator().manual_seed(seed))


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 7 windows, so 40 windows pass in 6 batches, the last one short."""
    monkeypatch.setattr(passes, "STEPS_PER_BATCH", 7 * LOOKBACK)


def full_pass(model, x: torch.Tensor, target_step: int = -1) -> dict[str, np.ndarray]:
    """The reference: every map of one unbatched forward and backward pass, as float64 arrays."""
    inputs = x.clone().requires_grad_(True)
    with CNNLSTMHookManager(model) as hooks:
        pred = model(inputs)
    caps = hooks.captures
    names = ("act1", "act2", "pooled", "conv2")
    grads = torch.autograd.grad(pred[:, target_step].sum(), [inputs, *(caps[n] for n in names)])
    out = {n: caps[n].detach().double().numpy() for n in (*names, "h_n")}
    out["pool_indices"] = caps["pool_indices"].numpy()
    out["pred"] = pred.detach().double().numpy()
    out["grad_input"] = grads[0].double().numpy()
    for name, grad in zip(names, grads[1:], strict=True):
        out[f"grad_{name}"] = grad.double().numpy()
    return out


def close(ours, reference) -> None:
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), reference, rtol=1e-5, atol=1e-6)


def test_capture_in_batches_equals_the_reductions_of_one_full_pass(model, small_batches):
    x = windows(40)
    assert passes.window_batch(LOOKBACK) == 7
    cap = passes.capture(model, x, keep=9)
    ref = full_pass(model, x)
    close(cap.pred, ref["pred"])
    close(cap.h_n, ref["h_n"])
    for name in ("act1", "act2"):
        block, act = getattr(cap, name), ref[name]
        assert 0 < (act == 0).mean() < 1  # the zero shares are not trivially 0 or 1
        close(block.mean, act.mean(axis=(0, 2)))
        close(block.zero_share, (act == 0).mean(axis=(0, 2)))
        close(block.max, act.max(axis=(0, 2)))
        close(block.min, act.min(axis=(0, 2)))
        close(block.position_mean, act.mean(axis=0))
        close(block.window_mean, act.mean(axis=2))
        close(block.last, act[:, :, -1])
        close(block.window, act[9])
    g = ref["grad_input"]
    close(cap.grad_input.mean_abs, np.abs(g).mean(axis=0))
    close(cap.grad_input.signed_mean, g.mean(axis=0))
    close(cap.grad_input.window_norm, np.sqrt((g**2).sum(axis=(1, 2))))
    close(cap.grad_input.window_profile, np.abs(g).sum(axis=2))
    for name in ("act1", "act2", "pooled"):
        summary, grad = getattr(cap, f"grad_{name}"), ref[f"grad_{name}"]
        close(summary.mean_abs, np.abs(grad).mean(axis=0))
        close(summary.window_norm, np.sqrt((grad**2).sum(axis=(1, 2))))
    close(cap.act2_gradient_x_activation, np.abs(ref["grad_act2"] * ref["act2"]).mean(axis=(0, 2)))
    close(cap.pooled_min, ref["pooled"].min(axis=(0, 2)))

    indices, act2 = ref["pool_indices"], ref["act2"]
    n, channels, length = act2.shape
    assert cap.routing.positions == n * channels * length
    assert cap.routing.pooled_values == indices.size == cap.routing.selected
    assert cap.routing.mismatched == 0
    assert cap.routing.nonzero_conv2 == np.count_nonzero(ref["grad_conv2"])
    np.testing.assert_array_equal(cap.selection.counts, np.bincount(indices.ravel(), minlength=length))
    chosen = np.take_along_axis(act2, indices, axis=2)
    partner = np.take_along_axis(act2, indices ^ 1, axis=2)
    tied = chosen == partner
    assert 0 < tied.mean() < 1
    np.testing.assert_array_equal(cap.selection.ties, np.bincount(indices[tied] // 2, minlength=length // 2))
    np.testing.assert_array_equal(cap.selection.decided_counts, np.bincount(indices[~tied], minlength=length))
    assert cap.selection.n_windows == n and cap.selection.outside_window == 0


def test_the_batch_split_does_not_change_the_capture(model, monkeypatch):
    x = windows(40)
    whole = passes.capture(model, x, keep=3)
    monkeypatch.setattr(passes, "STEPS_PER_BATCH", 11 * LOOKBACK)
    split = passes.capture(model, x, keep=3)
    for field in dataclasses.fields(whole):
        a, b = getattr(whole, field.name), getattr(split, field.name)
        for x_a, x_b in zip(_arrays(a), _arrays(b), strict=True):
            np.testing.assert_allclose(x_a, x_b, rtol=1e-5, atol=1e-6)


def test_guided_capture_and_pooled_output_equal_their_full_arrays(model, small_batches):
    from interp import attribution

    x = windows(40)
    guided = passes.guided_capture(model, x)
    full_guided = attribution.guided_backprop(model, x).astype(np.float64)
    plain = attribution.saliency(model, x).astype(np.float64)
    close(guided.attribution.mean_abs, np.abs(full_guided).mean(axis=0))
    close(guided.difference_norm, np.sqrt(((full_guided - plain) ** 2).sum(axis=(1, 2))))
    assert guided.difference_norm.max() > 0  # guided backprop is not the plain gradient here
    close(passes.pooled_output(model, x), full_pass(model, x)["pooled"])


def test_paired_channel_correlation_equals_numpy_on_the_full_maps(model, small_batches):
    torch.manual_seed(5)
    other = CNNLSTMForecaster(10, HORIZON).eval()
    x = windows(40)
    ours = passes.paired_channel_correlation(model, x, other, x)
    a = full_pass(model, x)["act2"].transpose(1, 0, 2).reshape(64, -1)
    b = full_pass(other, x)["act2"].transpose(1, 0, 2).reshape(64, -1)
    usable_a, usable_b = a.std(axis=1) > 0, b.std(axis=1) > 0
    reference = np.corrcoef(a[usable_a], b[usable_b])[: usable_a.sum(), usable_a.sum() :]
    np.testing.assert_allclose(ours[np.ix_(usable_a, usable_b)], reference, atol=1e-6)
    assert (ours[~usable_a] == 0).all() and (ours[:, ~usable_b] == 0).all()


def _arrays(value) -> list[np.ndarray]:
    """Every numpy array and number in a capture field (dataclasses opened), in a fixed order."""
    if dataclasses.is_dataclass(value):
        return [a for f in dataclasses.fields(value) for a in _arrays(getattr(value, f.name))]
    return [np.asarray(value, dtype=np.float64)]


def _kept_bytes(cap: passes.Capture) -> int:
    return sum(a.nbytes for f in dataclasses.fields(cap) for a in _arrays(getattr(cap, f.name)))


def test_what_a_capture_keeps_grows_by_numbers_per_window_not_by_layer_maps(model):
    lookback = 96
    sizes = [_kept_bytes(passes.capture(model, windows(n, lookback), keep=0)) for n in (20, 40, 60)]
    per_window = (sizes[1] - sizes[0]) / 20
    assert sizes[2] - sizes[1] == sizes[1] - sizes[0]  # linear in the windows
    act2_map = 64 * lookback * 4  # one window's block-2 map, float32: a full capture keeps several per window
    assert 0 < per_window < act2_map / 4


def test_a_study_that_would_not_fit_is_refused_up_front_in_one_line(tmp_path, capsys, monkeypatch):
    from interp import study as study_module
    from interp.cli import main

    monkeypatch.setattr(study_module, "memory_left", lambda: 10_000_000)
    out = tmp_path / "out"
    assert main(["study", "--horizon", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "to fit in the 0.0 GB this machine has left" in err[0], err
    assert "Found an estimate of" in err[0] and "coarser resolution" in err[0]
    assert not (out / "cnn_lstm_interpretability").exists()  # no results tree, not even a half-written one
    assert {p.name for p in out.iterdir()} <= {".cnn_lstm_interpretability.lock"}  # the released lock only


def test_windows_that_would_not_fit_are_refused_before_they_are_cut(monkeypatch):
    from interp.config import DataConfig
    from interp.data import windows as windows_module
    from interp.data.synthetic import indoor_co2
    from interp.errors import DataError

    frame = indoor_co2(days=30, seed=0, resolution="5min")
    monkeypatch.setattr(windows_module, "memory_left", lambda: 40_000_000)
    with pytest.raises(
        DataError, match=r"windows of 300 steps × 10 features to fit in the 0\.0 GB"
    ) as caught:
        windows_module.make_dataset(frame, 1, DataConfig(days=30))
    assert "Found an estimate of 0.1 GB at 5min resolution" in str(caught.value)
    monkeypatch.setattr(
        windows_module, "memory_left", lambda: None
    )  # where the system does not say: no check
    assert len(windows_module.make_dataset(frame, 1, DataConfig(days=30)).test.x) > 0


@pytest.mark.parametrize("n", [1, 599, 1024, 1025, 2771, 5000])
def test_feature_windows_are_evenly_spaced_and_capped(n):
    from interp.study import MAX_FEATURE_WINDOWS, feature_window_indices

    windows = feature_window_indices(n)
    assert 0 < len(windows) <= MAX_FEATURE_WINDOWS and windows[0] == 0 and windows[-1] < n
    assert len(set(np.diff(windows).tolist())) <= 1  # one stride
    if n <= MAX_FEATURE_WINDOWS:
        np.testing.assert_array_equal(windows, np.arange(n))
    else:
        assert len(feature_window_indices(n)) > MAX_FEATURE_WINDOWS // 2  # the smallest stride that fits


def test_the_cnn_feature_items_use_one_window_subset_beyond_the_cap(monkeypatch):
    """With more windows than the cap, C1, C2, C7, C8 and the C1 drift decompose the same evenly spaced subset,
    and pair it with the subset's regimes, hours and hidden states."""
    from interp import catalog
    from interp import study as study_module
    from interp.analyses import representations, similarity
    from interp.plots.style import draw_styled, png_bytes
    from interp.suite import Sources, load_study

    monkeypatch.setattr(study_module, "MAX_FEATURE_WINDOWS", 100)
    study = load_study(Sources(), 1)
    n = len(study.dataset.test.x)
    windows = study.feature_windows
    assert len(windows) == 100 and n > 500 and windows[1] == -(-n // 100)
    assert study.pooled.shape[0] == 100
    assert representations.cnn_embedding_pca(study).scores.shape[0] == 100
    assert representations.feature_regimes(study).shape == (100,)
    np.testing.assert_array_equal(representations.feature_hours(study), study.dataset.test_hours[windows])
    assert representations.feature_window_state_svd(study).u.shape[0] == 100
    cca = representations.cnn_lstm_cca(study)
    assert cca.min_shift_hours >= representations.CCA_NULL_MIN_SHIFT_HOURS - windows[1]
    assert similarity.cnn_feature_cka(study, study) == pytest.approx(1.0)
    for item_id in ("C1", "C2", "C7", "C8"):
        item = catalog.item(item_id)
        item.metrics(study)
        assert png_bytes(draw_styled(item.draw, study))


@pytest.mark.parametrize("order", ["C", "F"])
def test_window_inputs_are_the_windows_whatever_the_rows_memory_order(order):
    from interp.data.windows import window_inputs

    rows = torch.from_numpy(np.asarray(np.arange(60.0, dtype=np.float32).reshape(20, 3), order=order))
    gathered = lambda starts: rows[torch.as_tensor(starts[:, None] + np.arange(4)[None, :])]  # noqa: E731
    consecutive, gappy = np.arange(5, 12), np.array([0, 1, 2, 7, 8])
    view = window_inputs(rows, consecutive, 4)
    assert view.untyped_storage().data_ptr() == rows.untyped_storage().data_ptr()  # a view, no copy
    assert torch.equal(view, gathered(consecutive))
    assert torch.equal(window_inputs(rows, gappy, 4), gathered(gappy))
