"""The catalog names every plan item once, in plan order, with its file and folder."""

from __future__ import annotations

from interp import catalog
from interp.catalog import SECTION_FOLDERS

PLAN_PER_HORIZON = (
    [f"A{i}" for i in range(1, 9)]
    + [f"B{i}" for i in range(1, 7)]
    + [f"C{i}" for i in range(1, 9)]
    + [f"D{i}" for i in range(1, 7)]
    + [f"E{i}" for i in range(1, 8)]
)


def test_every_plan_item_once_in_plan_order():
    assert [it.id for it in catalog.items()] == PLAN_PER_HORIZON
    assert [it.id for it in catalog.cross_items()] == ["E8", "E9", "E10"]


def test_files_start_with_the_plan_id_and_sit_in_their_section_folder():
    for it in (*catalog.items(), *catalog.cross_items()):
        assert it.file_name.startswith(f"{it.id}_") and it.file_name.endswith(".png")
        assert it.folder in SECTION_FOLDERS.values()
        assert it.title


def test_tsne_is_written_only_when_asked_for():
    """The opt-in t-SNE item joins the per-horizon items only with ``optional`` (``--tsne``)."""
    assert "cnn_embedding_tsne" not in {it.slug for it in catalog.items()}
    assert "cnn_embedding_tsne" in {it.slug for it in catalog.items(optional=True)}
