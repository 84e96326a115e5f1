"""Checkpoints: one file, loaded with ``torch.load(..., weights_only=True)`` so no pickled code ever runs.

Format (a plain dict of tensors, numbers, strings, lists and dicts):
``format_version``, ``model_class``, ``model_kwargs``, ``state_dict``, ``feature_names``, ``target``, ``scaler``
(mean, scale, target_index), ``resolution_seconds``, ``lookback_hours``, ``horizon_hours``, ``regime_bounds``,
``training`` (TrainConfig fields), ``data`` (source, fingerprint, DataConfig fields), ``metrics``.
"""

from __future__ import annotations

import importlib
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from interp.atomic import write_atomic
from interp.data.windows import Dataset, Scaler
from interp.errors import CheckpointError, ConfigError
from interp.models import MODEL_CLASSES

FORMAT_VERSION = 1
REQUIRED_KEYS = (
    "format_version",
    "model_class",
    "model_kwargs",
    "state_dict",
    "feature_names",
    "target",
    "scaler",
    "resolution_seconds",
    "lookback_hours",
    "horizon_hours",
    "regime_bounds",
    "training",
    "data",
    "metrics",
)


@dataclass(frozen=True)
class CheckpointMeta:
    """Everything in a checkpoint but the weights.

    Attributes
    ----------
    path : Path
    model_class : str
    model_kwargs : dict
    feature_names : tuple of str
    target : str
    scaler : Scaler
    resolution : pd.Timedelta
    lookback_hours, horizon_hours : float
    regime_bounds : tuple of float (ppm)
    training : dict  (TrainConfig fields)
    data : dict  (source, fingerprint, DataConfig fields)
    metrics : dict  (training metrics, ppm)
    """

    path: Path
    model_class: str
    model_kwargs: dict[str, Any]
    feature_names: tuple[str, ...]
    target: str
    scaler: Scaler
    resolution: pd.Timedelta
    lookback_hours: float
    horizon_hours: float
    regime_bounds: tuple[float, float]
    training: dict[str, Any]
    data: dict[str, Any]
    metrics: dict[str, Any]


