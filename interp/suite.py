"""Where a study's model and data come from: the one loading path shared by the pytest checks and the CLI.

A :class:`Sources` names the checkpoint folder (reference checkpoints by default), an optional user model
class, an optional user CSV and the device. :func:`load_study` turns it into a :class:`~interp.study.Study`
for one horizon; :func:`train_checkpoints` writes fresh checkpoints (``--retrain``, ``python -m interp train``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from interp.config import HORIZONS_HOURS, TARGET, DataConfig, StudyConfig, TrainConfig
from interp.data.accounting import MAX_DROPPED_SHARE
from interp.data.synthetic import indoor_co2
from interp.data.windows import Dataset, make_dataset
from interp.errors import CheckpointError, ConfigError
from interp.hooks import check_forecaster
from interp.models.checkpoint import CheckpointMeta, check_fits, load_checkpoint, save_checkpoint
from interp.study import Study
from interp.training import train

BASELINES = Path("baselines")
"""The accepted baseline folder of the gate folder one works in (relative to the current folder): never a path
inside the installed package."""

REFERENCE_CHECKPOINTS = BASELINES / "checkpoints"


def checkpoint_name(model_type: str, horizon_hours: float) -> str:
    """File name of a checkpoint in a checkpoint folder: ``cnn_lstm_h24.pt``, ``lstm_h1.pt``."""
    return f"{model_type}_h{horizon_hours:g}.pt"


@dataclass(frozen=True)
class Sources:
    """Inputs of a study run.

    Attributes
    ----------
    checkpoint_dir : Path
        Folder with ``cnn_lstm_h{H}.pt`` (required) and ``lstm_h{H}.pt`` (optional comparison model).
    model_class : str, optional
        ``package.module:Class`` of a user model.
    data : Path, optional
        A user CSV in the loader's format (``python -m interp data`` shows it); the embedded data otherwise.
    device : str
        torch device of the passes ("cpu", "cuda").
    study : StudyConfig
    checkpoint : Path, optional
        One CNN-LSTM checkpoint, instead of ``checkpoint_dir`` (a single horizon).
    timestamp, target, features : str, str, tuple of str
        How to read ``data``: the timestamp column, the target column (for training; a study uses the
        checkpoint's target) and the feature columns in order (default: every column but the timestamp).
    regime_bounds : (float, float), optional
        CO2 regime bounds in ppm (Low < b0 ≤ Medium < b1 ≤ High) instead of the checkpoint's (a study) or the
        default 800/1200 (training).
    timestamp_format, resolution : str, optional
        strftime pattern of non-ISO timestamps (``--timestamp-format``); pandas duration the rows of ``data``
        are averaged to (``--resolution``). See :func:`~interp.data.csv.load_csv`.
    max_dropped_share : float
        Largest share (0–1) of the possible windows that gaps in ``data`` may cost (``--allow-gaps``: 1).
    """

    checkpoint_dir: Path = REFERENCE_CHECKPOINTS
    model_class: str | None = None
    data: Path | None = None
    device: str = "cpu"
    study: StudyConfig = StudyConfig()
    checkpoint: Path | None = None
    timestamp: str = "timestamp"
    target: str = TARGET
    features: tuple[str, ...] | None = None
    regime_bounds: tuple[float, float] | None = None
    timestamp_format: str | None = None
    resolution: str | None = None
    max_dropped_share: float = MAX_DROPPED_SHARE

    def checkpoint_path(self, horizon_hours: float) -> Path:
        """The CNN-LSTM checkpoint of a horizon: ``checkpoint`` when given, else from ``checkpoint_dir``."""
        return self.checkpoint or self.checkpoint_dir / checkpoint_name("cnn_lstm", horizon_hours)

    def read_data(self, target: str | None = None) -> pd.DataFrame:
        """The user's CSV (``data``) as a checked frame; ``target`` overrides :attr:`target`."""
        from interp.data.csv import load_csv

        if self.data is None:
            raise ConfigError("No --data given: expected a CSV path. Pass --data FILE.csv.")
        return load_csv(
            self.data,
            timestamp=self.timestamp,
            target=target or self.target,
            features=self.features,
            resolution=self.resolution,
            timestamp_format=self.timestamp_format,
        )


def parse_regime_bounds(text: str | None) -> tuple[float, float] | None:
    """``"800,1200"`` → ``(800.0, 1200.0)``; None for None.

    Raises
    ------
    ConfigError
        Unless two increasing, positive numbers.
    """
    if text is None:
        return None
    try:
        low, high = (float(v) for v in str(text).split(","))
    except ValueError:
        low = high = float("nan")
    if not (0 < low < high):
        raise ConfigError(
            f"--regime-bounds expects two increasing CO2 levels in ppm, Low < b0 ≤ Medium < b1 ≤ High. Found "
            f"{text!r}. Pass e.g. --regime-bounds 800,1200."
        )
    return low, high


def torch_device(spec: str) -> torch.device:
    """The torch device ``spec`` names, checked against this torch build.

    Raises
    ------
    ConfigError
        One line naming what was asked for and what this build has (baselines are drawn on CPU).
    """
    try:
        device = torch.device(spec)
    except (RuntimeError, TypeError, ValueError):
        raise ConfigError(
            f"--device expects cpu or cuda[:N]. Found {spec!r}. Pass --device cpu (the default)."
        ) from None
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if not available.get(device.type, False):
        raise ConfigError(
            f"--device {spec}: this torch build ({torch.__version__}) has no {device.type.upper()} device "
            f"(CUDA available: {torch.cuda.is_available()}). Pass --device cpu, or install a CUDA build of torch "
            f"(see README, Devices)."
        )
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ConfigError(
            f"--device {spec}: this machine has {torch.cuda.device_count()} CUDA device(s). Pick one of them."
        )
    return device


def validate_horizons(values: list[str] | list[int] | tuple[int, ...] | None) -> tuple[int, ...]:
    """Parse ``--horizon`` values; default both. Raises ConfigError naming the valid values."""
    if not values:
        return HORIZONS_HOURS
    out = []
    for value in values:
        text = str(value).strip()
        if text == "all":
            return HORIZONS_HOURS
        if not text.isdigit() or int(text) not in HORIZONS_HOURS:
            raise ConfigError(
                f"--horizon expects one of {', '.join(map(str, HORIZONS_HOURS))} (hours). "
                f"Found {text!r}. Pass --horizon 1 or --horizon 24, or omit it for both."
            )
        if int(text) not in out:
            out.append(int(text))
    return tuple(sorted(out))


def load_dataset(sources: Sources, horizon_hours: float, data_config: DataConfig | None = None) -> Dataset:
    """The training data for one horizon (embedded room or the user's CSV), scaler fitted on its training rows;
    ``dataset.data_report`` says how many rows and windows were kept."""
    data_config = data_config or DataConfig()
    frame, source = _frame(sources, data_config, sources.target)
    return make_dataset(
        frame,
        horizon_hours,
        data_config,
        target=sources.target,
        source=source,
        max_dropped_share=sources.max_dropped_share,
    )


def _frame(sources: Sources, data_config: DataConfig, target: str) -> tuple[pd.DataFrame, str]:
    """The embedded room (``data_config.days``, ``seed``) or the user's CSV, with its source name."""
    if sources.data is None:
        return indoor_co2(days=data_config.days, seed=data_config.seed), "embedded"
    return sources.read_data(target=target), str(sources.data)


def load_study(sources: Sources, horizon_hours: float) -> Study:
    """Load the checkpoints of one horizon and their data into a Study.

    Raises
    ------
    CheckpointError
        Missing, broken or unfitting checkpoint (e.g. trained on other features or another horizon).
    DataError
        Unusable user data.
    """
    model, meta = load_checkpoint(sources.checkpoint_path(horizon_hours), sources.model_class)
    comparison = None
    comparison_path = sources.checkpoint_path(horizon_hours).with_name(checkpoint_name("lstm", horizon_hours))
    if comparison_path.is_file():
        comparison, comparison_meta = load_checkpoint(comparison_path)
        check_fits(comparison_meta, meta.feature_names, horizon_hours)
    data_config = DataConfig(
        lookback_hours=meta.lookback_hours,
        regime_bounds=sources.regime_bounds or meta.regime_bounds,
        **_embedded_fields(meta.data),
    )
    dataset = _dataset_for(sources, horizon_hours, data_config, meta)
    check_forecaster(model, dataset.test.x, dataset.horizon_steps)
    device = torch_device(sources.device)
    model.to(device)
    if comparison is not None:
        comparison.to(device)
    return Study(
        model, dataset, horizon_hours, comparison_model=comparison, config=sources.study, checkpoint=meta
    )


def _dataset_for(
    sources: Sources, horizon_hours: float, data_config: DataConfig, meta: CheckpointMeta
) -> Dataset:
    """Window the data with the checkpoint's scaler, after checking the checkpoint fits it."""
    frame, source = _frame(sources, data_config, meta.target)
    check_fits(meta, tuple(map(str, frame.columns)), horizon_hours)
    dataset = make_dataset(
        frame,
        horizon_hours,
        data_config,
        target=meta.target,
        scaler=meta.scaler,
        source=source,
        max_dropped_share=sources.max_dropped_share,
    )
    if sources.data is None and dataset.fingerprint != meta.data.get("fingerprint"):
        raise CheckpointError(
            f"{meta.path}: expected a model trained on the embedded data (fingerprint "
            f"{dataset.fingerprint[:12]}). Found fingerprint {str(meta.data.get('fingerprint'))[:12]}. "
            f"Pass the data it was trained on with --data, or retrain."
        )
    return dataset


def baseline_study(study: Study, checkpoint_dir: Path, sources: Sources) -> Study | None:
    """The accepted baseline model of ``study``'s horizon, studied on ``study``'s windows; None when ``study``
    already studies that very checkpoint (same sha256).

    The windows are ``study``'s own, converted to the baseline's standardisation
    (:meth:`~interp.data.windows.Dataset.rescaled`), so both models see the same data.

    Raises
    ------
    CheckpointError
        When there is no baseline checkpoint, or it forecasts another horizon, lookback or set of features.
    """
    from interp.gate.manifest import sha256_of

    path = checkpoint_dir / checkpoint_name("cnn_lstm", study.horizon_hours)
    if (
        study.checkpoint is not None
        and path.is_file()
        and sha256_of(path) == sha256_of(study.checkpoint.path)
    ):
        return None
    model, meta = load_checkpoint(path, sources.model_class)
    check_fits(meta, study.dataset.feature_names, study.horizon_hours)
    lookback_hours = study.dataset.lookback_steps / study.dataset.steps_per_hour
    if meta.lookback_hours != lookback_hours:
        raise CheckpointError(
            f"{path}: expected the baseline to read {lookback_hours:g} h windows like the model under test. "
            f"Found {meta.lookback_hours:g} h. Accept a baseline with this lookback (`make accept`)."
        )
    model.to(torch.device(sources.device))
    return Study(
        model, study.dataset.rescaled(meta.scaler), study.horizon_hours, config=study.config, checkpoint=meta
    )


def _embedded_fields(data: dict) -> dict:
    return {k: data[k] for k in ("days", "seed") if k in data}


def train_checkpoints(
    out_dir: Path,
    horizons: tuple[int, ...] = HORIZONS_HOURS,
    model_types: tuple[str, ...] = ("cnn_lstm", "lstm"),
    *,
    sources: Sources = Sources(),
    data_config: DataConfig = DataConfig(),
    train_config: TrainConfig = TrainConfig(),
    quiet: bool = False,
    names: dict[tuple[str, int], str] | None = None,
) -> list[Path]:
    """Train and save one checkpoint per model type and horizon into ``out_dir``; returns their paths.

    ``names`` overrides a file name per ``(model_type, horizon)``; the default is :func:`checkpoint_name`.
    """
    paths = []
    for horizon in horizons:
        dataset = load_dataset(sources, horizon, data_config)
        for model_type in model_types:
            result = train(model_type, dataset, train_config, quiet=quiet, model_class=sources.model_class)
            paths.append(
                save_checkpoint(
                    out_dir / (names or {}).get((model_type, horizon), checkpoint_name(model_type, horizon)),
                    result.model,
                    dataset,
                    training=dataclasses.asdict(train_config),
                    data=dataclasses.asdict(data_config),
                    metrics=result.metrics(),
                )
            )
    if not paths:
        raise ConfigError("Nothing to train: expected at least one horizon and model type.")
    return paths
