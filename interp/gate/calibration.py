"""``make calibrate``: how far healthy retrains move each drift measure, and the tolerances that follows.

A healthy ensemble is trained from the accepted baseline's own recipe (its training config and data), varying
only what a healthy retrain varies: the training seed, and the data (another seed of the embedded room, or more
days of it). Each member is studied exactly as the gate studies a model under test — on its own data's test
windows, with the baseline studied on the same windows — and every drift measure of every catalog item is
recorded. The tolerance of a measure is derived from its ensemble values by one rule (:data:`RULE`):

    one-sided 99 % Student-t prediction bound for one more healthy retrain,
    mean ± t(0.99, n − 1) · s · √(1 + 1/n), on the measure's scale (Fisher z for correlations),
    in the worse direction (both directions, at 99.5 % each, when any change is worse),
    with the spread s floored at the measure's resolution.

A healthy retrain from the same recipe exceeds one bound with probability about 1 % under that model. The
ensemble values, the bounds and the baseline they were measured against go into ``baselines/calibration.json``;
the same seeds give the same file on the same machine.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from interp import catalog
from interp.atomic import write_json
from interp.config import DataConfig, TrainConfig
from interp.gate.drift import CALIBRATION, measure_key
from interp.gate.manifest import sha256_of
from interp.suite import Sources
from interp.verdict import NULL_CONFIDENCE, prediction_bound

RULE = (
    "one-sided 99 % Student-t prediction bound for one more healthy retrain: mean ± t(0.99, n−1)·s·√(1+1/n) of "
    "the ensemble's drift values on the measure's scale (Fisher z for correlations), in the worse direction "
    "(both, at 99.5 % each, when any change is worse); s floored at the measure's resolution"
)


@dataclass(frozen=True)
class Member:
    """One healthy retrain of the ensemble: the baseline's recipe with another training seed and/or data.

    ``data_seed`` and ``days`` vary the embedded room (None: the baseline's own); they do not apply to user data.
    """

    name: str
    train_seed: int
    data_seed: int | None = None
    days: int | None = None


ENSEMBLE: tuple[Member, ...] = (
    *(Member(f"seed{k}", k) for k in range(1, 7)),
    Member("data-seed1", 0, data_seed=1),
    Member("days240", 0, days=240),
)
"""The default healthy ensemble: six training seeds and two data variations."""


def tolerance(values: Iterable[float], worse: str, scale: str, resolution: float) -> dict[str, float | None]:
    """The bounds ``{"lower": …, "upper": …}`` (None where unbounded) that :data:`RULE` gives ``values``."""
    data = np.asarray(list(values), dtype=np.float64)
    forward, back = _transforms(scale)
    z = forward(data)
    floor = resolution if scale == "linear" else _fisher_floor(data, resolution)
    sides = ("lower", "higher") if worse == "both" else (worse,)
    confidence = 1 - (1 - NULL_CONFIDENCE) / len(sides)
    out: dict[str, float | None] = {"lower": None, "upper": None}
    for side in sides:
        bound = back(prediction_bound(z, side, confidence=confidence, floor=floor))
        out["upper" if side == "higher" else "lower"] = float(bound)
    return out


def _transforms(scale: str):
    if scale == "linear":
        return (lambda v: v), (lambda v: v)
    limit = 1 - 1e-9
    return (lambda v: np.arctanh(np.clip(v, -limit, limit))), (lambda v: float(np.tanh(v)))


def _fisher_floor(values: np.ndarray, resolution: float) -> float:
    """A resolution in correlation units, as a spread on Fisher's z at the values' mean."""
    mean = float(np.clip(np.mean(values), -0.999999, 0.999999))
    return resolution / (1 - mean**2)


USER_DATA_ENSEMBLE: tuple[Member, ...] = tuple(Member(f"seed{k}", k) for k in range(1, 9))
"""The ensemble on user data: eight training seeds (the embedded room's data variations do not apply)."""


def ensemble_for(sources: Sources) -> tuple[Member, ...]:
    """The default ensemble for these sources: :data:`ENSEMBLE` on the embedded data, else
    :data:`USER_DATA_ENSEMBLE`."""
    return ENSEMBLE if sources.data is None else USER_DATA_ENSEMBLE


def member_values(
    member: Member, horizon: int, baseline_dir: str, sources: Sources, keep: str | None
) -> dict[str, float]:
    """Train one member for one horizon and measure every drift of the catalog against the baseline.

    Runs in a worker process (picklable arguments); returns ``{measure key: drift value}``.
    """
    from interp.models.checkpoint import load_checkpoint
    from interp.runtime import single_threaded
    from interp.suite import baseline_study, checkpoint_name, load_study, train_checkpoints

    single_threaded()
    baselines = Path(baseline_dir)
    data = sources.data
    _, meta = load_checkpoint(baselines / checkpoint_name("cnn_lstm", horizon), sources.model_class)
    train_config = _recipe(TrainConfig, meta.training, seed=member.train_seed)
    data_fields = {
        k: v for k, v in meta.data.items() if k in {f.name for f in dataclasses.fields(DataConfig)}
    }
    if data is None:
        data_fields.update(
            {k: v for k, v in (("seed", member.data_seed), ("days", member.days)) if v is not None}
        )
    data_config = _recipe(DataConfig, data_fields, lookback_hours=meta.lookback_hours)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(keep) / member.name if keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if not _trained_with(folder / checkpoint_name("cnn_lstm", horizon), train_config, data_config):
            train_checkpoints(
                folder,
                (horizon,),
                ("cnn_lstm",),
                sources=sources,
                data_config=data_config,
                train_config=train_config,
                quiet=True,
            )
        study = load_study(dataclasses.replace(sources, checkpoint_dir=folder), horizon)
        baseline = baseline_study(study, baselines, sources)
        if baseline is None:
            raise RuntimeError(f"calibration member {member.name} is bit-identical to the baseline; vary it.")
        return {
            measure_key(item.id, drift): drift.measure(study, baseline)[0]
            for item in catalog.items()
            for drift in item.drift
        }


def _trained_with(path: Path, train_config: TrainConfig, data_config: DataConfig) -> bool:
    """Whether ``path`` is a checkpoint already trained with exactly this recipe (``--keep`` reuses it)."""
    from interp.errors import InterpError
    from interp.models.checkpoint import load_checkpoint

    if not path.is_file():
        return False
    try:
        _, meta = load_checkpoint(path)
    except InterpError:
        return False
    data = {k: meta.data.get(k) for k in ("days", "seed", "lookback_hours")}
    expected = {
        "days": data_config.days,
        "seed": data_config.seed,
        "lookback_hours": data_config.lookback_hours,
    }
    return meta.training == dataclasses.asdict(train_config) and data == expected


def _recipe(cls, fields: dict[str, Any], **overrides: Any):
    known = {f.name for f in dataclasses.fields(cls)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items() if k in known}
    return cls(**{**values, **overrides})


def calibrate(
    baselines: Path,
    horizons: tuple[int, ...],
    *,
    sources: Sources | None = None,
    members: tuple[Member, ...] | None = None,
    jobs: int = 2,
    keep: Path | None = None,
) -> Path:
    """Train the ensemble, measure every drift and write ``baselines/calibration.json``; returns its path.

    ``sources`` say where the data comes from and which model class to build (default: the embedded data and
    the reference class); ``members`` default to :func:`ensemble_for` the sources.
    """
    sources = sources or Sources()
    members = members or ensemble_for(sources)
    checkpoints = baselines / "checkpoints"
    tasks = [(m, h) for h in horizons for m in members]
    args = [(m, h, str(checkpoints), sources, str(keep) if keep else None) for m, h in tasks]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(member_values, *zip(*args, strict=True)))
    else:
        results = [member_values(*a) for a in args]
    values = {
        f"h{horizon}": {
            key: [r[key] for (_, h), r in zip(tasks, results, strict=True) if h == horizon]
            for key in results[0]
        }
        for horizon in horizons
    }
    path = baselines / CALIBRATION
    write_json(
        path,
        {
            "format": 1,
            "rule": RULE,
            "baseline": {p.name: sha256_of(p) for p in sorted(checkpoints.glob("cnn_lstm_*.pt"))},
            "ensemble": [dataclasses.asdict(m) for m in members],
            "data": str(sources.data) if sources.data else "embedded",
            "measures": bounds(values),
        },
    )
    return path


def bounds(values: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per horizon and measure: the catalog's declaration (worse, scale) and the :data:`RULE`'s bounds of
    ``values`` (the ensemble's drift values). Measures with fewer than 2 finite values get no tolerance."""
    drifts = {measure_key(item.id, d): d for item in catalog.items() for d in item.drift}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for tag, measures in values.items():
        out[tag] = {}
        for key, series in measures.items():
            drift = drifts.get(key)
            finite = [x for x in series if math.isfinite(x)]
            if drift is None or len(finite) < 2:
                continue
            out[tag][key] = {
                "worse": drift.worse,
                "scale": drift.scale,
                "values": series,
                **tolerance(finite, drift.worse, drift.scale, drift.resolution),
            }
    return out


def rederive(baselines: Path) -> Path:
    """Re-derive the bounds of ``calibration.json`` from its stored ensemble values and the catalog's current
    declarations (after a measure's direction, scale or resolution changed; no training)."""
    import json

    path = baselines / CALIBRATION
    raw = json.loads(path.read_text(encoding="utf-8"))
    values = {
        tag: {key: m["values"] for key, m in measures.items()} for tag, measures in raw["measures"].items()
    }
    write_json(path, {**raw, "measures": bounds(values)})
    return path


def default_jobs() -> int:
    """Worker processes for the ensemble: the machine's cores (each trains single-threaded)."""
    return max(1, min(len(os.sched_getaffinity(0)), 4))