def save_checkpoint(
    path: str | os.PathLike[str],
    model: nn.Module,
    dataset: Dataset,
    *,
    training: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any],
) -> Path:
    """Write ``model`` with everything needed to study it again, atomically (temp file, then rename)."""
    path = Path(path)
    kwargs = {"n_features": dataset.n_features, "horizon_steps": dataset.horizon_steps}
    payload = {
        "format_version": FORMAT_VERSION,
        "model_class": type(model).__name__,
        "model_kwargs": kwargs,
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "feature_names": list(dataset.feature_names),
        "target": dataset.target,
        "scaler": {
            "mean": [float(v) for v in dataset.scaler.mean],
            "scale": [float(v) for v in dataset.scaler.scale],
            "target_index": int(dataset.scaler.target_index),
        },
        "resolution_seconds": float(dataset.resolution.total_seconds()),
        "lookback_hours": float(dataset.lookback_steps / dataset.steps_per_hour),
        "horizon_hours": float(dataset.horizon_hours),
        "regime_bounds": [float(b) for b in dataset.regime_bounds],
        "training": dict(training),
        "data": {"source": dataset.source, "fingerprint": dataset.fingerprint, **dict(data)},
        "metrics": dict(metrics),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_atomic(path, buffer.getvalue())
    return path


def load_checkpoint(
    path: str | os.PathLike[str], model_class: str | None = None
) -> tuple[nn.Module, CheckpointMeta]:
    """Load a checkpoint with ``weights_only=True`` and rebuild its model in eval mode.

    Parameters
    ----------
    path : path-like
        A file written by :func:`save_checkpoint` (``python -m interp train``).
    model_class : str, optional
        ``package.module:Class`` of a user model to build instead of the class named in the checkpoint.

    Raises
    ------
    CheckpointError
        Missing, truncated or foreign file; wrong format version; missing keys; weights that do not fit.
    ConfigError
        ``model_class`` that does not import.
    """
    path = Path(path)
    payload = read_payload(path)
    cls = resolve_model_class(model_class) if model_class else MODEL_CLASSES.get(payload["model_class"])
    if cls is None:
        raise CheckpointError(
            f"{path}: expected a model class of {sorted(MODEL_CLASSES)}. Found "
            f"{payload['model_class']!r}. Pass --model package.module:Class for your own."
        )
    try:
        model = cls(**payload["model_kwargs"])
    except (RuntimeError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{path}: expected model_kwargs that build {cls.__name__}. Found {payload['model_kwargs']!r} "
            f"({one_line(exc)}). Use the model class it was trained with (--model), or retrain."
        ) from None
    check_state_dict(path, payload["state_dict"], model, f"{cls.__name__}({payload['model_kwargs']})")
    model.load_state_dict(payload["state_dict"])
    model.eval()
    check_metadata(path, payload)
    scaler = payload["scaler"]
    meta = CheckpointMeta(
        path=path,
        model_class=cls.__name__,
        model_kwargs=dict(payload["model_kwargs"]),
        feature_names=tuple(payload["feature_names"]),
        target=payload["target"],
        scaler=Scaler(
            feature_names=tuple(payload["feature_names"]),
            mean=np.asarray(scaler["mean"], dtype=np.float64),
            scale=np.asarray(scaler["scale"], dtype=np.float64),
            target_index=int(scaler["target_index"]),
        ),
        resolution=pd.Timedelta(seconds=payload["resolution_seconds"]),
        lookback_hours=float(payload["lookback_hours"]),
        horizon_hours=float(payload["horizon_hours"]),
        regime_bounds=tuple(payload["regime_bounds"]),
        training=dict(payload["training"]),
        data=dict(payload["data"]),
        metrics=dict(payload["metrics"]),
    )
    return model, meta


def read_payload(path: Path) -> dict[str, Any]:
    """The checkpoint's dict, loaded with ``weights_only=True`` and checked for the format (no model is built).

    Raises
    ------
    CheckpointError
        Missing, truncated or foreign file; wrong format version; missing keys.
    """
    if not path.is_file():
        raise CheckpointError(
            f"{path}: expected a checkpoint file. Found nothing there. "
            f"Train one with `python -m interp train --out {path}`."
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, foreign pickle, not a torch file at all
        raise CheckpointError(
            f"{path}: expected a checkpoint written by `python -m interp train`. Found a file torch cannot "
            f"load safely ({load_failure(exc)}). Retrain it or restore the file."
        ) from None
    if not isinstance(payload, dict) or "format_version" not in payload:
        raise CheckpointError(
            f"{path}: expected an interp checkpoint (a dict with format_version). "
            f"Found a {type(payload).__name__}. Train one with `python -m interp train`."
        )
    if payload["format_version"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: expected checkpoint format version {FORMAT_VERSION}. Found "
            f"{payload['format_version']!r}. Retrain it with this version of interp."
        )
    missing = [k for k in REQUIRED_KEYS if k not in payload]
    if missing:
        raise CheckpointError(
            f"{path}: expected the keys {list(REQUIRED_KEYS)}. Missing {missing}. "
            f"Retrain it with `python -m interp train`."
        )
    return payload


def one_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message, without terminal colour codes (its type if none)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def load_failure(exc: BaseException) -> str:
    """Why ``torch.load(..., weights_only=True)`` refused a file, in a few words.

    A pickled Python object is named (torch's own message is a page of advice on loading it unsafely, with
    colour codes); anything else is the first line of torch's message.
    """
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
    if found:
        return f"it pickles the Python object {found.group(1)}, which a safe load never runs"
    return one_line(exc)


def check_state_dict(path: Path, state: object, model: nn.Module, built: str) -> None:
    """Raise CheckpointError naming the first tensor of ``state`` that is missing, extra or of the wrong shape
    for ``model`` (``built``: how the model was built, for the message)."""
    expected = model.state_dict()
    fix = "Use the model class and settings it was trained with (--model), or retrain."
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(
            f"{path}: expected state_dict to map tensor names to tensors. Found a {type(state).__name__}. {fix}"
        )
    missing = [k for k in expected if k not in state]
    extra = [k for k in state if k not in expected]
    if missing or extra:
        raise CheckpointError(
            f"{path}: expected the tensors that fit {built}. Found {len(missing)} missing ({missing[:4]}) and "
            f"{len(extra)} unexpected ({extra[:4]}). {fix}"
        )
    for name, tensor in expected.items():
        found = tuple(state[name].shape)
        if found != tuple(tensor.shape):
            raise CheckpointError(
                f"{path}: expected state_dict[{name!r}] of shape {tuple(tensor.shape)} to fit {built}. Found "
                f"shape {found}. {fix}"
            )


def check_metadata(path: Path, payload: Mapping[str, Any]) -> None:
    """Raise CheckpointError on metadata a study cannot use: features, scaler, resolution, lookback, horizon
    and regime bounds (each named with what was found)."""
    fix = "Retrain it with `python -m interp train`, or restore the file."

    def refuse(expected: str, found: object) -> CheckpointError:
        return CheckpointError(f"{path}: expected {expected}. Found {found!r}. {fix}")

    names = payload["feature_names"]
    if not isinstance(names, list | tuple) or not names or not all(isinstance(n, str) for n in names):
        raise refuse("feature_names to be a non-empty list of column names", names)
    scaler = payload["scaler"]
    if not isinstance(scaler, Mapping) or not {"mean", "scale", "target_index"} <= set(scaler):
        raise refuse("scaler to hold mean, scale and target_index", scaler)
    for key in ("mean", "scale"):
        values = _numbers(scaler[key])
        if values is None or values.shape != (len(names),) or not np.all(np.isfinite(values)):
            raise refuse(f"scaler {key} to be {len(names)} finite numbers, one per feature", scaler[key])
        if key == "scale" and not np.all(values > 0):
            raise refuse("scaler scale to be positive (a standard deviation per feature)", scaler[key])
    index = scaler["target_index"]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(names):
        raise refuse(f"scaler target_index to be a feature position 0 … {len(names) - 1}", index)
    if names[index] != payload["target"]:
        raise refuse(f"the target {payload['target']!r} at scaler target_index {index}", names[index])
    for key in ("resolution_seconds", "lookback_hours", "horizon_hours"):
        value = _numbers(payload[key])
        if value is None or value.shape != () or not (np.isfinite(value) and value > 0):
            raise refuse(f"{key} to be a positive number", payload[key])
    bounds = _numbers(payload["regime_bounds"])
    if bounds is None or bounds.shape != (2,) or not np.all(np.isfinite(bounds)) or not bounds[0] < bounds[1]:
        raise refuse(
            "regime_bounds to be two increasing ppm values (Low < b0 ≤ Medium < b1 ≤ High)",
            payload["regime_bounds"],
        )


def _numbers(value: object) -> np.ndarray | None:
    """``value`` as a float64 array, or None when it is not numbers (bools are not numbers)."""
    items = value if isinstance(value, list | tuple) else [value]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in items):
        return None
    return np.asarray(value, dtype=np.float64)


def check_fits(meta: CheckpointMeta, feature_names: tuple[str, ...], horizon_hours: float) -> None:
    """Raise CheckpointError when the checkpoint was trained on other features or another horizon."""
    if tuple(feature_names) != meta.feature_names:
        raise CheckpointError(
            f"{meta.path}: expected data with the checkpoint's {len(meta.feature_names)} features "
            f"{list(meta.feature_names)}. Found {len(feature_names)}: {list(feature_names)}. "
            f"Study it on the data it was trained with, or retrain on this data."
        )
    if float(horizon_hours) != meta.horizon_hours:
        raise CheckpointError(
            f"{meta.path}: expected a {horizon_hours:g} h model. Found a "
            f"{meta.horizon_hours:g} h one. Pick the checkpoint of that horizon."
        )


def resolve_model_class(spec: str) -> type[nn.Module]:
    """Import ``package.module:Class``.

    Raises
    ------
    ConfigError
        When the spec is malformed, the module does not import or the class is missing.
    """
    module_name, sep, class_name = spec.partition(":")
    if not sep or not module_name or not class_name:
        raise ConfigError(
            f"--model expects package.module:Class. Found {spec!r}. "
            f"Write it like `mypkg.models:MyForecaster`."
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ConfigError(
            f"--model {spec}: expected an importable module {module_name!r}. Found an "
            f"import error ({type(exc).__name__}: {exc}). Check the name and PYTHONPATH."
        ) from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ConfigError(
            f"--model {spec}: expected an nn.Module class {class_name!r} in {module_name}. "
            f"Found {type(cls).__name__}. Check the class name."
        )
    return cls


def export_checkpoint(
    path: str | os.PathLike[str],
    model: nn.Module,
    frame: pd.DataFrame,
    horizon_hours: float,
    *,
    target: str,
    scaler: Scaler | None = None,
    config: Any = None,
    source: str = "exported",
) -> Path:
    """Turn a model trained elsewhere into a checkpoint the gate can study.

    Parameters
    ----------
    path : path-like
        The ``.pt`` file to write.
    model : nn.Module
        Your trained CNN-LSTM, in the layout :func:`interp.training.build_model` documents.
    frame : pandas.DataFrame
        The data it was trained on, as :func:`interp.data.csv.load_csv` returns it (timestamp index, features
        in model order, the target among them).
    horizon_hours : float
        The forecast horizon the model was trained for.
    target : str
        The target column.
    scaler : Scaler, optional
        The standardisation the model was trained with (per-feature mean and scale, in ``frame``'s column
        order); default: fitted on the training rows as ``interp train`` does.
    config : DataConfig, optional
        Lookback, split and regime bounds (default :class:`~interp.config.DataConfig`).
    source : str
        What the data is called in messages and reports.

    Raises
    ------
    DataError, ConfigError
        Data that cannot be windowed, or a model whose layout or output the suite cannot study.
    """
    import dataclasses

    from interp.config import DataConfig
    from interp.data.windows import make_dataset
    from interp.hooks import check_forecaster

    config = config or DataConfig()
    dataset = make_dataset(frame, horizon_hours, config, target=target, scaler=scaler, source=source)
    model.eval()
    check_forecaster(model, dataset.test.x, dataset.horizon_steps)
    data = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("days", "seed")}
    return save_checkpoint(path, model, dataset, training={"exported": True}, data=data, metrics={})
