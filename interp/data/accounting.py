"""Where a data source's rows and windows went: read, kept, lost to gaps (``Dataset.data_report``).

Windows never straddle a gap, so a few missing rows can cost many windows: 5 % of the rows missing at random
cost about 1 − 0.95²⁵ ≈ 72 % of the 25-step windows. :class:`DataReport` says how many, and
:func:`~interp.data.windows.make_dataset` refuses data whose gaps cost more than ``max_dropped_share`` of the
windows a gap-free series of the same time span would give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interp.errors import DataError

MAX_DROPPED_SHARE = 0.25
"""Largest share of the windows a gap-free series of the same time span gives that gaps may cost before the
data are refused (``--allow-gaps`` lifts the limit)."""

PART_NAMES: tuple[str, str, str] = ("train", "validation", "test")


def part_bounds(n_rows: int, span: int, split: tuple[float, float, float]) -> tuple[tuple[int, int], ...]:
    """Row ranges ``[lo, hi)`` of the train, validation and test parts of ``n_rows`` rows.

    The cut points are ``round(split[0]·n)`` and ``round((split[0] + split[1])·n)``; the validation and test
    parts start ``span`` rows (lookback + horizon steps) after the cut, so no window shares a row with the part
    before it.
    """
    cut1 = round(split[0] * n_rows)
    cut2 = round((split[0] + split[1]) * n_rows)
    return ((0, cut1), (cut1 + span, cut2), (cut2 + span, n_rows))


def gap_free_windows(n_rows: int, span: int, split: tuple[float, float, float]) -> tuple[int, int, int]:
    """Windows of ``span`` rows per part in ``n_rows`` rows without a gap."""
    train, val, test = (max(hi - lo - span + 1, 0) for lo, hi in part_bounds(n_rows, span, split))
    return train, val, test


@dataclass(frozen=True)
class DataReport:
    """Rows and windows of one data source at one horizon: how many were read, kept and lost, and why.

    Attributes
    ----------
    source : str
        "embedded" or the path of the user's data.
    resolution : str
        Step of the rows windows are cut from (``"1h"``, ``"5min"``).
    rows_read : int
        Data rows read (in the file, or in the frame when it came from no file).
    rows_kept : int
        Rows on the regular grid that windows are cut from (fewer than read when rows were averaged into bins).
    rows_missing : int
        Grid steps between the first and the last row that hold no row (the gaps).
    gaps : int
        Runs of missing rows.
    windows_possible : int
        Windows (lookback + horizon steps) a gap-free series from the first to the last row gives in the
        three parts.
    windows_kept : tuple of int
        Windows in the train, validation and test parts.
    windows_in_split_gaps : int
        Windows a gap-free series loses by design to the ``lookback + horizon`` steps between the parts.
    reasons : tuple of str
        One sentence per cause of a loss (averaging, gaps, the gaps between the parts).
    """

    source: str
    resolution: str
    rows_read: int
    rows_kept: int
    rows_missing: int
    gaps: int
    windows_possible: int
    windows_kept: tuple[int, int, int]
    windows_in_split_gaps: int
    reasons: tuple[str, ...]

    @property
    def windows_dropped(self) -> int:
        """Windows of a gap-free series that the gaps cost."""
        return self.windows_possible - sum(self.windows_kept)

    @property
    def dropped_share(self) -> float:
        """``windows_dropped / windows_possible`` (0 when no window is possible)."""
        return self.windows_dropped / self.windows_possible if self.windows_possible else 0.0

    def as_dict(self) -> dict[str, object]:
        """The report in JSON types (for a report's provenance)."""
        return {
            "source": self.source,
            "resolution": self.resolution,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_missing": self.rows_missing,
            "gaps": self.gaps,
            "windows_possible": self.windows_possible,
            "windows_kept": dict(zip(PART_NAMES, self.windows_kept, strict=True)),
            "windows_dropped": self.windows_dropped,
            "dropped_share": self.dropped_share,
            "windows_in_split_gaps": self.windows_in_split_gaps,
            "reasons": list(self.reasons),
        }

    def line(self) -> str:
        """One line for the person at the keyboard."""
        kept = ", ".join(f"{name} {n}" for name, n in zip(PART_NAMES, self.windows_kept, strict=True))
        return (
            f"{self.source}: {self.rows_read} rows read, {self.rows_kept} kept at {self.resolution} "
            f"({self.rows_missing} missing in {self.gaps} gaps); windows {kept} of {self.windows_possible} "
            f"possible, {self.windows_dropped} ({self.dropped_share:.1%}) lost to gaps"
        )

    def refuse_beyond(self, max_dropped_share: float) -> None:
        """Raise when the gaps cost more than ``max_dropped_share`` of the possible windows.

        Raises
        ------
        DataError
            Naming the source, the share lost and the fix.
        """
        if self.dropped_share > max_dropped_share:
            raise DataError(
                f"{self.source}: expected gaps to cost at most {max_dropped_share:.0%} of the "
                f"{self.windows_possible} windows a gap-free series of this span gives. Found "
                f"{self.dropped_share:.0%} lost ({self.rows_missing} missing rows in {self.gaps} gaps; windows "
                "never straddle a gap). Fill the gaps, average onto a coarser grid with --resolution, or pass "
                f"--allow-gaps to use the {sum(self.windows_kept)} windows left."
            )


def account(
    position: np.ndarray,
    kept: tuple[int, int, int],
    *,
    span: int,
    split: tuple[float, float, float],
    rows_read: int,
    resolution: str,
    source: str,
) -> DataReport:
    """Count the rows and windows of a series on a regular grid.

    Parameters
    ----------
    position : np.ndarray
        ``(n_rows,)`` int: each row's step on the grid, increasing, the first at 0.
    kept : tuple of int
        Windows in the train, validation and test parts.
    span : int
        Rows per window (lookback + horizon steps).
    split : tuple of float
        Train, validation and test fractions of the rows.
    rows_read : int
        Rows read before any averaging into bins.
    resolution : str
        The grid's step, as written in messages.
    source : str
        "embedded" or the path of the user's data.

    Returns
    -------
    DataReport
    """
    n_rows = len(position)
    grid_rows = int(position[-1]) + 1 if n_rows else 0
    jumps = np.diff(position)
    gaps = int(np.count_nonzero(jumps > 1))
    possible = sum(gap_free_windows(grid_rows, span, split))
    in_split_gaps = max(grid_rows - span + 1, 0) - possible
    reasons = []
    if rows_read != n_rows:
        reasons.append(f"{rows_read} rows averaged into {n_rows} rows of {resolution}")
    if gaps:
        reasons.append(
            f"{grid_rows - n_rows} rows missing in {gaps} gaps (the longest {int(jumps.max()) - 1} steps): "
            f"{possible - sum(kept)} windows would have needed them"
        )
    reasons.append(f"{in_split_gaps} windows overlap the {span}-step gaps between the parts (by design)")
    return DataReport(
        source=source,
        resolution=resolution,
        rows_read=rows_read,
        rows_kept=n_rows,
        rows_missing=grid_rows - n_rows,
        gaps=gaps,
        windows_possible=possible,
        windows_kept=kept,
        windows_in_split_gaps=in_split_gaps,
        reasons=tuple(reasons),
    )
