"""Frozen configuration dataclasses: data, model, training and study settings.

All durations are in hours; they are converted to steps with the data's resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

HORIZONS_HOURS: tuple[int, ...] = (1, 24)
"""The horizons the suite studies by default."""

FEATURES: tuple[str, ...] = (
    "co2",
    "temperature",
    "humidity",
    "light",
    "occupancy",
    "outdoor_temperature",
    "pressure",
    "hour_sin",
    "hour_cos",
    "is_weekday",
)
"""The embedded data's feature order ("preproc_D", 10 features)."""

TARGET = "co2"
DECOY_FEATURE = "pressure"
REGIME_NAMES: tuple[str, ...] = ("Low", "Medium", "High")


@dataclass(frozen=True)
class DataConfig:
    """How a frame is turned into windows.

    Attributes
    ----------
    lookback_hours : float
        Length of the input window in hours (24 h → 24 steps at 1 h resolution).
    split : tuple of float
        Chronological train/validation/test fractions of the rows.
    regime_bounds : tuple of float
        CO2 regime bounds in ppm: Low < 800 ≤ Medium < 1200 ≤ High.
    days, seed : int
        Size and seed of the embedded synthetic data.
    """

    lookback_hours: float = 24.0
    split: tuple[float, float, float] = (0.70, 0.15, 0.15)
    regime_bounds: tuple[float, float] = (800.0, 1200.0)
    days: int = 180
    seed: int = 0


@dataclass(frozen=True)
class TrainConfig:
    """Deterministic training settings.

    ``threads`` is fixed so that a retrain on the same machine reproduces the state_dict bit for bit.
    """

    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 1e-3
    weight_decay: float = 1e-3
    patience: int = 6
    seed: int = 0
    threads: int = 1


@dataclass(frozen=True)
class StudyConfig:
    """Options of one study run."""

    tsne: bool = False
    seed: int = 0
