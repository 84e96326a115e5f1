"""``baselines/MANIFEST.json``: which model the exact tier's images and snapshots belong to.

The exact tier (pytest-mpl images, syrupy snapshots) compares a run with what the accepted baseline model drew.
It applies only to that model on that data: the manifest records the sha256 of every baseline checkpoint, the
data fingerprint of each horizon, the library versions the baselines were drawn with, and why they last
changed. Any other model (a retrain, even a bit-for-bit equivalent one from another machine) is gated by the
invariants and the calibrated drift instead, and the exact items skip with a reason naming both hashes.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interp.atomic import write_json
from interp.errors import ConfigError

MANIFEST = "MANIFEST.json"
FORMAT = 1


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """The versions baseline images and numbers depend on."""
    import matplotlib
    import numpy
    import scipy
    import sklearn
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "matplotlib": matplotlib.__version__,
    }


@dataclass(frozen=True)
class Manifest:
    """The accepted baseline's identity.

    Attributes
    ----------
    checkpoints : dict of str to str
        Checkpoint file name (``cnn_lstm_h24.pt``) → sha256.
    data : dict of str to dict
        Horizon tag (``h24``) → ``{"source": …, "fingerprint": …}`` of the data the baselines were drawn on.
    versions : dict of str to str
        :func:`library_versions` when the baselines were drawn.
    why : str
        Why the baselines last changed (what the accepting person said).
    """

    checkpoints: dict[str, str]
    data: dict[str, dict[str, str]]
    versions: dict[str, str]
    why: str

    @classmethod
    def read(cls, folder: Path) -> Manifest | None:
        """The manifest in ``folder``, None when there is none.

        Raises
        ------
        ConfigError
            When the file exists but cannot be read.
        """
        path = folder / MANIFEST
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                checkpoints=dict(raw["checkpoints"]),
                data={k: dict(v) for k, v in raw["data"].items()},
                versions=dict(raw["versions"]),
                why=str(raw["why"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"{path}: expected a baselines manifest (checkpoints, data, versions, why). Found an unreadable "
                f"file ({type(exc).__name__}: {exc}). Restore it from git or accept the baselines again."
            ) from None

    def write(self, folder: Path) -> Path:
        path = folder / MANIFEST
        write_json(path, self.to_json())
        return path

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "checkpoints": dict(sorted(self.checkpoints.items())),
            "data": self.data,
            "versions": self.versions,
            "why": self.why,
        }

    def exact_tier_reason(
        self, horizon: str, files: dict[str, Path | None], fingerprint: str, source: str = "embedded"
    ) -> str | None:
        """None when the exact tier applies to this horizon, else why not (naming both hashes).

        Parameters
        ----------
        horizon : str
            ``"h1"`` or ``"h24"``.
        files : dict of str to Path or None
            The studied checkpoints by baseline file name (``cnn_lstm_h24.pt``, ``lstm_h24.pt``); None for an
            absent comparison model.
        fingerprint : str
            The studied data's fingerprint.
        source : str
            The studied data's source: ``"embedded"`` or a CSV path (the embedded data's planted decoy makes
            some items differ between the two even for the same values).
        """
        for name, path in files.items():
            accepted = self.checkpoints.get(name)
            found = sha256_of(path) if path is not None else None
            if found != accepted:
                return (
                    f"exact tier skipped: the model under test ({name} sha256 {_short(found)}) is not the accepted "
                    f"baseline (sha256 {_short(accepted)} in {MANIFEST}); its figures are written for review and "
                    f"the gate is the invariants and the drift tier"
                )
        accepted_data = self.data.get(horizon, {}).get("fingerprint")
        accepted_source = self.data.get(horizon, {}).get("source", "embedded")
        if (source == "embedded") != (accepted_source == "embedded"):
            return (
                f"exact tier skipped: the data is read from {source}, the baselines were drawn on "
                f"{accepted_source} data ({MANIFEST})"
            )
        if fingerprint != accepted_data:
            return (
                f"exact tier skipped: the data (fingerprint {_short(fingerprint)}) is not the data the baselines "
                f"were drawn on (fingerprint {_short(accepted_data)} in {MANIFEST})"
            )
        return None


def _short(sha: str | None) -> str:
    return "none" if sha is None else sha[:12]


def manifest_of(checkpoints: Path, why: str) -> Manifest:
    """The manifest of the checkpoints in a folder (every ``*.pt``): their hashes, their data, these versions."""
    from interp.models.checkpoint import read_payload

    files = sorted(checkpoints.glob("*.pt"))
    if not files:
        raise ConfigError(
            f"{checkpoints}: expected baseline checkpoints (*.pt). Found none. Accept a model first."
        )
    data: dict[str, dict[str, str]] = {}
    for path in files:
        payload = read_payload(path)
        if path.name.startswith("cnn_lstm_"):
            data[f"h{float(payload['horizon_hours']):g}"] = {
                "source": str(payload["data"].get("source")),
                "fingerprint": str(payload["data"].get("fingerprint")),
            }
    return Manifest({p.name: sha256_of(p) for p in files}, data, library_versions(), why)
