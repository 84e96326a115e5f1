"""What the analyses read from a pass, accumulated batch by batch instead of kept as ``(N, C, L)`` maps.

The passes (:mod:`interp.passes`) stream the evaluation windows through the model in batches (DESIGN §9) and
hand each batch's tensors to the accumulators here, which keep per-channel and per-position statistics, a
few numbers per window, and counts; the full maps of a batch are dropped when the next batch arrives. Feeding
an accumulator all windows in one batch gives the same result as feeding them in any split (up to float64
rounding), so the analyses' pure functions, which take full arrays, reduce them with the same code.

Sums are accumulated in float64 on the model's device; results are numpy arrays on the CPU. A channel with a
NaN or ±inf value (a broken model) gets NaN or ±inf statistics, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeVar

import numpy as np
import torch

C = TypeVar("C", "RoutingCounts", "SelectionCounts")


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """``t`` as a numpy array on the CPU that owns its memory: a view (a slice of a batch's maps) is copied, so
    that keeping it does not keep the whole batch alive."""
    t = t.detach().cpu()
    if t.untyped_storage().nbytes() != t.numel() * t.element_size():
        t = t.clone()
    return t.numpy()


class Rows:
    """Per-window rows ``(N, ...)`` written batch by batch into one array allocated at the first batch.

    Keeping a list of per-batch arrays instead would leave small long-lived allocations between the batches'
    freed buffers, and the C allocator could then reuse neither: the resident memory grows with every batch.
    """

    def __init__(self, n_windows: int) -> None:
        self.n_windows = n_windows
        self.array: np.ndarray | None = None

    def write(self, start: int, values: torch.Tensor) -> None:
        values = values.detach()
        if self.array is None:
            dtype = torch.empty(0, dtype=values.dtype).numpy().dtype
            self.array = np.empty((self.n_windows, *values.shape[1:]), dtype=dtype)
        torch.from_numpy(self.array[start : start + len(values)]).copy_(values)


@dataclass(frozen=True)
class BlockSummary:
    """One conv block's output (after BN + ReLU) over N windows: C channels, L positions.

    Attributes
    ----------
    mean : (C,) float64
        Mean over windows and positions.
    zero_share : (C,) float64
        Share of exact zeros, in [0, 1]; NaN for a channel with a NaN or ±inf value.
    max, min : (C,) float64
        Largest and smallest value (NaN when the channel has a NaN).
    position_mean : (C, L) float64
        Mean over windows at each position (E3's mean-ablation values).
    window_mean : (N, C) float64
        Mean over positions of each window (A7, E1).
    last : (N, C) float32
        Value at the last position, the window's last input step (D1).
    window : (C, L) float32
        The full map of the one window the pass was asked to keep (A4/A5); ``(C, 0)`` when none was.
    """

    mean: np.ndarray
    zero_share: np.ndarray
    max: np.ndarray
    min: np.ndarray
    position_mean: np.ndarray
    window_mean: np.ndarray
    last: np.ndarray
    window: np.ndarray


class BlockAccumulator:
    """Accumulate :class:`BlockSummary` from ``(B, C, L)`` batches of N windows in order.

    ``keep`` is the window whose full map is kept (-1: none). Running sums are float64 tensors updated in place.
    """

    def __init__(self, n_windows: int, keep: int = -1) -> None:
        self.keep = keep
        self.count = 0
        self.window_mean = Rows(n_windows)
        self.last = Rows(n_windows)
        self.window: np.ndarray | None = None

    def add(self, act: torch.Tensor) -> None:
        act = act.detach()
        n, c, length = act.shape
        wide = act.double()
        if self.count == 0:
            self.position_sum = torch.zeros((c, length), dtype=torch.float64, device=act.device)
            self.zeros = torch.zeros(c, dtype=torch.int64, device=act.device)
            self.max = torch.full((c,), -torch.inf, dtype=torch.float64, device=act.device)
            self.min = torch.full((c,), torch.inf, dtype=torch.float64, device=act.device)
        self.position_sum += wide.sum(dim=0)
        self.zeros += (act == 0).sum(dim=(0, 2))
        torch.maximum(self.max, act.amax(dim=(0, 2)).double(), out=self.max)
        torch.minimum(self.min, act.amin(dim=(0, 2)).double(), out=self.min)
        self.window_mean.write(self.count, wide.mean(dim=2))
        self.last.write(self.count, act[:, :, -1])
        if self.count <= self.keep < self.count + n:
            self.window = to_numpy(act[self.keep - self.count])
        self.count += n

    def result(self) -> BlockSummary:
        position_sum = to_numpy(self.position_sum)
        channels, positions = position_sum.shape
        high, low = to_numpy(self.max), to_numpy(self.min)
        finite = np.isfinite(high) & np.isfinite(low)  # amax and amin propagate NaN
        zero_share = np.where(finite, to_numpy(self.zeros) / (self.count * positions), np.nan)
        window = self.window if self.window is not None else np.zeros((channels, 0), np.float32)
        return BlockSummary(
            mean=position_sum.sum(axis=1) / (self.count * positions),
            zero_share=zero_share,
            max=high,
            min=low,
            position_mean=position_sum / self.count,
            window_mean=self.window_mean.array,
            last=self.last.array,
            window=window,
        )


@dataclass(frozen=True)
class AttributionSummary:
    """An input attribution ``(N, L, F)`` (signed, model units per model unit) reduced over its windows.

    Attributes
    ----------
    mean_abs : (L, F) float64
        Mean over windows of ``|attribution|``.
    signed_mean : (L, F) float64
        Mean over windows of the signed attribution.
    window_norm : (N,) float64
        L2 norm of each window's attribution (NaN or inf when it is not finite).
    window_profile : (N, L) float64
        Each window's ``|attribution|`` summed over features, per step (for per-regime temporal profiles).
    """

    mean_abs: np.ndarray
    signed_mean: np.ndarray
    window_norm: np.ndarray
    window_profile: np.ndarray


class AttributionAccumulator:
    """Accumulate :class:`AttributionSummary` from ``(B, L, F)`` batches of N windows in order."""

    def __init__(self, n_windows: int) -> None:
        self.count = 0
        self.norm = Rows(n_windows)
        self.profile = Rows(n_windows)

    def add(self, values: torch.Tensor) -> None:
        wide = values.detach().double()
        magnitude = wide.abs()
        if self.count == 0:
            self.abs_sum = torch.zeros(wide.shape[1:], dtype=torch.float64, device=wide.device)
            self.signed_sum = torch.zeros_like(self.abs_sum)
        self.abs_sum += magnitude.sum(dim=0)
        self.signed_sum += wide.sum(dim=0)
        self.norm.write(self.count, (wide * wide).sum(dim=(1, 2)).sqrt())
        self.profile.write(self.count, magnitude.sum(dim=2))
        self.count += len(values)

    def result(self) -> AttributionSummary:
        return AttributionSummary(
            mean_abs=to_numpy(self.abs_sum) / self.count,
            signed_mean=to_numpy(self.signed_sum) / self.count,
            window_norm=self.norm.array,
            window_profile=self.profile.array,
        )


def summarise_attribution_values(values: np.ndarray) -> AttributionSummary:
    """:class:`AttributionSummary` of a whole ``(N, L, F)`` array (what the streamed passes accumulate)."""
    accumulator = AttributionAccumulator(len(values))
    accumulator.add(torch.as_tensor(np.asarray(values)))
    return accumulator.result()


@dataclass(frozen=True)
class GradientSummary:
    """The gradient of the target at one layer output ``(N, C, L)``, reduced over its windows.

    Attributes
    ----------
    mean_abs : (C, L) float64
        Mean over windows of ``|gradient|``, model units of the prediction per unit of the activation.
    window_norm : (N,) float64
        L2 norm of each window's gradient (B6).
    """

    mean_abs: np.ndarray
    window_norm: np.ndarray


class GradientAccumulator:
    """Accumulate :class:`GradientSummary` from ``(B, C, L)`` batches of N windows in order."""

    def __init__(self, n_windows: int) -> None:
        self.count = 0
        self.norm = Rows(n_windows)

    def add(self, grad: torch.Tensor) -> None:
        grad = grad.detach()
        if self.count == 0:
            self.abs_sum = torch.zeros(grad.shape[1:], dtype=torch.float64, device=grad.device)
        self.abs_sum += grad.abs().double().sum(dim=0)
        self.norm.write(self.count, torch.linalg.vector_norm(grad.flatten(1), dim=1, dtype=torch.float64))
        self.count += len(grad)

    def result(self) -> GradientSummary:
        return GradientSummary(to_numpy(self.abs_sum) / self.count, self.norm.array)


def field_values(counts: RoutingCounts | SelectionCounts) -> dict[str, object]:
    """``{field: value}`` of a counts dataclass (to build a result type that extends it)."""
    return {f.name: getattr(counts, f.name) for f in fields(counts)}


def add_counts(a: C | None, b: C) -> C:
    """Counts of two batches added field by field (int + int, array + array); ``a`` None: ``b``."""
    if a is None:
        return b
    return type(b)(**{name: value + getattr(b, name) for name, value in field_values(a).items()})


@dataclass(frozen=True)
class RoutingCounts:
    """B5: how a max-pool routes the gradient, counted over windows and channels.

    Attributes
    ----------
    positions : int
        Positions at the pool input, ``N · C · L``.
    pooled_values : int
        Values at the pool output, ``N · C · L'``.
    selected : int
        Distinct pool-input positions the pool selected (``== pooled_values`` when pool windows do not overlap).
    mismatched : int
        Pool-input positions where "gradient ≠ 0" and "selected" disagree (0 for a max-pool).
    nonzero_conv2 : int
        Non-zero gradients at the conv2 output.
    """

    positions: int
    pooled_values: int
    selected: int
    mismatched: int
    nonzero_conv2: int


def routing_counts(
    pool_indices: torch.Tensor, grad_pool_input: torch.Tensor, grad_conv2: torch.Tensor
) -> RoutingCounts:
    """:class:`RoutingCounts` of one batch: pool indices ``(B, C, L')``, gradients ``(B, C, L)``."""
    selected = torch.zeros(grad_pool_input.shape, dtype=torch.bool, device=grad_pool_input.device)
    selected.scatter_(2, pool_indices.long(), True)
    return RoutingCounts(
        positions=selected.numel(),
        pooled_values=pool_indices.numel(),
        selected=int(selected.sum()),
        mismatched=int((selected != (grad_pool_input != 0)).sum()),
        nonzero_conv2=int(torch.count_nonzero(grad_conv2)),
    )


@dataclass(frozen=True)
class SelectionCounts:
    """E2: the positions a ``MaxPool1d(2)`` selected over N windows, C channels, P pool windows, L steps.

    A selection is a tie when the selected value equals its partner's (``index ^ 1``).

    Attributes
    ----------
    counts : (L,) int64
        Selections of each input step, ties included.
    decided_counts : (L,) int64
        Selections of each input step over a strictly smaller partner.
    ties : (L // 2,) int64
        Tied selections per pair of steps (2k, 2k + 1).
    outside_window : int
        Selections whose index is not in the pool window they were output for (``index // 2 != p``).
    not_finite_inputs : int
        Pool-input values that are NaN or ±inf.
    n_windows : int
    """

    counts: np.ndarray
    decided_counts: np.ndarray
    ties: np.ndarray
    outside_window: int
    not_finite_inputs: int
    n_windows: int


def selection_counts(pool_indices: torch.Tensor, pool_input: torch.Tensor) -> SelectionCounts:
    """:class:`SelectionCounts` of one batch: pool indices ``(B, C, P)``, the pool's input ``(B, C, L)``."""
    lookback = pool_input.shape[2]
    index = pool_indices.long()
    partner = index ^ 1
    has_partner = partner < lookback
    chosen = pool_input.gather(2, index)
    other = pool_input.gather(2, torch.where(has_partner, partner, index))
    tied = has_partner & (chosen == other)
    positions = torch.arange(index.shape[2], device=index.device)

    def count(values: torch.Tensor, length: int) -> np.ndarray:
        return to_numpy(torch.bincount(values.flatten(), minlength=length)).astype(np.int64)

    return SelectionCounts(
        counts=count(index, lookback),
        decided_counts=count(index[~tied], lookback),
        ties=count(index[tied] // 2, lookback // 2),
        outside_window=int((index // 2 != positions).sum()),
        not_finite_inputs=int(pool_input.numel() - torch.isfinite(pool_input).sum()),
        n_windows=len(pool_input),
    )


class ChannelMoments:
    """Shifted first and second moments of two layers' channels over the same samples, for correlations.

    Feed ``(B, Ca, L)`` and ``(B, Cb, L)`` batches of the same windows (every position a sample); each side's
    values are shifted by its first batch's channel means before the float64 sums, so the one-pass variance
    does not cancel catastrophically. Channels with a single distinct value, or with a NaN or ±inf value,
    correlate 0 with everything (nothing to pair on).
    """

    def __init__(self) -> None:
        self.n = 0
        self.sums: list[torch.Tensor] = []

    def add(self, a: torch.Tensor, b: torch.Tensor) -> None:
        x, y = (t.detach().transpose(1, 2).reshape(-1, t.shape[1]).double() for t in (a, b))
        if not self.sums:
            self.shift = (x.mean(dim=0).nan_to_num(), y.mean(dim=0).nan_to_num())
        xs, ys = x - self.shift[0], y - self.shift[1]
        parts = [
            xs.sum(dim=0),
            ys.sum(dim=0),
            (xs * xs).sum(dim=0),
            (ys * ys).sum(dim=0),
            xs.T @ ys,
            torch.isfinite(x).all(dim=0),
            torch.isfinite(y).all(dim=0),
        ]
        extremes = [x.amin(dim=0), x.amax(dim=0), y.amin(dim=0), y.amax(dim=0)]
        if not self.sums:
            self.sums, self.extremes = parts, extremes
        else:
            self.sums = [
                s & p if s.dtype == torch.bool else s + p for s, p in zip(self.sums, parts, strict=True)
            ]
            self.extremes = [
                torch.minimum(e, p) if i % 2 == 0 else torch.maximum(e, p)
                for i, (e, p) in enumerate(zip(self.extremes, extremes, strict=True))
            ]
        self.n += len(x)

    def correlation(self) -> np.ndarray:
        """``(Ca, Cb)`` Pearson correlations (population moments) of every channel pair."""
        sa, sb, saa, sbb, sab, finite_a, finite_b = (to_numpy(s) for s in self.sums)
        low_a, high_a, low_b, high_b = (to_numpy(e) for e in self.extremes)
        mean_a, mean_b = sa / self.n, sb / self.n
        with np.errstate(invalid="ignore", over="ignore"):
            var_a = saa / self.n - mean_a**2
            var_b = sbb / self.n - mean_b**2
            covariance = sab / self.n - np.outer(mean_a, mean_b)
        usable_a = finite_a & (high_a > low_a) & (var_a > 0)
        usable_b = finite_b & (high_b > low_b) & (var_b > 0)
        scale = np.outer(np.sqrt(np.where(usable_a, var_a, 1.0)), np.sqrt(np.where(usable_b, var_b, 1.0)))
        return np.where(np.outer(usable_a, usable_b), covariance / scale, 0.0)
