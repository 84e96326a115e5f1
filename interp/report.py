"""The results tree of one run and its report (DESIGN §8): the one writer of ``pytest checks`` and ``interp study``.

::

    <root>/cnn_lstm_interpretability/
      h1/ <folder>/<id>_<slug>.png (+ the item's CSV tables), metrics.json, predictions.npz
      h24/ (same)
      comparison/ E8–E10 (when both horizons are studied)
      accepted/ the accepted baseline's figures, beside which the report shows the new ones
      exact/ the difference images of failed exact-tier image comparisons
      summary.png  study_results.json  index.html

One tree per run. It is built in a hidden sibling folder (``<root>/.cnn_lstm_interpretability.partial-<pid>-*``)
and renamed into place only when complete (:func:`~interp.atomic.replace_tree`), replacing the previous run's tree
as a whole: a report never mixes two runs, and a run that fails leaves the previous tree as it was. The hidden
folders of a run killed outright (SIGKILL, a crash) are removed by the next run (:func:`remove_stale`); ``interp
study`` holds ``<root>/.cnn_lstm_interpretability.lock`` (:func:`results_lock`), so two studies never write one root.

Determinism: the same studies give byte-identical files (PNGs without metadata, JSON with sorted keys and rounded
floats, ``predictions.npz`` with a fixed zip date, no timestamps).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from interp import catalog
from interp.atomic import npz_bytes, replace_tree, write_atomic, write_json
from interp.catalog import CrossItem, Item
from interp.errors import ConfigError
from interp.gallery import check_links, render_report
from interp.gate.outcome import CheckOutcome
from interp.metrics import to_jsonable
from interp.plots.style import draw_styled, png_bytes
from interp.plots.summary import summary_dashboard
from interp.runrecord import ItemRecord, RunReport
from interp.study import Study

TREE = "cnn_lstm_interpretability"
"""Name of the results tree under the results root."""

CROSS_HORIZONS = (1, 24)
"""The studies (hours) the cross-horizon items E8–E10 compare."""

StudyArg = Study | tuple[Study, Study]
"""A per-horizon item takes one study; a cross-horizon item the pair ``(study_1h, study_24h)``."""


LOCK = f".{TREE}.lock"
"""The lock file of a results root: a run that writes the tree holds an exclusive ``flock`` on it."""

STALE = re.compile(rf"^\.{re.escape(TREE)}\.(?P<kind>partial|old)-(?P<pid>\d+)-")
"""Hidden folders of a run: its staging tree (``.partial-<pid>-*``) and, during the swap, the previous tree
moved aside (``.old-<pid>-*``, :func:`interp.atomic.replace_tree`)."""


def new_staging(root: Path) -> Path:
    """A fresh hidden folder beside ``root/cnn_lstm_interpretability`` to build one run's tree in.

    Named ``.cnn_lstm_interpretability.partial-<pid>-*`` after the process that owns it; the stale folders of
    runs that are gone are removed first (:func:`remove_stale`).
    """
    root.mkdir(parents=True, exist_ok=True)
    remove_stale(root)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{TREE}.partial-{os.getpid()}-"))
    os.chmod(staging, 0o755)
    return staging


def staging_path(root: Path) -> Path:
    """The name of a fresh staging folder beside ``root/cnn_lstm_interpretability``, not yet created (the pytest
    run creates it with its first file, so a session that draws nothing leaves nothing behind)."""
    return root / f".{TREE}.partial-{os.getpid()}-{uuid.uuid4().hex[:12]}"


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(root: Path) -> list[str]:
    """Remove the hidden folders of runs that are gone (killed by SIGKILL, a crash, a power cut).

    A folder matching :data:`STALE` whose owner process no longer exists is stale. When no tree is visible and
    a stale ``.old-*`` folder holds the previous tree (a run killed in the middle of its swap), the newest such
    tree is put back first. Folders of live runs, and hidden folders of other names, are left alone.

    Returns
    -------
    list of str
        The names of the folders removed.
    """
    stale = []
    for path in sorted(root.iterdir()) if root.is_dir() else ():
        found = STALE.match(path.name)
        if found and path.is_dir() and not process_alive(int(found["pid"])):
            stale.append((found["kind"], path))
    tree = root / TREE
    stranded = [p for kind, p in stale if kind == "old" and (p / TREE).is_dir()]
    if stranded and not tree.exists():
        newest = max(stranded, key=lambda p: (p / TREE).stat().st_mtime)
        os.rename(newest / TREE, tree)
    for _, path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for _, p in stale]


@contextlib.contextmanager
def results_lock(root: Path, command: str) -> Iterator[Path]:
    """Hold the exclusive lock of the results root ``root`` (``root/.cnn_lstm_interpretability.lock``).

    The lock file holds ``pid <pid>: <command>`` while held. ``flock`` is released when the holder exits, however
    it exits, so a killed run never leaves the root locked.

    Raises
    ------
    ConfigError
        When another run holds the lock: one line naming it (pid and command line).
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = " ".join(os.pread(fd, 4096, 0).decode("utf-8", "replace").split()) or "pid unknown"
            raise ConfigError(
                f"{root}: expected no other run writing results here. Found one running ({holder}), holding "
                f"{path}. Wait for it to finish, or pass another --out."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: {' '.join(command.split())}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def publish(staging: Path, root: Path) -> Path:
    """Check every link of the staged report, then swap it in as ``root/cnn_lstm_interpretability``."""
    check_links(staging / "index.html")
    replace_tree(staging, root / TREE)
    return root / TREE / "index.html"


def study_args(item: Item | CrossItem, study: StudyArg) -> tuple[Study, ...]:
    """The positional studies an item's callables take, checked against the item's kind."""
    args = tuple(study) if isinstance(study, tuple) else (study,)
    expected = 2 if isinstance(item, CrossItem) else 1
    if len(args) != expected:
        kind = "the pair (study_1h, study_24h)" if expected == 2 else "one Study"
        raise TypeError(f"{item.id}: expected {kind}. Found {len(args)} studies. Pass {kind}.")
    return args


def horizon_of(item: Item | CrossItem, args: tuple[Study, ...]) -> str:
    """``"h1"``, ``"h24"`` or ``"cross"``."""
    return "cross" if isinstance(item, CrossItem) else args[0].tag


def item_folder(item: Item | CrossItem, args: tuple[Study, ...]) -> str:
    """The item's folder relative to the tree: ``h24/gradient_attribution`` or ``comparison``."""
    return item.folder if isinstance(item, CrossItem) else f"{args[0].tag}/{item.folder}"


def save_item_figure(item: Item | CrossItem, study: StudyArg, fig: Figure, tree: Path) -> Path:
    """Write ``fig`` and the item's tables into ``tree`` (the tree itself, not its root); returns the PNG's path."""
    args = study_args(item, study)
    folder = tree / item_folder(item, args)
    path = folder / item.file_name
    write_atomic(path, png_bytes(fig))
    tables = item.tables(*args) if item.tables is not None else {}
    for name in sorted(tables):
        write_atomic(folder / name, tables[name].encode("utf-8"))
    return path


def record_item(item: Item | CrossItem, study: StudyArg, tree: Path) -> ItemRecord:
    """Draw the item (under the suite's style), write its files into ``tree`` and compute its metrics."""
    args = study_args(item, study)
    png = save_item_figure(item, study, draw_styled(item.draw, *args), tree)
    folder = png.parent
    tables = tuple(
        sorted((folder / n).relative_to(tree).as_posix() for n in (item.tables(*args) if item.tables else {}))
    )
    return ItemRecord(
        horizon=horizon_of(item, args),
        item=catalog.item_key(item),
        slug=item.slug,
        title=item.title,
        folder=item.folder,
        figure=png.relative_to(tree).as_posix(),
        tables=tables,
        metrics=to_jsonable(item.metrics(*args)),
    )


def copy_into(tree: Path, source: Path, relative: str) -> str | None:
    """Copy ``source`` (when it exists) to ``tree/relative``; the relative path, or None."""
    if not source.is_file():
        return None
    (tree / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, tree / relative)
    return relative


def write_predictions(study: Study, tree: Path) -> Path:
    """``<tree>/h{H}/predictions.npz`` (see :func:`prediction_arrays`)."""
    path = tree / study.tag / "predictions.npz"
    write_atomic(path, npz_bytes(prediction_arrays(study)))
    return path


def write_report(run: RunReport, tree: Path) -> Path:
    """``study_results.json``, each horizon's ``metrics.json``, ``summary.png`` and ``index.html`` into ``tree``."""
    for horizon in sorted({r.horizon for r in run.items} - {"cross"}):
        write_json(
            tree / horizon / "metrics.json", {r.item: r.metrics for r in run.items if r.horizon == horizon}
        )
    write_json(tree / "study_results.json", results_json(run))
    write_atomic(tree / "summary.png", png_bytes(draw_styled(summary_dashboard, run)))
    write_atomic(tree / "index.html", render_report(run).encode("utf-8"))
    return tree / "index.html"


def results_json(run: RunReport) -> dict[str, Any]:
    """``study_results.json``: the verdict, counts per tier, every check (tier, status, value, threshold, which
    way), every item's status, files and metrics, and the provenance. A CI script reads ``status`` and
    ``checks``."""
    return {
        "status": run.status,
        "counts": run.counts(),
        "failed": [o.id + f" [{o.tier}]" for o in run.failed()],
        "checks": [o.to_json() for o in run.outcomes],
        "items": {
            r.key: {
                "status": run.item_status(r),
                "title": r.title,
                "figure": r.figure,
                "accepted_figure": r.accepted_figure,
                "diff_figure": r.diff_figure,
                "tables": list(r.tables),
                "metrics": r.metrics,
            }
            for r in run.items
        },
        "provenance": run.provenance,
    }


def write_study(
    studies: Mapping[int, Study],
    root: Path | str,
    check: Callable[[Item | CrossItem, tuple[Study, ...], ItemRecord, Path], list[CheckOutcome]],
    provenance: Mapping[str, Any] | None = None,
    on_item: Callable[[ItemRecord, list[CheckOutcome]], None] | None = None,
) -> tuple[Path, RunReport]:
    """Run every catalog item on every study, check it, and publish the run's tree atomically.

    Parameters
    ----------
    studies : mapping of int to Study
        Study per horizon in hours (1, 24 or both); E8–E10 run when both 1 and 24 are present.
    root : path
        Results root; the tree is ``root/cnn_lstm_interpretability`` (replaced as a whole at the end).
    check : callable
        ``check(item, studies, record, tree) -> outcomes``: the item's checks of every tier that applies (it may
        add files to the tree, e.g. the accepted figure); :func:`interp.gate.run.checks_of_item` in practice.
    provenance : mapping, optional
        JSON-able facts of the run (checkpoints, data, versions, commit, command line).
    on_item : callable, optional
        ``on_item(record, outcomes)`` after each item (progress, terminal lines).

    Returns
    -------
    (Path, RunReport)
        The tree's ``index.html`` and what the run found.
    """
    root = Path(root)
    staging = new_staging(root)
    try:
        records: list[ItemRecord] = []
        outcomes: list[CheckOutcome] = []
        jobs: list[tuple[Item | CrossItem, StudyArg]] = []
        for hours in sorted(studies):
            study = studies[hours]
            jobs += [(it, study) for it in catalog.items(optional=study.config.tsne)]
        if all(h in studies for h in CROSS_HORIZONS):
            jobs += [(it, (studies[1], studies[24])) for it in catalog.cross_items()]
        for item, study in jobs:
            args = study_args(item, study)
            not_here = catalog.not_applicable(item, *args)
            if not_here is not None:
                record = ItemRecord(
                    horizon_of(item, args), catalog.item_key(item), item.slug, item.title, item.folder, None
                )
                found = [
                    CheckOutcome(tier, record.horizon, record.item, name, "skipped", message=not_here)
                    for tier, name in not_applicable_checks(item)
                ]
            else:
                record = record_item(item, study, staging)
                found = check(item, args, record, staging)
                record = found_record(record, staging)
            records.append(record)
            outcomes += found
            if on_item is not None:
                on_item(record, found)
        for study in studies.values():
            write_predictions(study, staging)
        run = RunReport(tuple(records), tuple(outcomes), dict(provenance or {}))
        write_report(run, staging)
        return publish(staging, root), run
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def not_applicable_checks(item: Item | CrossItem) -> list[tuple[str, str]]:
    """``(tier, name)`` of every check of ``item``: its invariants, its drift measures, its figure and metrics."""
    return [
        *(("invariant", inv.name) for inv in item.invariants),
        *(("drift", d.name) for d in getattr(item, "drift", ())),
        ("exact", "figure"),
        ("exact", "metrics"),
    ]


def found_record(record: ItemRecord, tree: Path) -> ItemRecord:
    """``record`` with the accepted and diff figures a check copied into ``tree`` (``accepted/``, ``exact/``)."""
    from dataclasses import replace

    accepted, diff = accepted_path(record), diff_path(record)
    return replace(
        record,
        accepted_figure=accepted if (tree / accepted).is_file() else None,
        diff_figure=diff if (tree / diff).is_file() else None,
    )


def accepted_path(record: ItemRecord) -> str:
    """Where the accepted model's figure of ``record`` goes in the tree."""
    return f"accepted/{record.figure}" if record.figure else f"accepted/{record.key}.png"


def diff_path(record: ItemRecord) -> str:
    """Where the exact tier's difference image of ``record`` goes in the tree."""
    return f"exact/{record.key}-diff.png"


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
