"""The catalog: every plan item (A1 … E10) as analysis + figure + metrics + invariants + drift.

The pytest checks and ``python -m interp study`` both read this one catalog, so they share one code path.
Each section's items live in their own module (``interp/catalog/<section>.py``) as a tuple ``ITEMS``; an item
declares its health invariants (tier 1 of the gate, :class:`Invariant`) and its drift measures (tier 2,
:class:`Drift`) by name, next to its figure and metrics (tier 3 compares those exactly).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from interp.study import Study
    from interp.verdict import Verdict

INVARIANT_KINDS: dict[str, str] = {
    "learned": "a property a trained model has and the same architecture with nothing learned lacks: it fails "
    "on random initialisations and on within-tensor permutations of the trained weights (tests/test_null_models.py)",
    "structural": "holds for any weights by construction of a healthy architecture (receptive field, max-pool "
    "routing, ReLU signs); fails when the architecture or the plumbing is wrong",
    "sanity": "holds for any finite, working model, trained or not; fails on the breakage it names (non-finite "
    "weights, dead layers, a leaking decoy)",
}
"""The kinds of invariant and what each promises; every invariant names one."""

DRIFT_DIRECTIONS = ("lower", "higher", "both")
"""Which way a drift measure is worse: lower, higher, or any change."""

DRIFT_SCALES = ("linear", "correlation")
"""How a drift measure's calibration spreads: ``linear`` as is; ``correlation`` (a value in [−1, 1]) on Fisher's
z = artanh(r), where the spread of a correlation near 1 is not squeezed against the bound."""


@dataclass(frozen=True)
class Invariant:
    """A health property of the model under test (tier 1), declared by name on its item.

    Attributes
    ----------
    name : str
        Kebab-case property, unique within the item: the pytest id is ``h24-E5-skill-over-climatology``.
    check : callable
        ``check(study) -> Verdict`` (``check(study_1h, study_24h)`` for a cross-horizon item). Raises
        ``InvariantSkipped`` with the reason when the property does not apply to this data.
    kind : str
        A key of :data:`INVARIANT_KINDS`.
    why : str
        One sentence: for a structural or sanity invariant why any healthy model (trained or not) has it, for
        a learned one what training gives the model.
    """

    name: str
    check: Callable[..., Verdict]
    kind: str
    why: str

    def __post_init__(self) -> None:
        if self.kind not in INVARIANT_KINDS:
            raise ValueError(f"Invariant {self.name}: kind must be one of {', '.join(INVARIANT_KINDS)}.")


@dataclass(frozen=True)
class Drift:
    """A number a team tracks across retrainings (tier 2), compared with the accepted baseline model.

    Each measure is invariant to what a retrain permutes (no filter indices, no per-filter vectors by index).
    Two shapes:

    - ``similarity``: ``similarity(study, baseline) -> float``, e.g. the rank correlation of the two models'
      feature importances on the same windows; the drift value is the similarity itself;
    - ``value``: ``value(study) -> float``, e.g. the forecast skill; the drift value is the model's value minus
      the baseline's, both on the same windows.

    ``baseline`` is the accepted model studied on the same windows as the model under test.

    Attributes
    ----------
    name : str
        Kebab-case, unique within the item: the pytest id is ``h24-B2-importance-rank-correlation``.
    what : str
        What the number is, with its unit.
    worse : str
        ``"lower"``, ``"higher"`` or ``"both"`` (any change): the direction a regression moves it.
    similarity, value : callable
        Exactly one of the two.
    resolution : float
        The smallest change the measure can resolve (an FFT bin, a rounding step): the floor of the
        calibrated spread.
    scale : str
        One of :data:`DRIFT_SCALES`: how the calibration treats the values.
    """

    name: str
    what: str
    worse: str
    similarity: Callable[[Study, Study], float] | None = None
    value: Callable[[Study], float] | None = None
    resolution: float = 0.0
    scale: str = "linear"

    def __post_init__(self) -> None:
        if self.worse not in DRIFT_DIRECTIONS:
            raise ValueError(f"Drift {self.name}: worse must be one of {', '.join(DRIFT_DIRECTIONS)}.")
        if self.scale not in DRIFT_SCALES:
            raise ValueError(f"Drift {self.name}: scale must be one of {', '.join(DRIFT_SCALES)}.")
        if (self.similarity is None) == (self.value is None):
            raise ValueError(f"Drift {self.name}: give exactly one of similarity= and value=.")

    def measure(self, study: Study, baseline: Study) -> tuple[float, float | None, float | None]:
        """``(drift value, model's value, baseline's value)``; the last two are None for a similarity."""
        if self.similarity is not None:
            return float(self.similarity(study, baseline)), None, None
        assert self.value is not None
        mine, theirs = float(self.value(study)), float(self.value(baseline))
        return mine - theirs, mine, theirs


SECTION_FOLDERS: dict[str, str] = {
    "A": "cnn_filters",
    "B": "gradient_attribution",
    "C": "hidden_state_analysis",
    "D": "temporal_patterns",
    "E-specific": "cnn_lstm_specific",
    "E-predictions": "predictions",
    "comparison": "comparison",
}


@dataclass(frozen=True)
class Item:
    """One plan item for one horizon.

    Attributes
    ----------
    id : str
        Plan id, e.g. ``"B4"``; file names start with it.
    slug : str
        File-name stem after the id: ``B4_guided_backprop.png``.
    folder : str
        Results sub-folder (a value of ``SECTION_FOLDERS``).
    title : str
        One line for the gallery.
    draw : callable
        ``draw(study) -> Figure``: builds a new Figure (``matplotlib.figure.Figure``, never pyplot).
    metrics : callable
        ``metrics(study) -> Mapping``: plain JSON-able values (floats, ints, str, lists, dicts); snapshotted.
    invariants : tuple of Invariant
        Tier-1 health properties of the model, by name.
    drift : tuple of Drift
        Tier-2 measures compared with the accepted baseline model.
    needs_regimes : bool
        The item is about the CO2 regimes: on data whose evaluation windows fill fewer than two regimes it is
        not drawn and its checks skip, with the reason (:func:`not_applicable`).
    tables : callable, optional
        ``tables(study) -> {file_name: csv_text}`` written beside the figure (e.g. ``A6_activation_stats.csv``).
    """

    id: str
    slug: str
    folder: str
    title: str
    draw: Callable[[Study], Figure]
    metrics: Callable[[Study], Mapping[str, Any]]
    invariants: tuple[Invariant, ...] = ()
    drift: tuple[Drift, ...] = ()
    tables: Callable[[Study], Mapping[str, str]] | None = None
    needs_regimes: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.id}_{self.slug}.png"


@dataclass(frozen=True)
class CrossItem:
    """A cross-horizon item (E8–E10): like :class:`Item` but drawn from the 1 h and 24 h studies together."""

    id: str
    slug: str
    title: str
    draw: Callable[[Study, Study], Figure]
    metrics: Callable[[Study, Study], Mapping[str, Any]]
    invariants: tuple[Invariant, ...] = ()
    tables: Callable[[Study, Study], Mapping[str, str]] | None = None
    folder: str = "comparison"

    @property
    def file_name(self) -> str:
        return f"{self.id}_{self.slug}.png"


def items(*, optional: bool = False) -> tuple[Item, ...]:
    """Every per-horizon item, in plan order; with ``optional``, also the opt-in ones (t-SNE, ``--tsne``)."""
    from interp.catalog import filters, gradients, predictions, representations, specific, temporal

    return (
        *filters.ITEMS,
        *gradients.ITEMS,
        *representations.ITEMS,
        *(representations.TSNE_ITEMS if optional else ()),
        *temporal.ITEMS,
        *specific.ITEMS,
        *predictions.ITEMS,
    )


def cross_items() -> tuple[CrossItem, ...]:
    """Every cross-horizon item (E8–E10)."""
    from interp.catalog import comparison

    return comparison.ITEMS


def item(item_id: str) -> Item:
    """The per-horizon item with plan id ``item_id``."""
    for it in items():
        if it.id == item_id:
            return it
    raise KeyError(f"No catalog item {item_id!r}; known: {', '.join(i.id for i in items())}.")


def cross_item(item_id: str) -> CrossItem:
    """The cross-horizon item with plan id ``item_id``."""
    for it in cross_items():
        if it.id == item_id:
            return it
    raise KeyError(f"No cross-horizon item {item_id!r}; known: {', '.join(i.id for i in cross_items())}.")


def item_key(it: Item | CrossItem) -> str:
    """The item's key in test ids and reports: ``B4``; an optional variant (the t-SNE C1) adds its slug."""
    if isinstance(it, CrossItem) or any(other is it or other == it for other in items()):
        return it.id
    return f"{it.id}-{it.slug}"


def not_applicable(it: Item | CrossItem, *studies: Study) -> str | None:
    """Why ``it`` does not apply to these studies' data (None: it applies): a regime item on data whose evaluation
    windows fill fewer than two CO2 regimes (a perfect "regime probe" there would only say there is one regime)."""
    if not getattr(it, "needs_regimes", False):
        return None
    from interp.config import REGIME_NAMES

    for study in studies:
        present = sorted({int(r) for r in study.dataset.test_regimes})
        if len(present) < 2:
            low, high = study.dataset.regime_bounds
            found = ", ".join(REGIME_NAMES[r] for r in present) or "no"
            return (
                f"{it.id} needs at least two CO2 regimes; the {study.tag} evaluation windows fill only {found} "
                f"(bounds {low:g}/{high:g} ppm). Set --regime-bounds to this building's CO2 levels."
            )
    return None
