"""Windowing, chronological splits, scaling and the Dataset container (DESIGN §3.3).

Windows are cut with a stride of one step; the test split is the evaluation set, in time order.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from interp.config import TARGET, DataConfig
from interp.data.accounting import MAX_DROPPED_SHARE, DataReport, account, part_bounds
from interp.data.regimes import regime_of
from interp.data.synthetic import indoor_co2
from interp.errors import DataError
from interp.runtime import memory_left


@dataclass(frozen=True)
class Scaler:
    """Standardisation fitted on the training rows only.

    Attributes
    ----------
    feature_names : tuple of str
        Column order, length F.
    mean, scale : np.ndarray
        ``(F,)`` float64, in the features' own units (ppm for co2).
    target_index : int
        Position of the target in ``feature_names``.
    """

    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    target_index: int


@dataclass(frozen=True)
class Split:
    """One chronological part of the windows, in time order.

    Attributes
    ----------
    x : torch.Tensor
        ``(N, lookback_steps, F)`` float32, model units; a strided view of the rows where the part has no gaps
        (copy before writing into it).
    y : torch.Tensor
        ``(N, horizon_steps)`` float32, the target in model units.
    t_last_input : np.ndarray
        ``(N,)`` datetime64[ns]: timestamp of each window's last input step ("now").
    t_target : np.ndarray
        ``(N,)`` datetime64[ns]: timestamp of each window's last horizon step.
    """

    x: torch.Tensor
    y: torch.Tensor
    t_last_input: np.ndarray
    t_target: np.ndarray


@dataclass(frozen=True)
class Dataset:
    """Windows, splits, scaler and regimes for one horizon.

    Attributes
    ----------
    train, val, test : Split
        Chronological 70/15/15 parts with a gap of lookback + horizon steps between them.
    feature_names : tuple of str
    target : str
    scaler : Scaler
    resolution : pd.Timedelta
        Step length of the data.
    lookback_steps, horizon_steps : int
    horizon_hours : float
    regime_bounds : tuple of float
        ppm bounds Low < b0 ≤ Medium < b1 ≤ High.
    test_regimes : np.ndarray
        ``(N_test,)`` int8 in {0, 1, 2}: regime of each test window's target at the last horizon step.
    fingerprint : str
        sha256 of the training frame (values and timestamps).
    source : str
        "embedded" or the path of the user's data.
    data_report : DataReport, optional
        Rows and windows read, kept and lost to gaps (None for a Dataset built by hand).
    """

    train: Split
    val: Split
    test: Split
    feature_names: tuple[str, ...]
    target: str
    scaler: Scaler
    resolution: pd.Timedelta
    lookback_steps: int
    horizon_steps: int
    horizon_hours: float
    regime_bounds: tuple[float, float]
    test_regimes: np.ndarray
    fingerprint: str
    source: str
    data_report: DataReport | None = None

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def steps_per_hour(self) -> float:
        return pd.Timedelta(hours=1) / self.resolution

    @property
    def is_embedded(self) -> bool:
        return self.source == "embedded"

    @property
    def test_hours(self) -> np.ndarray:
        """``(N_test,)`` int: hour of day (0–23) of each test window's last input step."""
        return pd.DatetimeIndex(self.test.t_last_input).hour.to_numpy()

    def to_ppm(self, y: np.ndarray | torch.Tensor) -> np.ndarray:
        """Convert target values from model units to ppm (any shape)."""
        values = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
        i = self.scaler.target_index
        return values.astype(np.float64) * self.scaler.scale[i] + self.scaler.mean[i]

    def rescaled(self, scaler: Scaler) -> Dataset:
        """The same windows in the model units of another scaler (another checkpoint's standardisation).

        Raises
        ------
        DataError
            When ``scaler`` standardises other features.
        """
        if (
            tuple(scaler.feature_names) != self.feature_names
            or scaler.target_index != self.scaler.target_index
        ):
            raise DataError(
                f"{self.source}: expected a scaler of the features {list(self.feature_names)}. Found "
                f"{list(scaler.feature_names)}. Compare models trained on the same features."
            )
        if np.array_equal(scaler.mean, self.scaler.mean) and np.array_equal(scaler.scale, self.scaler.scale):
            return self
        old, new, t = self.scaler, scaler, self.scaler.target_index

        def convert(
            values: torch.Tensor, mean: np.ndarray, scale: np.ndarray, new_mean, new_scale
        ) -> torch.Tensor:
            raw = values.numpy().astype(np.float64) * scale + mean
            return torch.from_numpy(((raw - new_mean) / new_scale).astype(np.float32))

        def split(part: Split) -> Split:
            return dataclasses.replace(
                part,
                x=convert(part.x, old.mean, old.scale, new.mean, new.scale),
                y=convert(part.y, old.mean[t], old.scale[t], new.mean[t], new.scale[t]),
            )

        return dataclasses.replace(
            self, train=split(self.train), val=split(self.val), test=split(self.test), scaler=scaler
        )


