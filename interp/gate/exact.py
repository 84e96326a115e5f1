"""Tier 3, exact comparison: a figure against its baseline image, metrics against their snapshot.

The exact tier belongs to the accepted model only (:class:`~interp.gate.manifest.Manifest`). Its files are named
from the catalog, so ``pytest checks`` (pytest-mpl and syrupy, ``checks/test_exact.py``) and ``interp study``
(this module) read the same baselines:

- image: ``baselines/images/test_exact.test_figure_<case>.png``;
- snapshot: ``baselines/snapshots/<horizon>/test_exact/test_metrics[<case>].json``;

``<case>`` being ``h24-B4`` (``cross-E8`` for the cross-horizon items). Images are compared by RMS over the
pixels (0–255) with the tolerance of ``pyproject.toml`` (``mpl-default-tolerance``), snapshots value by value
with :func:`interp.testing.snapshots.differences`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.testing.compare import calculate_rms
from PIL import Image

from interp.gate.outcome import CheckOutcome

MODULE = "test_exact"
"""The checks module of the exact tier; its name is part of every baseline file name."""

IMAGE_TOLERANCE = 2.0
"""RMS (of 0–255) above which an image differs; the same number as ``mpl-default-tolerance``."""


def case_id(horizon: str, key: str) -> str:
    """``"h24-B4"``: the pytest id of an item's exact checks (``key`` is the catalog key, e.g. ``B4``)."""
    return f"{horizon}-{key}"


def baseline_image(baselines: Path, case: str) -> Path:
    """Where pytest-mpl keeps the accepted figure of ``case``."""
    return baselines / "images" / f"{MODULE}.test_figure_{case}.png"


def baseline_snapshot(baselines: Path, horizon: str, case: str) -> Path:
    """Where syrupy keeps the accepted metrics of ``case``."""
    return baselines / "snapshots" / horizon / MODULE / f"test_metrics[{case}].json"


def image_rms(expected: Path, actual: Path) -> float:
    """RMS difference of two PNGs of the same size, 0–255 (inf when the sizes differ)."""
    a = np.asarray(Image.open(expected).convert("RGB"), dtype=np.int16)
    b = np.asarray(Image.open(actual).convert("RGB"), dtype=np.int16)
    if a.shape != b.shape:
        return float("inf")
    return float(calculate_rms(a, b))


def compare_figure(png: Path, baselines: Path, horizon: str, key: str) -> CheckOutcome:
    """The exact tier's image check of one item's figure."""
    case = case_id(horizon, key)
    expected = baseline_image(baselines, case)
    if not expected.is_file():
        return _missing(horizon, key, "figure", expected)
    rms = image_rms(expected, png)
    return _outcome(
        horizon, key, "figure", rms, IMAGE_TOLERANCE, "RMS difference from the baseline image (0–255)"
    )


def compare_metrics(metrics: Any, baselines: Path, horizon: str, key: str) -> CheckOutcome:
    """The exact tier's snapshot check of one item's metrics (already through ``to_jsonable``)."""
    from interp.testing.snapshots import differences

    expected_path = baseline_snapshot(baselines, horizon, case_id(horizon, key))
    if not expected_path.is_file():
        return _missing(horizon, key, "metrics", expected_path)
    found = list(
        differences(json.loads(expected_path.read_text(encoding="utf-8")), json.loads(json.dumps(metrics)))
    )
    outcome = _outcome(horizon, key, "metrics", len(found), 0, "metric values that differ from the snapshot")
    if found:
        return CheckOutcome(**{**outcome.__dict__, "message": f"{outcome.message}: {'; '.join(found[:6])}"})
    return outcome


def _outcome(horizon: str, key: str, name: str, value: float, threshold: float, measure: str) -> CheckOutcome:
    passed = value <= threshold
    return CheckOutcome(
        tier="exact",
        horizon=horizon,
        item=key,
        name=name,
        status="passed" if passed else "failed",
        value=float(value),
        threshold=float(threshold),
        op="<=",
        measure=measure,
        direction="" if passed else "differs",
        message=f"{measure} = {value:.4g}; expected <= {threshold:g}",
    )


def _missing(horizon: str, key: str, name: str, path: Path) -> CheckOutcome:
    return CheckOutcome(
        "exact",
        horizon,
        key,
        name,
        "failed",
        message=f"no baseline at {path}: accept the baselines with `make accept` (or `make baselines`)",
    )


def write_diff(expected: Path, actual: Path, output: Path) -> None:
    """The difference image of a failed comparison (pytest-mpl's and matplotlib's), when both PNGs exist."""
    from matplotlib.testing.compare import save_diff_image

    if expected.is_file() and actual.is_file() and image_rms(expected, actual) != float("inf"):
        output.parent.mkdir(parents=True, exist_ok=True)
        save_diff_image(str(expected), str(actual), str(output))
