"""Atomic, deterministic file writes: the primitives of the results tree (DESIGN §8).

Every file is written to a temporary file in its own folder and renamed over its name (``os.replace``), so a
reader never sees half a file; a whole tree is built in a hidden sibling folder and swapped into place by
:func:`replace_tree`. Output bytes depend only on the content: JSON with sorted keys, ``.npz`` with a fixed
zip timestamp (``np.savez`` stamps each entry with the current time).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from interp.metrics import to_jsonable

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""Fixed modification time of every ``predictions.npz`` entry (the zip format's earliest date)."""


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An uncompressed ``.npz`` (readable by ``np.load``) whose bytes depend only on the arrays.

    Entries are written in key order with the fixed date :data:`ZIP_EPOCH` and no pickled objects.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in arrays:
            entry = io.BytesIO()
            np.lib.format.write_array(entry, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, entry.getvalue())
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path`` (mode 0644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_json(path: Path, value: Any) -> None:
    """Write ``value`` (through :func:`~interp.metrics.to_jsonable`) as JSON: sorted keys, indent 2, UTF-8."""
    text = json.dumps(to_jsonable(value), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    write_atomic(path, (text + "\n").encode("utf-8"))


def aside_prefix(final: Path) -> str:
    """Name prefix of the hidden folder a previous ``final`` is moved into during :func:`replace_tree`:
    ``.<name>.old-<pid>-``, so that a later run can tell whether its owner is still running."""
    return f".{final.name}.old-{os.getpid()}-"


def replace_tree(staging: Path, final: Path) -> None:
    """Rename ``staging`` to ``final``; a previous ``final`` is moved aside first and deleted after.

    The swap is two renames. When anything stops it between them (an interrupt, SIGTERM, a failed rename), the
    previous ``final`` is renamed back before the exception propagates, so ``final`` is always either the whole
    previous tree or the whole new one. Only a hard kill between the renames can leave ``final`` missing, with
    the previous tree in ``.<name>.old-<pid>-*``: :func:`interp.report.remove_stale` puts it back on the next run.
    """
    graveyard = None
    try:
        if final.exists():
            graveyard = Path(tempfile.mkdtemp(dir=final.parent, prefix=aside_prefix(final)))
            os.rename(final, graveyard / final.name)
        os.rename(staging, final)
    except BaseException:
        if graveyard is not None:
            if not final.exists() and (graveyard / final.name).exists():
                os.rename(graveyard / final.name, final)
            shutil.rmtree(graveyard, ignore_errors=True)
        raise
    if graveyard is not None:
        shutil.rmtree(graveyard)
