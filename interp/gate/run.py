"""One run of the gate: the studies under test, the accepted baseline, and every tier's checks of an item.

:class:`GateRun` is shared by ``pytest checks`` (through ``conftest.py``) and ``interp study``, so both load the
same studies, compare with the same baseline, and apply the exact tier to the same models.
"""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

from interp.catalog import CrossItem, Item
from interp.gate import exact
from interp.gate.drift import Calibration, run_drift
from interp.gate.manifest import Manifest, library_versions, sha256_of
from interp.gate.outcome import CheckOutcome, run_invariant
from interp.report import accepted_path, copy_into, diff_path
from interp.runrecord import ItemRecord
from interp.study import Study
from interp.suite import Sources, baseline_study, checkpoint_name, load_study

SKIPPED_EXACT_PREFIX = "exact tier skipped"


class GateRun:
    """The studies of one run (loaded once per horizon) and what they are compared with.

    Parameters
    ----------
    sources : Sources
        Where the models under test and their data come from.
    baselines : Path
        The accepted baseline: ``checkpoints/``, ``images/``, ``snapshots/``, ``MANIFEST.json``,
        ``calibration.json``.
    """

    def __init__(self, sources: Sources, baselines: Path) -> None:
        self.sources = sources
        self.baselines = baselines
        self._studies: dict[int, Study] = {}
        self._baseline_studies: dict[int, Study | None] = {}
        self._exact: dict[int, str | None] = {}
        self._calibration: tuple[Calibration | None] | None = None
        self._provenance: dict[tuple[int, ...], dict[str, Any]] = {}

    def study(self, hours: int) -> Study:
        """The study of the model under test at ``hours`` (raises InterpError on bad input)."""
        if hours not in self._studies:
            self._studies[hours] = load_study(self.sources, hours)
        return self._studies[hours]

    def baseline(self, hours: int) -> Study | None:
        """The accepted model on the same windows; None when the model under test is the accepted one."""
        if hours not in self._baseline_studies:
            self._baseline_studies[hours] = baseline_study(
                self.study(hours), self.baselines / "checkpoints", self.sources
            )
        return self._baseline_studies[hours]

    @property
    def calibration(self) -> Calibration | None:
        if self._calibration is None:
            self._calibration = (Calibration.read(self.baselines),)
        return self._calibration[0]

    def checkpoint_files(self, hours: int) -> dict[str, Path | None]:
        """The checkpoints under test at ``hours`` by baseline file name (None: no comparison model)."""
        checkpoint = self.sources.checkpoint_path(hours)
        comparison = checkpoint.with_name(checkpoint_name("lstm", hours))
        return {
            checkpoint_name("cnn_lstm", hours): checkpoint,
            checkpoint_name("lstm", hours): comparison if comparison.is_file() else None,
        }

    def exact_reason(self, *hours: int) -> str | None:
        """Why the exact tier does not apply to these horizons' models (None: it applies)."""
        for h in hours:
            if h not in self._exact:
                manifest = Manifest.read(self.baselines)
                if manifest is None:
                    self._exact[h] = (
                        f"{SKIPPED_EXACT_PREFIX}: no {self.baselines / 'MANIFEST.json'}; accept a baseline with "
                        f"`make accept`"
                    )
                else:
                    study = self.study(h)
                    self._exact[h] = manifest.exact_tier_reason(
                        study.tag, self.checkpoint_files(h), study.dataset.fingerprint, study.dataset.source
                    )
            if self._exact[h] is not None:
                return self._exact[h]
        return None

    def provenance(self, hours: tuple[int, ...], command: list[str]) -> dict[str, Any]:
        """Checkpoints (path, sha256, class), data (source, fingerprint), versions, git commit, command line."""
        if hours not in self._provenance:
            self._provenance[hours] = self._facts(hours)
        return {**self._provenance[hours], "command": " ".join(command)}

    def _facts(self, hours: tuple[int, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "git_commit": git_commit(),
            "versions": library_versions(),
            "platform": platform.platform(),
            "baselines": _shown(self.baselines),
        }
        for h in hours:
            study = self.study(h)
            out[study.tag] = {
                "checkpoints": {
                    name: {"path": _shown(path), "sha256": sha256_of(path)}
                    for name, path in self.checkpoint_files(h).items()
                    if path is not None
                },
                "model_class": study.checkpoint.model_class
                if study.checkpoint
                else type(study.model).__name__,
                "data_source": study.dataset.source,
                "data_fingerprint": study.dataset.fingerprint,
                "data_report": study.dataset.data_report.as_dict() if study.dataset.data_report else None,
                "is_accepted_baseline": self.exact_reason(h) is None,
            }
        return out


def git_commit() -> str:
    """The git commit of the current folder (``+dirty`` when tracked files changed), ``"unknown"`` outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path.cwd(),
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=Path.cwd(),
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _shown(path: Path) -> str:
    resolved = path.resolve()
    here = Path.cwd().resolve()
    return str(resolved.relative_to(here)) if resolved.is_relative_to(here) else str(resolved)


def checks_of_item(
    gate: GateRun, item: Item | CrossItem, args: tuple[Study, ...], record: ItemRecord, tree: Path
) -> list[CheckOutcome]:
    """Every tier's checks of one item: its invariants, its drift measures, and its exact figure and metrics.

    When the model under test is not the accepted one, the exact checks are skipped (naming both hashes) and the
    accepted model's figure is copied into the tree for the report; when an exact image comparison fails, the
    accepted figure and the difference image are copied.
    """
    horizon = record.horizon
    outcomes = [run_invariant(inv, item, *args) for inv in item.invariants]
    if isinstance(item, Item):
        hours = int(args[0].horizon_hours)
        outcomes += [run_drift(d, item, args[0], gate.baseline(hours), gate.calibration) for d in item.drift]
        horizons: tuple[int, ...] = (hours,)
    else:
        horizons = tuple(int(s.horizon_hours) for s in args)
    case = exact.case_id(horizon, record.item)
    accepted = exact.baseline_image(gate.baselines, case)
    reason = gate.exact_reason(*horizons)
    if record.item != item.id:
        reason = f"{SKIPPED_EXACT_PREFIX}: {item.title}"
    if reason is not None:
        copy_into(tree, accepted, accepted_path(record))
        outcomes += [
            CheckOutcome("exact", horizon, record.item, name, "skipped", message=reason)
            for name in ("figure", "metrics")
        ]
        return outcomes
    figure = exact.compare_figure(tree / str(record.figure), gate.baselines, horizon, record.item)
    if figure.status == "failed":
        copy_into(tree, accepted, accepted_path(record))
        exact.write_diff(accepted, tree / str(record.figure), tree / diff_path(record))
    outcomes += [figure, exact.compare_metrics(record.metrics, gate.baselines, horizon, record.item)]
    return outcomes
