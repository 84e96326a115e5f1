"""Checkpoints: round trip, weights_only loading, and one clear error per kind of bad file."""

from __future__ import annotations

import pytest
import torch

from interp.errors import CheckpointError, ConfigError
from interp.models import CNNLSTMForecaster
from interp.models.checkpoint import check_fits, load_checkpoint, resolve_model_class


def test_round_trip_gives_the_same_weights_and_meta(quick_checkpoint, small_dataset):
    model, meta = load_checkpoint(quick_checkpoint)
    assert isinstance(model, CNNLSTMForecaster) and not model.training
    assert meta.feature_names == small_dataset.feature_names
    assert meta.data["fingerprint"] == small_dataset.fingerprint
    assert meta.horizon_hours == 1.0 and meta.lookback_hours == 24.0
    payload = torch.load(quick_checkpoint, weights_only=True)
    for key, value in model.state_dict().items():
        assert torch.equal(value, payload["state_dict"][key])


def test_truncated_file_is_refused(quick_checkpoint, tmp_path):
    broken = tmp_path / "truncated.pt"
    broken.write_bytes(quick_checkpoint.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match=r"truncated\.pt"):
        load_checkpoint(broken)


def test_foreign_pickle_is_refused_without_running_it(tmp_path):
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "foreign.pt"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(CheckpointError, match=r"foreign\.pt.*cannot load safely"):
        load_checkpoint(path)


def test_plain_state_dict_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "state.pt"
    torch.save(CNNLSTMForecaster().state_dict(), path)
    with pytest.raises(CheckpointError, match="format_version"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 99}, "format version"),
        ({"model_class": "Transformer"}, "model class"),
        ({"model_kwargs": {"n_features": 7, "horizon_steps": 1}}, "fit"),
    ],
)
def test_bad_fields_are_named(quick_checkpoint, tmp_path, change, message):
    payload = torch.load(quick_checkpoint, weights_only=True)
    payload.update(change)
    path = tmp_path / "bad.pt"
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_missing_keys_are_listed(quick_checkpoint, tmp_path):
    payload = torch.load(quick_checkpoint, weights_only=True)
    del payload["scaler"]
    path = tmp_path / "nokeys.pt"
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="scaler"):
        load_checkpoint(path)


def test_feature_count_mismatch_names_both(quick_checkpoint):
    _, meta = load_checkpoint(quick_checkpoint)
    with pytest.raises(CheckpointError, match=r"10 features.*Found 9"):
        check_fits(meta, meta.feature_names[:-1], 1)
    with pytest.raises(CheckpointError, match="24 h model"):
        check_fits(meta, meta.feature_names, 24)


def test_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(CheckpointError, match="python -m interp train"):
        load_checkpoint(tmp_path / "none.pt")


@pytest.mark.parametrize("spec", ["nocolon", "no_such_module_xyz:Model", "interp.models:NoSuchClass"])
def test_model_spec_that_does_not_import(spec):
    with pytest.raises(ConfigError, match="--model"):
        resolve_model_class(spec)


def test_user_model_class_loads(quick_checkpoint):
    _, meta = load_checkpoint(quick_checkpoint, "interp.models.cnn_lstm:CNNLSTMForecaster")
    assert meta.model_class == "CNNLSTMForecaster"


def test_comparison_model_comes_from_the_checkpoint_folder(quick_checkpoint):
    """With --checkpoint, the LSTM comparison model is looked for beside it, never in the reference folder."""
    from interp.suite import Sources, load_study

    study = load_study(Sources(checkpoint=quick_checkpoint), 1)
    assert study.comparison_model is None
    assert study.dataset.fingerprint == study.checkpoint.data["fingerprint"]
