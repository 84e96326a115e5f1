"""``make accept``: a retrain (or a deliberate change of the suite) becomes the accepted baseline, in one command.

Accepting does, in order:

1. refuses with ``CI=true`` (a regeneration must never turn a gate green), and refuses a checkpoint folder whose
   models fail a health invariant (``--force`` overrides, and the reason is recorded);
2. measures the drift of the new models against the old baseline and prints it (what the acceptance changes);
3. copies the checkpoints into ``baselines/checkpoints`` and writes ``baselines/MANIFEST.json`` with the reason;
4. redraws the exact tier: ``pytest checks --mpl-generate-path=baselines/images --snapshot-update`` for both
   horizons, and lists the image and snapshot files that changed;
5. recalibrates the drift tolerances against the new baseline (``baselines/calibration.json``), unless told not
   to — the drift tier then fails until ``make calibrate`` runs, because tolerances belong to one baseline.

Without a checkpoint folder it redraws the exact tier of the current baseline (after a deliberate change of the
suite's code or pinned versions) and rewrites the manifest with the reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from interp.config import HORIZONS_HOURS
from interp.errors import ConfigError
from interp.gate.manifest import manifest_of
from interp.suite import checkpoint_name


def refuse_in_ci() -> None:
    """Raise ConfigError when ``CI=true``."""
    if os.environ.get("CI", "").lower() == "true":
        raise ConfigError(
            "accept refused with CI=true: a regeneration must never turn the gate green. "
            "Accept the baseline on your machine and commit it."
        )


def candidate_files(folder: Path, horizons: tuple[int, ...] = HORIZONS_HOURS) -> list[Path]:
    """The checkpoints of a folder to accept: ``cnn_lstm_h{H}.pt`` for each horizon (``lstm_h{H}.pt`` optional).

    Raises
    ------
    ConfigError
        When a horizon's CNN-LSTM checkpoint is missing.
    """
    files = []
    for hours in horizons:
        for model_type in ("cnn_lstm", "lstm"):
            path = folder / checkpoint_name(model_type, hours)
            if path.is_file():
                files.append(path)
            elif model_type == "cnn_lstm":
                raise ConfigError(
                    f"{folder}: expected {path.name} to accept. Found {sorted(p.name for p in folder.glob('*.pt'))}. "
                    f"Train it with `python -m interp train --horizon {hours} --out {path}`."
                )
    return files


def file_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` by relative path (to list what a regeneration changed)."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """``"+ path"``, ``"- path"``, ``"M path"`` lines between two digests."""
    lines = [f"+ {p}" for p in sorted(set(after) - set(before))]
    lines += [f"- {p}" for p in sorted(set(before) - set(after))]
    lines += [f"M {p}" for p in sorted(set(before) & set(after)) if before[p] != after[p]]
    return lines


def install(files: list[Path], baselines: Path) -> None:
    """Copy the accepted checkpoints into ``baselines/checkpoints`` (replacing the old ones of those names)."""
    target = baselines / "checkpoints"
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        if path.resolve() != (target / path.name).resolve():
            shutil.copyfile(path, target / path.name)


def redraw(baselines: Path, root: Path | None = None, extra: list[str] | None = None) -> list[str]:
    """Regenerate baseline images and snapshots with pytest in the gate folder ``root`` (default: the current
    folder, whose ``checks/`` holds the gate); returns the changed files (relative to baselines)."""
    root = root or Path.cwd()
    before = {**_prefixed(baselines, "images"), **_prefixed(baselines, "snapshots")}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "checks",
        "-q",
        "-n",
        "2",
        "--dist",
        "loadgroup",
        f"--mpl-generate-path={baselines / 'images'}",
        f"--baselines={baselines}",
        f"--checkpoint-dir={baselines / 'checkpoints'}",
        "--snapshot-update",
        "-k",
        "not test_gate",
        *(extra or []),
    ]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 5):
        raise ConfigError(
            f"redrawing the exact tier failed (pytest exit {result.returncode}): "
            f"{result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-400:]}. "
            f"Fix the failing checks, then accept again."
        )
    after = {**_prefixed(baselines, "images"), **_prefixed(baselines, "snapshots")}
    return changed(before, after)


def _prefixed(baselines: Path, sub: str) -> dict[str, str]:
    return {f"{sub}/{k}": v for k, v in file_digests(baselines / sub).items()}


def write_manifest(baselines: Path, why: str) -> Path:
    """MANIFEST.json of what is now in ``baselines/checkpoints``, with the reason."""
    if not why.strip():
        raise ConfigError('accept expects a reason: pass --why "…" (it goes into baselines/MANIFEST.json).')
    return manifest_of(baselines / "checkpoints", why.strip()).write(baselines)
