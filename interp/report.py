"""Write the results tree (DESIGN §8): the one code path of ``python -m interp study`` and of the checks.

::

    <root>/cnn_lstm_interpretability/
      h1/ <folder>/<id>_<slug>.png (+ the item's CSV tables), metrics.json, predictions.npz
      h24/ (same)
      comparison/ E8–E10 (when both horizons are studied)
      summary.png  study_results.json  index.html

Atomicity. Every file is written to a temporary file in its own folder and renamed over its name
(``os.replace``, :mod:`interp.atomic`), so a reader never sees half a file. :func:`write_study` writes the
whole tree into a hidden sibling folder (``<root>/.cnn_lstm_interpretability.partial-*``), checks that every
gallery link resolves, and only then renames it into place, replacing the previous tree; a run that raises
removes its partial folder and leaves the previous tree as it was. (A process killed mid-run can leave a
hidden ``.partial-*`` folder; it never looks like a results tree and can be deleted.)

Determinism. The same studies give byte-identical files: PNGs through :func:`~interp.plots.style.png_bytes`
(no metadata), JSON with sorted keys and rounded floats, ``predictions.npz`` with a fixed zip timestamp
(``np.savez`` stamps each entry with the current time), no timestamps anywhere.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from interp import catalog
from interp.atomic import npz_bytes, replace_tree, write_atomic, write_json
from interp.catalog import CrossItem, Item
from interp.gallery import Card, check_links, render_gallery
from interp.gate.outcome import CheckOutcome, run_invariant
from interp.metrics import to_jsonable
from interp.plots.style import draw_styled, png_bytes
from interp.plots.summary import summary_dashboard, summary_data
from interp.study import Study

TREE = "cnn_lstm_interpretability"
"""Name of the results tree under the results root."""

CROSS_HORIZONS = (1, 24)
"""The studies (hours) the cross-horizon items E8–E10 compare."""

StudyArg = Study | tuple[Study, Study]
"""A per-horizon item takes one study; a cross-horizon item the pair ``(study_1h, study_24h)``."""


@dataclass(frozen=True)
class ItemOutcome:
    """What running one catalog item gave.

    Attributes
    ----------
    id : str
        Plan id.
    status : str
        ``"failed"`` when an invariant failed, else ``"passed"`` when one passed, ``"skipped"`` when every
        invariant was skipped, ``"drawn"`` when the item asserts nothing (figure and metrics only).
    reason : str
        The failed invariants' messages (or the skip reasons), ``""`` otherwise.
    metrics : dict
        The item's metrics through :func:`~interp.metrics.to_jsonable`.
    checks : tuple of CheckOutcome
        One per invariant.
    figure : Figure or None
        The drawn figure.
    """

    id: str
    status: str
    reason: str
    metrics: dict[str, Any] = field(default_factory=dict)
    checks: tuple[CheckOutcome, ...] = ()
    figure: Figure | None = None


def item_status(checks: tuple[CheckOutcome, ...]) -> str:
    """The item's status from its checks' (see :class:`ItemOutcome`)."""
    statuses = {c.status for c in checks}
    for status in ("failed", "passed", "skipped"):
        if status in statuses:
            return status
    return "drawn"


def run_item(item: Item | CrossItem, study: StudyArg) -> ItemOutcome:
    """Draw the item's figure (under the suite's style), compute its metrics and run its invariants."""
    args = _study_args(item, study)
    figure = draw_styled(item.draw, *args)
    metrics = to_jsonable(item.metrics(*args))
    checks = tuple(run_invariant(inv, item.id, *args) for inv in item.invariants)
    status = item_status(checks)
    reason = " ".join(c.message for c in checks if c.status == status and status in ("failed", "skipped"))
    return ItemOutcome(item.id, status, reason, metrics, checks, figure)


def save_item_figure(item: Item | CrossItem, study: StudyArg, fig: Figure, root: Path | str) -> Path:
    """Write ``fig`` and the item's tables to ``root/cnn_lstm_interpretability/…``; returns the PNG's path.

    A per-horizon item goes to ``h{H}/<folder>/<id>_<slug>.png``, a cross-horizon item (``study`` the pair
    ``(study_1h, study_24h)``) to ``comparison/<id>_<slug>.png``; tables (``item.tables``) go beside it.
    """
    return _write_item_files(item, _study_args(item, study), fig, Path(root) / TREE)[0]


def write_study(
    studies: Mapping[int, Study],
    root: Path | str,
    on_item: Callable[[str, ItemOutcome], None] | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> Path:
    """Run every catalog item on every study and write the whole results tree atomically.

    Parameters
    ----------
    studies : mapping of int to Study
        Study per horizon in hours (1, 24 or both); E8–E10 run when both 1 and 24 are present.
    root : path
        Results root; the tree is ``root/cnn_lstm_interpretability`` (replaced as a whole at the end).
    on_item : callable, optional
        ``on_item(tag, outcome)`` after each item, ``tag`` being ``"h1"``, ``"h24"`` or ``"comparison"``.
    provenance : mapping, optional
        JSON-able facts stored in ``study_results.json`` (checkpoint paths and sha256, …), merged over the
        defaults written here: library versions and each study's data source and fingerprint.

    Returns
    -------
    Path
        The tree's ``index.html``.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{TREE}.partial-"))
    try:
        os.chmod(staging, 0o755)
        rows: dict[str, list[tuple[Item | CrossItem, ItemOutcome, tuple[str, ...]]]] = {}
        for hours in sorted(studies):
            study = studies[hours]
            rows[study.tag] = [
                _run_and_save(it, study, staging, on_item, study.tag)
                for it in catalog.items(optional=study.config.tsne)
            ]
            write_json(staging / study.tag / "metrics.json", _keyed(rows[study.tag], lambda o: o.metrics))
            write_atomic(staging / study.tag / "predictions.npz", npz_bytes(prediction_arrays(study)))
        if all(h in studies for h in CROSS_HORIZONS):
            pair = tuple(studies[h] for h in CROSS_HORIZONS)
            rows["comparison"] = [
                _run_and_save(it, pair, staging, on_item, "comparison") for it in catalog.cross_items()
            ]
        _write_summary(rows, studies, staging, provenance or {})
        check_links(staging / "index.html")
        replace_tree(staging, root / TREE)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root / TREE / "index.html"


