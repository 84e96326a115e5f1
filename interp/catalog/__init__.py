"""The catalog: every plan item (A1 … E10) as analysis + figure + metrics + invariants.

The pytest checks and ``python -m interp study`` both read this one catalog, so they share one code path.
Each section's items live in their own module (``interp/catalog/<section>.py``) as a tuple ``ITEMS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from interp.study import Study

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
    invariants : callable, optional
        ``invariants(study) -> None``: raises ``InvariantError`` when a healthy-model invariant does not hold,
        ``InvariantSkipped`` with the reason when it does not apply to this data.
    tables : callable, optional
        ``tables(study) -> {file_name: csv_text}`` written beside the figure (e.g. ``A6_activation_stats.csv``).
    """

    id: str
    slug: str
    folder: str
    title: str
    draw: Callable[[Study], Figure]
    metrics: Callable[[Study], Mapping[str, Any]]
    invariants: Callable[[Study], None] | None = None
    tables: Callable[[Study], Mapping[str, str]] | None = None

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
    invariants: Callable[[Study, Study], None] | None = None
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