def infer_resolution(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The most common step between consecutive timestamps (gaps are longer steps)."""
    steps = pd.Series(np.diff(index.as_unit("ns").asi8))
    return pd.Timedelta(int(steps.mode().min()), unit="ns")


def hours_to_steps(hours: float, resolution: pd.Timedelta, what: str) -> int:
    """Convert a duration in hours to a whole number of steps of ``resolution``.

    Raises
    ------
    DataError
        When ``hours`` is not a positive multiple of the resolution.
    """
    steps = pd.Timedelta(hours=hours) / resolution
    if steps < 1 or abs(steps - round(steps)) > 1e-9:
        step = _duration(resolution)
        other = f", or pass a --lookback that is a multiple of {step}" if what == "lookback" else ""
        raise DataError(
            f"The {what} of {hours:g} h is not a whole number of {step} steps. "
            f"Average the data onto a step that divides it with --resolution (e.g. --resolution 1h){other}."
        )
    return round(steps)


def rows_needed(span: int, split: tuple[float, float, float], minimum: dict[str, int]) -> int:
    """Fewest gap-free rows that give each part its minimum number of windows of ``span`` rows.

    The training part holds ``cut1 - span + 1`` windows; the later parts lose ``span`` rows to the gap before
    them, so they hold ``f·n - 2·span + 1``.
    """
    train, val, test = split
    need = [
        (span - 1 + minimum["train"]) / train,
        (2 * span - 1 + minimum["validation"]) / val,
        (2 * span - 1 + minimum["test"]) / test,
    ]
    return int(np.ceil(max(need))) + 2  # + 2 absorbs the rounding of the cut points


def _duration(step: pd.Timedelta) -> str:
    """A step as people write it: ``1h``, ``5min``, ``30s``."""
    for unit, name in ((3600, "h"), (60, "min"), (1, "s")):
        seconds = step.total_seconds()
        if seconds >= unit and seconds % unit == 0:
            return f"{int(seconds // unit)}{name}"
    return str(step)


def fingerprint(frame: pd.DataFrame) -> str:
    """sha256 of a frame's timestamps, column names and float64 values."""
    digest = hashlib.sha256()
    digest.update(pd.DatetimeIndex(frame.index).as_unit("ns").asi8.tobytes())
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(np.ascontiguousarray(frame.to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def window_inputs(rows: torch.Tensor, starts: np.ndarray, lookback: int) -> torch.Tensor:
    """``(N, lookback, F)`` inputs of the windows starting at ``starts`` (ascending) in the ``(T, F)`` rows.

    Consecutive starts (a part without gaps, the usual case) give a read-only strided view of ``rows``: window
    n + 1 is window n moved by one row, so the windows take no memory of their own. Starts with gaps give a copy.
    Either way the values are the same; write into neither (copy first).
    """
    n, features = len(starts), rows.shape[1]
    if n == 0 or not np.all(np.diff(starts) == 1):
        return rows[torch.as_tensor(starts[:, None] + np.arange(lookback)[None, :])]
    step, feature = rows.stride()  # the rows may be in either memory order (pandas gives column-major)
    offset = rows.storage_offset() + int(starts[0]) * step
    return rows.as_strided((n, lookback, features), (step, step, feature), offset)


def check_windows_fit(n_windows: int, span: int, n_features: int, resolution, source: str) -> None:
    """Refuse, before cutting them, windows that would not fit in the memory this machine has left.

    Windows are cut as views of the rows where their part has no gaps (:func:`window_inputs`), but a part with
    gaps gets a float32 copy of its windows, so at most ``n_windows · span · n_features · 4`` bytes.

    Raises
    ------
    DataError
        With the estimate and the fix.
    """
    need = n_windows * span * n_features * 4
    left = memory_left()
    if left is not None and need > left:
        raise DataError(
            f"{source}: expected {n_windows} windows of {span} steps × {n_features} features to fit in the "
            f"{left / 1e9:.1f} GB this machine has left. Found an estimate of {need / 1e9:.1f} GB at "
            f"{_duration(resolution)} resolution. Resample the data to a coarser step, use fewer days, or train "
            "with a shorter --lookback."
        )


def make_dataset(
    frame: pd.DataFrame,
    horizon_hours: float,
    config: DataConfig = DataConfig(),
    *,
    target: str = TARGET,
    scaler: Scaler | None = None,
    source: str = "embedded",
    max_dropped_share: float = MAX_DROPPED_SHARE,
) -> Dataset:
    """Window a validated frame into chronological, scaled train/val/test splits.

    Parameters
    ----------
    frame : pandas.DataFrame
        Indexed by sorted, unique timestamps; numeric columns are the features in order (the target among
        them). Missing rows are gaps: no window straddles one. ``frame.attrs["resolution"]`` (a Timedelta), when
        present, is the step; otherwise it is inferred.
    horizon_hours : float
        Forecast horizon in hours; the window's targets are the next ``horizon_steps`` target values.
    config : DataConfig
        Lookback, split fractions and regime bounds.
    target : str
        Target column (ppm).
    scaler : Scaler, optional
        A checkpoint's scaler; when given it is used instead of fitting one on the training rows, and its
        feature names must match the frame's columns.
    source : str
        "embedded" or the path of the user's data (used in messages and reports).
    max_dropped_share : float
        Largest share (0–1) of the windows a gap-free series of the same time span gives that gaps may cost
        (:data:`~interp.data.accounting.MAX_DROPPED_SHARE`; 1 accepts any gaps). ``frame.attrs["rows_read"]``
        (``{"rows": read, "kept": len(frame)}``, as :func:`~interp.data.csv.load_csv` sets it) gives the
        :class:`DataReport` the rows read before any averaging, unless the frame has since been cut.

    Raises
    ------
    DataError
        Missing target, unusable resolution, gaps that cost more than ``max_dropped_share`` of the windows, or
        too few windows for the splits.
    """
    read = frame.attrs.get("rows_read", {})
    rows_read = read["rows"] if read.get("kept") == len(frame) else len(frame)  # not of a slice of the frame
    frame = frame.set_axis(pd.DatetimeIndex(frame.index).as_unit("ns"), axis=0)
    features = tuple(map(str, frame.columns))
    if target not in features:
        raise DataError(
            f"{source}: expected a target column {target!r}. Found columns {list(features)}. "
            "Add the column, or pass --target with the name of the CO2 column."
        )
    resolution = frame.attrs.get("resolution") or infer_resolution(frame.index)
    lookback = hours_to_steps(config.lookback_hours, resolution, "lookback")
    horizon = hours_to_steps(horizon_hours, resolution, "horizon")
    span = lookback + horizon

    # Rows on a regular grid; a window is valid when its span of rows is unbroken.
    position = np.round((frame.index.asi8 - frame.index.asi8[0]) / resolution.value).astype(np.int64)
    n_rows = len(frame)
    segment = np.concatenate([[0], np.cumsum(np.diff(position) != 1)])
    starts = np.arange(max(n_rows - span + 1, 0))
    valid = segment[starts] == segment[starts + span - 1] if len(starts) else np.zeros(0, bool)

    # Chronological row parts with a gap of lookback + horizon rows between them.
    bounds = part_bounds(n_rows, span, config.split)
    cut1 = bounds[0][1]
    parts = [starts[valid & (starts >= lo) & (starts + span <= hi)] for lo, hi in bounds]
    report = account(
        position,
        (len(parts[0]), len(parts[1]), len(parts[2])),
        span=span,
        split=config.split,
        rows_read=rows_read,
        resolution=_duration(resolution),
        source=source,
    )
    report.refuse_beyond(max_dropped_share)
    minimum = {"train": 64, "validation": 16, "test": 16}
    for name, part in zip(minimum, parts, strict=True):
        if len(part) < minimum[name]:
            raise DataError(
                f"{source}: expected at least {minimum[name]} {name} windows of {lookback} + {horizon} steps. "
                f"Found {len(part)} in {n_rows} rows at {_duration(resolution)} resolution. "
                f"Provide at least {rows_needed(span, config.split, minimum)} gap-free rows, "
                "or train with a shorter --lookback."
            )

    values = frame.to_numpy(dtype=np.float64)
    t_index = features.index(target)
    if scaler is None:
        train_rows = values[:cut1]
        scale = train_rows.std(axis=0)
        scaler = Scaler(features, train_rows.mean(axis=0), np.where(scale > 0, scale, 1.0), t_index)
    elif tuple(scaler.feature_names) != features:
        raise DataError(
            f"{source}: expected the checkpoint's features {list(scaler.feature_names)}. "
            f"Found {list(features)}. Give the data the checkpoint was trained with, or retrain."
        )
    scaled = ((values - scaler.mean) / scaler.scale).astype(np.float32)
    times = frame.index.to_numpy()
    check_windows_fit(sum(len(p) for p in parts), span, len(features), resolution, source)

    rows_tensor = torch.from_numpy(scaled)

    def split(part: np.ndarray) -> Split:
        steps = np.arange(span)
        y_rows = part[:, None] + steps[None, lookback:]
        return Split(
            x=window_inputs(rows_tensor, part, lookback),
            y=torch.from_numpy(scaled[y_rows, t_index]),
            t_last_input=times[part + lookback - 1],
            t_target=times[part + span - 1],
        )

    train, val, test = (split(p) for p in parts)
    target_ppm = values[parts[2] + span - 1, t_index]
    return Dataset(
        train=train,
        val=val,
        test=test,
        feature_names=features,
        target=target,
        scaler=scaler,
        resolution=resolution,
        lookback_steps=lookback,
        horizon_steps=horizon,
        horizon_hours=float(horizon_hours),
        regime_bounds=config.regime_bounds,
        test_regimes=regime_of(target_ppm, config.regime_bounds),
        fingerprint=fingerprint(frame.iloc[:cut1]),
        source=source,
        data_report=report,
    )


def embedded_dataset(horizon_hours: float, **config: object) -> Dataset:
    """The embedded synthetic room (DESIGN §3.1) windowed for ``horizon_hours``.

    Keyword arguments are :class:`~interp.config.DataConfig` fields (``days``, ``seed``, ``lookback_hours``, …).
    """
    cfg = DataConfig(**config)  # type: ignore[arg-type]
    return make_dataset(indoor_co2(days=cfg.days, seed=cfg.seed), horizon_hours, cfg)
