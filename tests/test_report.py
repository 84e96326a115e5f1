"""The report writer: atomic tree, byte-identical reruns, gallery links, every catalog id in study_results.

The studies are random-init models on a small embedded dataset. Items of the real catalog keep their ids,
folders and titles but get a cheap figure and metrics (the catalog is filled by every section; running all
of it belongs to the checks), except E8–E10, which run for real.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from interp import catalog
from interp.atomic import ZIP_EPOCH, npz_bytes
from interp.catalog import CrossItem, Item
from interp.data.windows import embedded_dataset
from interp.errors import InterpError
from interp.gallery import SECTION_TITLES, check_links, linked_files
from interp.gate.outcome import CheckOutcome
from interp.models import CNNLSTMForecaster
from interp.plots.style import new_figure
from interp.report import TREE, save_item_figure, write_study
from interp.runrecord import ItemRecord, RunReport
from interp.study import Study


@pytest.fixture(scope="module")
def studies() -> dict[int, Study]:
    out = {}
    for hours in (1, 24):
        torch.manual_seed(hours)
        out[hours] = Study(CNNLSTMForecaster(10, hours).eval(), embedded_dataset(hours, days=40))
    return out


def cheap_figure(*studies: Study):
    fig = new_figure(1.0, 0.5)
    fig.text(0.1, 0.5, f"{studies[0].tag}: {studies[0].predictions_ppm[0, -1]:.3f} ppm")
    return fig


def cheap(item: Item) -> Item:
    """The catalog item with a cheap figure, metrics and table, and no invariants."""
    return dataclasses.replace(
        item,
        draw=cheap_figure,
        metrics=lambda s: {"windows": len(s.dataset.test.x), "value": np.float64(0.5)},
        invariants=(),
        tables=lambda s: {f"{item.id}_values.csv": "a,b\n1,2\n"},
    )


def fake(item_id: str, *, draw=cheap_figure) -> Item:
    return Item(item_id, "fake", "predictions", f"Fake {item_id}", draw=draw, metrics=lambda s: {"n": 1})


CANNED = {"X1": "failed", "X2": "skipped"}
"""The outcome the fake check gives the fake items X1 and X2; every other item passes one invariant."""


def canned_check(item, args, record, tree) -> list[CheckOutcome]:
    status = CANNED.get(item.id, "passed")
    return [
        CheckOutcome(
            "invariant", record.horizon, record.item, "canned", status, "sanity", 1.0, 0.0, ">", "a number"
        ),
    ]


def boom(*studies: Study):
    raise RuntimeError("drawing failed midway")


@pytest.fixture(scope="module")
def cheap_catalog():
    """The real catalog's items made cheap, plus a failing and a skipped fake item; real E8–E10."""
    items = (*(cheap(it) for it in catalog.items()), fake("X1"), fake("X2"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(catalog, "items", lambda **_: items)
        yield items


@pytest.fixture(scope="module")
def written(tmp_path_factory, studies, cheap_catalog) -> Path:
    """One tree of both horizons with the cheap catalog; returns the results root."""
    root = tmp_path_factory.mktemp("results")
    write_study(studies, root, canned_check, provenance={"h1": {"checkpoint": "cnn_lstm_h1.pt"}})
    return root


def tree_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_save_item_figure_writes_png_and_tables_where_the_plan_says(tmp_path, studies):
    item = cheap(catalog.items()[0]) if catalog.items() else cheap(fake("X0"))
    path = save_item_figure(item, studies[24], cheap_figure(studies[24]), tmp_path)
    assert path == tmp_path / "h24" / item.folder / item.file_name
    assert path.read_bytes().startswith(b"\x89PNG")
    assert (path.parent / f"{item.id}_values.csv").read_text() == "a,b\n1,2\n"
    cross = catalog.cross_item("E9")
    pair = (studies[1], studies[24])
    cross_path = save_item_figure(cross, pair, cross.draw(*pair), tmp_path)
    assert cross_path == tmp_path / "comparison" / "E9_attribution_shift.png"
    assert (cross_path.parent / "E9_attribution_shift.csv").is_file()
    assert not [p for p in tmp_path.rglob(".*")], "temporary files left behind"


def test_study_results_lists_every_check_and_item_with_its_status(written, studies, cheap_catalog):
    tree = written / TREE
    results = json.loads((tree / "study_results.json").read_text())
    assert results["status"] == "failed" and results["failed"] == [
        "h1-X1-canned [invariant]",
        "h24-X1-canned [invariant]",
    ]
    for tag in ("h1", "h24"):
        assert {f"{tag}-{it.id}" for it in cheap_catalog} <= set(results["items"])
        assert results["items"][f"{tag}-X1"]["status"] == "failed"
        assert results["items"][f"{tag}-X2"]["status"] == "skipped"
        assert results["items"][f"{tag}-A1"]["status"] == "passed"
        metrics = json.loads((tree / tag / "metrics.json").read_text())
        assert set(metrics) == {it.id for it in cheap_catalog}
    assert {f"cross-{it.id}" for it in catalog.cross_items()} <= set(results["items"])
    assert results["counts"]["invariant"]["failed"] == 2 and results["counts"]["invariant"]["skipped"] == 2
    check = next(c for c in results["checks"] if c["id"] == "h1-X1-canned")
    assert (check["tier"], check["value"], check["threshold"], check["op"]) == ("invariant", 1.0, 0.0, ">")
    assert results["provenance"] == {"h1": {"checkpoint": "cnn_lstm_h1.pt"}}


def test_an_item_without_checks_is_drawn_not_passed():
    record = ItemRecord("h1", "C2", "slug", "t", "hidden_state_analysis", "h1/x.png")
    assert RunReport((record,), ()).item_status(record) == "drawn"
    assert RunReport((record,), ()).status == "passed"


def test_predictions_npz_holds_the_forecasts_in_ppm(written, studies):
    with np.load(written / TREE / "h24" / "predictions.npz") as saved:
        expected = (len(studies[24].dataset.test.x), 24)
        assert saved["prediction_ppm"].shape == saved["truth_ppm"].shape == expected
        np.testing.assert_array_equal(saved["truth_ppm"], studies[24].targets_ppm)
        np.testing.assert_array_equal(saved["times"], studies[24].dataset.test.t_last_input)
        assert saved["regimes"].dtype == np.int8


def test_one_horizon_writes_no_comparison(tmp_path, studies, monkeypatch):
    monkeypatch.setattr(catalog, "items", lambda **_: ())
    index, run = write_study({24: studies[24]}, tmp_path, canned_check)
    assert index == tmp_path / TREE / "index.html" and run.items == ()
    assert sorted(p.name for p in index.parent.iterdir()) == [
        "h24",
        "index.html",
        "study_results.json",
        "summary.png",
    ]


def test_npz_entries_carry_a_fixed_date_and_round_trip(tmp_path):
    arrays = {"b": np.arange(3.0), "a": np.array(["2024-01-01"], dtype="datetime64[ns]")}
    data = npz_bytes(arrays)
    assert data == npz_bytes(arrays)
    path = tmp_path / "x.npz"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:
        assert [i.date_time for i in archive.infolist()] == [ZIP_EPOCH] * 2
    with np.load(path) as loaded:
        assert list(loaded) == ["b", "a"]
        np.testing.assert_array_equal(loaded["a"], arrays["a"])


def test_two_runs_write_byte_identical_trees(tmp_path, written, studies):
    write_study(studies, tmp_path, canned_check, provenance={"h1": {"checkpoint": "cnn_lstm_h1.pt"}})
    one, two = tree_files(written / TREE), tree_files(tmp_path / TREE)
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


@pytest.mark.parametrize("previous", [False, True], ids=["first_run", "rerun"])
def test_a_run_that_raises_midway_leaves_no_partial_tree(
    tmp_path, written, studies, cheap_catalog, monkeypatch, previous
):
    if previous:
        shutil.copytree(written / TREE, tmp_path / TREE)
    before = tree_files(tmp_path)
    broken = (*cheap_catalog[:3], fake("X3", draw=boom), *cheap_catalog[3:])
    monkeypatch.setattr(catalog, "items", lambda **_: broken)
    with pytest.raises(RuntimeError, match="midway"):
        write_study(studies, tmp_path, canned_check)
    assert tree_files(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ([TREE] if previous else [])


def test_gallery_shows_every_plot_and_links_only_existing_files(written):
    index = written / TREE / "index.html"
    links = linked_files(index.read_text())
    tree = index.parent
    assert all((tree / link).is_file() for link in links)
    pngs = {p.relative_to(tree).as_posix() for p in tree.rglob("*.png")}
    assert pngs <= set(links) and "study_results.json" in links
    csvs = {p.relative_to(tree).as_posix() for p in tree.rglob("*.csv")}
    assert csvs <= set(links)


@pytest.mark.parametrize("link", ["missing.png", "../outside.png", "https://example.org/x.png", "/etc/hosts"])
def test_check_links_rejects_a_link_to_no_file_of_the_tree(tmp_path, link):
    (tmp_path / "outside.png").write_bytes(b"x")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "index.html").write_text(f'<a href="#top">top</a><img src="{link}">')
    with pytest.raises(InterpError, match="1 that do not"):
        check_links(tree / "index.html")


def test_every_catalog_folder_has_a_gallery_heading_and_unique_file_names():
    entries = [(it.folder, it.file_name) for it in (*catalog.items(), *catalog.cross_items())]
    assert len(entries) == len(set(entries))
    assert {folder for folder, _ in entries} <= set(SECTION_TITLES)
    assert all(isinstance(it, CrossItem) for it in catalog.cross_items())
