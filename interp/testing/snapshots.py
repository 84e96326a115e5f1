"""The syrupy extension for metric snapshots (DESIGN §6).

- JSON, one file per test, under ``baselines/snapshots/h{H}/<test module>/`` (``cross/`` for cross-horizon
  checks), so a one-horizon ``--snapshot-update`` never deletes the other horizon's files;
- values arrive already converted by :func:`interp.metrics.to_jsonable` (numpy → Python, floats rounded to
  6 significant digits, NaN as ``"nan"``);
- floats are compared with a relative tolerance of :data:`RELATIVE_TOLERANCE` (and an absolute floor of
  :data:`ABSOLUTE_TOLERANCE` for values near zero); a mismatch is reported key by key, with both values and
  the relative change.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from syrupy.extensions.json import JSONSnapshotExtension
from syrupy.location import PyTestLocation

RELATIVE_TOLERANCE = 1e-4
ABSOLUTE_TOLERANCE = 1e-7
_HORIZON = re.compile(r"\[(?:.*-)?(h\d+)(?:-.*)?\]$")


def snapshot_root(test_location: PyTestLocation) -> Path:
    """``<baselines>/snapshots`` of the run (``--baselines``, default the project's ``baselines/``)."""
    from interp.suite import BASELINES

    config = test_location.item.config
    return Path(getattr(config.option, "baselines", None) or BASELINES).resolve() / "snapshots"


def horizon_folder(test_location: PyTestLocation) -> str:
    """``h1``/``h24`` from the test's parameter id, ``cross`` for a test without one."""
    match = _HORIZON.search(test_location.nodeid)
    return match.group(1) if match else "cross"


class MetricsSnapshotExtension(JSONSnapshotExtension):
    """JSON snapshots of metrics, per horizon folder, compared with a float tolerance."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        module = Path(test_location.filepath).stem
        return str(snapshot_root(test_location) / horizon_folder(test_location) / module)

    @classmethod
    def discovery_dirname(cls, *, test_location: PyTestLocation) -> str:
        return cls.dirname(test_location=test_location)

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        try:
            return not list(differences(json.loads(snapshot_data), json.loads(serialized_data)))
        except (TypeError, json.JSONDecodeError):
            return False

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        try:
            found = list(differences(json.loads(snapshot_data), json.loads(serialized_data)))
        except (TypeError, json.JSONDecodeError):
            found = []
        if not found:
            yield from super().diff_lines(serialized_data, snapshot_data)
            return
        yield f"{len(found)} metric(s) differ from the snapshot (relative tolerance {RELATIVE_TOLERANCE:g}):"
        yield from found


def close(expected: float, actual: float) -> bool:
    """Whether two stored floats agree within the snapshot tolerance."""
    return math.isclose(expected, actual, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Describe every difference between two JSON values, one line each, naming the key path."""
    where = path or "<root>"
    if isinstance(expected, bool) or isinstance(actual, bool):
        if expected is not actual:
            yield f"{where}: snapshot {expected!r}, now {actual!r}"
    elif isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if not close(float(expected), float(actual)):
            change = abs(actual - expected) / abs(expected) if expected else math.inf
            yield f"{where}: snapshot {expected!r}, now {actual!r} (relative change {change:.3g})"
    elif isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            sub = f"{path}.{key}" if path else key
            if key not in actual:
                yield f"{sub}: in the snapshot, missing now"
            elif key not in expected:
                yield f"{sub}: new, not in the snapshot"
            else:
                yield from differences(expected[key], actual[key], sub)
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{where}: snapshot has {len(expected)} values, now {len(actual)}"
        else:
            for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
                yield from differences(e, a, f"{where}[{i}]")
    elif expected != actual:
        yield f"{where}: snapshot {expected!r}, now {actual!r}"