def _run_and_save(item, study, tree, on_item, tag):
    """Run one item, write its files into ``tree`` and drop the figure; returns (item, outcome, files)."""
    outcome = run_item(item, study)
    files: tuple[str, ...] = ()
    if outcome.figure is not None:
        paths = _write_item_files(item, _study_args(item, study), outcome.figure, tree)
        files = tuple(p.relative_to(tree).as_posix() for p in paths)
    outcome = replace(outcome, figure=None)
    if on_item is not None:
        on_item(tag, outcome)
    return item, outcome, files


def _write_item_files(item: Item | CrossItem, args: tuple[Study, ...], fig: Figure, tree: Path) -> list[Path]:
    """PNG first, then the item's tables, in ``tree``; returns the written paths."""
    folder = tree / item.folder if isinstance(item, CrossItem) else tree / args[0].tag / item.folder
    paths = [folder / item.file_name]
    write_atomic(paths[0], png_bytes(fig))
    tables = item.tables(*args) if item.tables is not None else {}
    for name in sorted(tables):
        paths.append(folder / name)
        write_atomic(paths[-1], tables[name].encode("utf-8"))
    return paths


def _study_args(item: Item | CrossItem, study: StudyArg) -> tuple[Study, ...]:
    """The positional studies an item's callables take, checked against the item's kind."""
    args = tuple(study) if isinstance(study, tuple) else (study,)
    expected = 2 if isinstance(item, CrossItem) else 1
    if len(args) != expected:
        kind = "the pair (study_1h, study_24h)" if expected == 2 else "one Study"
        raise TypeError(f"{item.id}: expected {kind}. Found {len(args)} studies. Pass {kind}.")
    return args


def _keyed(rows, value: Callable[[ItemOutcome], Any]) -> dict[str, Any]:
    """Map item id → ``value(outcome)``; a repeated id (a variant) is keyed ``<id>_<slug>``."""
    out: dict[str, Any] = {}
    for item, outcome, _ in rows:
        out[item.id if item.id not in out else f"{item.id}_{item.slug}"] = value(outcome)
    return out


def _write_summary(rows, studies: Mapping[int, Study], tree: Path, provenance: Mapping[str, Any]) -> None:
    """summary.png, study_results.json and index.html at the top of the tree."""
    statuses = {tag: _keyed(r, lambda o: (o.status, o.metrics)) for tag, r in rows.items()}
    write_atomic(tree / "summary.png", png_bytes(draw_styled(summary_dashboard, summary_data(statuses))))
    results = {
        "provenance": _merged(default_provenance(studies), provenance),
        "counts": {
            s: sum(o.status == s for r in rows.values() for _, o, _ in r)
            for s in ("passed", "failed", "skipped", "drawn")
        },
        "checks": {
            tag: _keyed(r, lambda o: {"status": o.status, "reason": o.reason, "metrics": o.metrics})
            for tag, r in rows.items()
        },
    }
    write_json(tree / "study_results.json", results)
    groups = [
        (
            tag,
            item.folder,
            Card(
                item.id,
                item.title,
                outcome.status,
                outcome.reason,
                outcome.metrics,
                image=files[0] if files else None,
                tables=files[1:],
            ),
        )
        for tag, r in rows.items()
        for item, outcome, files in r
    ]
    html = render_gallery(
        groups, summary="summary.png", results="study_results.json", counts=results["counts"]
    )
    write_atomic(tree / "index.html", html.encode("utf-8"))


def default_provenance(studies: Mapping[int, Study]) -> dict[str, Any]:
    """Versions of python, torch, numpy and matplotlib, and each study's data source and fingerprint."""
    import platform

    import matplotlib
    import torch

    out: dict[str, Any] = {
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "matplotlib": matplotlib.__version__,
        }
    }
    for study in studies.values():
        out[study.tag] = {"data_source": study.dataset.source, "data_fingerprint": study.dataset.fingerprint}
    return out


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base``, recursively for keys whose values are mappings on both sides."""
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, Mapping) and isinstance(out.get(key), Mapping)
        out[key] = _merged(out[key], value) if both else value
    return out


def prediction_arrays(study: Study) -> dict[str, np.ndarray]:
    """``predictions.npz`` content: the evaluation set's forecasts in ppm.

    Keys: ``times`` (N,) datetime64[ns] last input step ("now"); ``target_times`` (N,) datetime64[ns] last
    horizon step; ``truth_ppm`` and ``prediction_ppm`` (N, H) float64; ``regimes`` (N,) int8 (0 Low,
    1 Medium, 2 High, of the last-step target).
    """
    test = study.dataset.test
    return {
        "times": np.asarray(test.t_last_input, dtype="datetime64[ns]"),
        "target_times": np.asarray(test.t_target, dtype="datetime64[ns]"),
        "truth_ppm": np.asarray(study.targets_ppm, dtype=np.float64),
        "prediction_ppm": np.asarray(study.predictions_ppm, dtype=np.float64),
        "regimes": np.asarray(study.dataset.test_regimes, dtype=np.int8),
    }
