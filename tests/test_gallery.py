"""The report page and summary of a gate run: verdict first, failures first, side-by-side figures, readable
numbers, provenance, offline, deterministic (the sample run of :mod:`interp.testing.sample_run`)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from interp.gallery import check_links, linked_files, render_report
from interp.gate.outcome import CheckOutcome
from interp.itemcards import detail
from interp.plots.style import draw_styled, png_bytes
from interp.plots.summary import drift_point, summary_dashboard
from interp.readable import healthy_range, metric_rows, number, unit_of, vector
from interp.report import write_report
from interp.runrecord import ItemRecord, RunReport
from interp.testing.sample_run import FINGERPRINT, SHA_H1, sample_run

VOID = {"meta", "img", "br", "wbr", "hr", "link", "input", "source"}


@dataclass
class Node:
    """An element of the page: its tag, attributes and content (text and elements, in order)."""

    tag: str
    attrs: dict[str, str]
    content: list[str | Node] = field(default_factory=list)

    @property
    def children(self) -> list[Node]:
        return [c for c in self.content if isinstance(c, Node)]

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                found.append(child)
            found += child.all(tag, cls)
        return found

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def words(self) -> str:
        return " ".join("".join(c if isinstance(c, str) else c.words for c in self.content).split())


class Tree(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.root = Node("root", {})
        self.stack = [self.root]
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].content.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        while len(self.stack) > 1 and self.stack.pop().tag != tag:
            pass

    def handle_data(self, data):
        self.stack[-1].content.append(data)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, RunReport, str]:
    tree = tmp_path_factory.mktemp("report")
    run = sample_run(tree)
    index = write_report(run, tree)
    return tree, run, index.read_text(encoding="utf-8")


def body(page: str) -> Node:
    return Tree(page).root.all("body")[0]


def test_the_verdict_comes_first_with_the_checks_counted_per_tier(sample):
    _, run, page = sample
    first = body(page).children[0]
    assert first.attrs["id"] == "verdict" and "failed" in first.classes
    assert first.all("h1")[0].words == "FAILED"
    rows = {r.children[0].words: [c.words for c in r.children[1:]] for r in first.all("tr")[1:]}
    assert rows == {
        tier: [str(run.counts()[tier][s]) for s in ("failed", "passed", "skipped")]
        for tier in ("invariant", "drift", "exact")
    }
    assert "1 h: the accepted baseline; 24 h: not the accepted baseline" in first.words


def test_failed_checks_are_listed_next_invariants_first_each_linked_to_its_card(sample):
    _, _, page = sample
    root = body(page)
    assert root.children[1].attrs["id"] == "failures"
    entries = root.children[1].all("li")
    assert len(entries) == 3
    first = entries[0].words
    for said in (
        "invariant · learned",
        "E5 · 24 h",
        "skill-over-naive",
        "-1.907",
        "> 0",
        "too low",
        "MSE skill",
    ):
        assert said in first
    assert [e.all("span", "badge")[0].words.split(" · ")[0] for e in entries] == [
        "invariant",
        "drift",
        "exact",
    ]
    assert "≤ 0.03645 — too high" in entries[1].words and "healthy retrains" in entries[1].words
    ids = {n.attrs["id"] for n in root.all() if "id" in n.attrs}
    targets = [a.attrs["href"][1:] for e in entries for a in e.all("a")]
    assert targets == ["h24-E5", "h24-B2", "h1-B4"] and set(targets) <= ids


def test_every_in_page_link_has_its_target(sample):
    _, _, page = sample
    root = body(page)
    ids = [n.attrs["id"] for n in root.all() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    assert {a.attrs["href"][1:] for a in root.all("a") if a.attrs["href"].startswith("#")} <= set(ids)


def test_items_with_a_failed_check_come_before_the_others_and_leave_a_line_in_their_section(sample):
    _, _, page = sample
    rows = body(page).all("section", "row")
    assert [r.attrs["id"] for r in rows[:3]] == ["item-B2", "item-B4", "item-E5"]
    assert all("failed" in r.classes for r in rows[:3]) and not any("failed" in r.classes for r in rows[3:])
    section = next(s for s in body(page).all("section") if s.attrs.get("id") == "section-predictions")
    assert section.all("p", "moved") and not section.all("section", "row")


def test_a_row_holds_both_horizons_and_cross_items_have_their_own_section(sample):
    _, _, page = sample
    root = body(page)
    a2 = next(r for r in root.all("section", "row") if r.attrs["id"] == "item-A2")
    assert [c.attrs["id"] for c in a2.all("article", "card")] == ["h1-A2", "h24-A2"]
    comparison = next(s for s in root.all("section") if s.attrs.get("id") == "section-comparison")
    assert [c.attrs["id"] for c in comparison.all("article", "card")] == ["cross-E8"]
    assert "E · Cross-horizon comparison (E8)" in comparison.words


def test_an_item_that_asserts_nothing_says_drawn_not_passed(sample):
    _, _, page = sample
    card = next(c for c in body(page).all("article", "card") if c.attrs["id"] == "h1-C2")
    assert "drawn" in card.classes and card.all("span", "badge")[0].words == "drawn"
    assert "No check asserts on this item" in card.words


def test_exact_failure_shows_baseline_new_and_difference_and_a_retrain_shows_the_accepted_figure(sample):
    _, _, page = sample
    cards = {c.attrs["id"]: c for c in body(page).all("article", "card")}

    def shown(card: str) -> list[tuple[str, str]]:
        return [
            (f.all("img")[0].attrs["src"], f.all("figcaption")[0].words) for f in cards[card].all("figure")
        ]

    assert [(src.split("/")[0], caption.split(" —")[0]) for src, caption in shown("h1-B4")] == [
        ("accepted", "accepted baseline"),
        ("h1", "this run"),
        ("exact", "difference (exact tier)"),
    ]
    assert [caption.split(" —")[0] for _, caption in shown("h24-E5")] == ["accepted model", "this run"]
    assert [caption.split(" —")[0] for _, caption in shown("h1-E5")] == ["this run"]
    for figure in cards["h1-B4"].all("figure"):
        assert {a.attrs["href"] for a in figure.all("a")} == {figure.all("img")[0].attrs["src"]}


def test_every_check_of_an_item_is_in_its_card(sample):
    _, run, page = sample
    cards = {c.attrs["id"]: c for c in body(page).all("article", "card")}
    for record in run.items:
        table = cards[record.key].all("table", "checks")
        rows = [[td.words for td in tr.all("td")] for tr in (table[0].all("tr")[1:] if table else [])]
        assert [(r[0], r[1]) for r in rows] == [(o.tier, o.name) for o in run.checks_of(record)]
    b2 = [[td.words for td in tr.all("td")] for tr in cards["h24-B2"].all("table", "checks")[0].all("tr")[1:]]
    assert b2 == [["drift", "decoy-share", "0.0784", "≤ 0.03645", "failed — too high"]]


def test_metrics_are_shown_with_units_and_long_vectors_summarised(sample):
    _, _, page = sample
    cards = {c.attrs["id"]: c for c in body(page).all("article", "card")}
    a2 = {
        tr.all("th")[0].words: tr.all("td")[0].words
        for tr in cards["h1-A2"].all("table", "metrics")[0].all("tr")
    }
    assert re.fullmatch(r"n 32 · min \S+ · median \S+ · max \S+", a2["norms"])
    assert re.fullmatch(r"n 32 · min \S+ % · median \S+ % · max \S+ %", a2["zero_share"])
    e5 = {
        tr.all("th")[0].words: tr.all("td")[0].words
        for tr in cards["h1-E5"].all("table", "metrics")[0].all("tr")
    }
    assert e5 == {"centroid_time_hours": "-4.8 h", "r2_last": "0.93", "rmse_ppm_last": "98.45 ppm"}
    assert "rmse_ppm › h24" in cards["cross-E8"].words and "281.2 ppm" in cards["cross-E8"].words
    assert not re.search(r"(\d\.\d+, ){10}", page), "a long vector is dumped in full"


def test_tables_and_metric_files_are_linked_and_every_link_resolves(sample):
    tree, _, page = sample
    links = set(linked_files(page))
    assert {
        "h1/gradient_attribution/B2_feature_importance.csv",
        "h1/metrics.json",
        "study_results.json",
    } <= links
    assert {p.relative_to(tree).as_posix() for p in tree.rglob("*.png")} <= links
    check_links(tree / "index.html")


def test_provenance_shows_checkpoints_data_versions_commit_and_command(sample):
    _, _, page = sample
    section = next(s for s in body(page).all("section") if s.attrs.get("id") == "provenance")
    facts = dict(zip((d.words for d in section.all("dt")), section.all("dd"), strict=True))
    sha = facts["1 h · cnn_lstm_h1.pt"].all("code")[0]
    assert sha.attrs["title"] == SHA_H1 and sha.words == f"{SHA_H1[:12]}…"
    assert facts["1 h · data fingerprint"].all("code")[0].attrs["title"] == FINGERPRINT
    assert facts["1 h · accepted model"].words == "yes" and facts["24 h · accepted model"].words == "no"
    assert facts["versions"].words == "python 3.11.7 · torch 2.13.0+cpu"
    assert facts["git commit"].all("code")[0].words.endswith("+dirty")
    assert facts["command"].words == "python -m interp study --checkpoint-dir retrain/"
    assert page.index('id="provenance"') < page.index('class="row')


def test_the_page_is_self_contained_offline_and_fits_a_narrow_screen(sample):
    _, _, page = sample
    root = Tree(page).root
    assert not root.all("script") and not root.all("link") and not root.all("iframe")
    assert not re.search(r"https?://|//[a-z]|url\(|@import|@font-face", page, flags=re.IGNORECASE)
    viewport = [m for m in root.all("meta") if m.attrs.get("name") == "viewport"]
    assert viewport and "width=device-width" in viewport[0].attrs["content"]
    style = root.all("style")[0].words
    assert re.search(r"img\{[^}]*max-width:100%[^}]*height:auto", style)
    assert not re.search(r"(?<![-\w])width:\s*\d{3,}px", style), "a fixed width wider than a phone"


def test_the_same_run_gives_the_same_bytes(sample, tmp_path):
    tree, run, page = sample
    assert render_report(sample_run(tmp_path)) == render_report(run) == page
    assert png_bytes(draw_styled(summary_dashboard, run)) == (tree / "summary.png").read_bytes()


def test_a_passing_run_says_passed_and_no_check_failed(tmp_path):
    run = sample_run(tmp_path)
    passing = RunReport(run.items, tuple(replace(o, status="passed") for o in run.outcomes), run.provenance)
    root = body(render_report(passing))
    assert root.children[0].all("h1")[0].words == "PASSED" and "passed" in root.children[0].classes
    assert root.children[1].all("p")[0].words == "No check failed."
    assert not [s for s in root.all("section") if s.attrs.get("id") == "failing"]


@pytest.mark.parametrize(
    ("path", "unit"),
    [
        (("rmse_ppm_last",), "ppm"),
        (("configurations", "intact", "rmse_range_ppm"), "ppm"),
        (("regime_centroid_time_hours", "High"), "h"),
        (("layer1", "mean_sparsity"), "%"),
        (("power_share_12h",), "%"),
        (("identity_fraction",), "%"),
        (("analytic_steps",), "steps"),
        (("feature_importance", "co2"), ""),
        (("r2_last",), ""),
    ],
)
def test_units_are_read_from_the_innermost_key_that_names_one(path, unit):
    assert unit_of(path) == unit


def test_numbers_are_shown_in_words():
    assert number(0.501656, "%") == "50.17 %"
    assert number(98.452, "ppm") == "98.45 ppm"
    assert number(19050.5) == "19050" and number(2.829e-06) == "2.829e-06"
    assert number(True) == "yes" and number(None, "h") == "—" and number("nan", "ppm") == "nan"
    assert vector([23.96, 11.98], "h") == "[23.96, 11.98] h" and vector([0.5, 0.25], "%") == "[50, 25] %"
    assert vector(["co2", "pressure"]) == "[co2, pressure]"
    assert vector([[1, 2, 3]] * 4) == "4×3 values · min 1 · median 2 · max 3"
    assert metric_rows({"b": {"x_ppm": 1.0}, "a": []}) == [("a", "[]"), ("b › x_ppm", "1 ppm")]


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=11, max_size=80), st.integers(0, 3))
def test_a_long_vector_is_summarised_by_its_count_and_finite_min_median_max(values, n_nan):
    stored = [*values, *(["nan"] * n_nan)]
    shown = vector(stored)
    data = np.array(values, dtype=np.float64)
    expected = f"n {len(stored)} · min {number(float(data.min()))} · median {number(float(np.median(data)))}"
    assert shown.startswith(expected) and f"max {number(float(data.max()))}" in shown
    assert shown.endswith(f"{n_nan} not finite") == (n_nan > 0)


def test_detail_keeps_what_the_other_fields_do_not_say():
    skill = "MSE skill"
    failed = CheckOutcome(
        "invariant", "h1", "E5", "skill", "failed", value=-1.9, threshold=0.0, op=">", measure=skill,
        direction="too low", message=f"{skill} = -1.9; expected > 0 (persistence -0.6) — too low. Retrain.",
    )  # fmt: skip
    assert detail(failed) == "(persistence -0.6) Retrain."
    assert detail(replace(failed, message="no baseline at x.png")) == "no baseline at x.png"
    assert detail(replace(failed, message=f"{skill} = 15.5; expected <= 2")) == ""


def test_a_drift_value_is_placed_between_the_healthy_middle_and_its_bound():
    def point(value: float, op: str, threshold: float, healthy: str, status: str = "passed"):
        message = f"m = {value}; expected {op} {threshold} (healthy retrains {healthy})"
        return drift_point(
            CheckOutcome("drift", "h1", "E5", "skill", status, "", value, threshold, op, "m", "", message)
        )

    upper = point(0.2, "<=", 0.2, "-0.1–0.1")
    assert upper.x == pytest.approx(1.0) and upper.healthy == pytest.approx((-0.5, 0.5))
    assert point(0.0, "<=", 0.2, "-0.1–0.1").x == pytest.approx(0.0)
    lower = point(0.5, ">=", 0.8, "0.9–0.95", "failed")
    assert lower.x > 1 and lower.failed and lower.text == "0.5 (≥ 0.8)"
    assert math.isnan(point(float("nan"), ">=", 0.8, "0.9–0.95").x)
    no_range = CheckOutcome("drift", "h1", "E5", "skill", "passed", message="no drift by definition")
    assert drift_point(no_range) is None
    assert healthy_range("(model 1, baseline 2; healthy retrains -0.01775–0.0658) — too high") == (
        -0.01775,
        0.0658,
    )


def test_summary_lists_the_failed_checks_and_a_drift_row_per_measure(tmp_path):
    run = sample_run(tmp_path)
    fig = draw_styled(summary_dashboard, run)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert fig.texts[0].get_text() == "FAILED — 3 of 11 checks failed"
    listed = next(t for t in texts if "skill-over-naive" in t).splitlines()
    assert listed[0] == "24 h  E5 skill-over-naive [invariant]: -1.907, expected > 0 (too low)"
    assert [re.search(r"\[(\w+)\]", line).group(1) for line in listed] == ["invariant", "drift", "exact"]
    drift = next(ax for ax in fig.axes if ax.get_title(loc="left").startswith("drift"))
    assert [t.get_text() for t in drift.get_yticklabels()] == ["B2 decoy-share"]
    cells = next(ax for ax in fig.axes if ax.get_title(loc="left").startswith("checks"))
    assert "1 failed\n1 passed" in [t.get_text() for t in cells.texts]


def test_summary_of_the_accepted_model_says_there_is_no_drift(tmp_path):
    run = sample_run(tmp_path)
    accepted = RunReport(
        tuple(r for r in run.items if r.horizon == "h1"),
        tuple(o for o in run.outcomes if o.horizon == "h1" and o.status != "failed"),
        run.provenance,
    )
    fig = draw_styled(summary_dashboard, accepted)
    assert fig.texts[0].get_text() == "PASSED — no check failed (4 checks)"
    assert "no drift by definition" in [t.get_text() for ax in fig.axes for t in ax.texts]


def test_the_verdict_names_a_few_reasons_for_skipping_the_exact_tier(tmp_path):
    run = sample_run(tmp_path)
    skipped = tuple(
        CheckOutcome("exact", "h24", f"X{k}", "figure", "skipped", message=f"reason {k}") for k in range(6)
    )
    verdict = body(render_report(replace(run, outcomes=skipped))).children[0]
    assert [p.words for p in verdict.all("p", "reason")] == [
        *(f"reason {k}" for k in range(4)),
        "… and 2 more reasons (on the skipped checks of the cards).",
    ]


def test_a_record_without_a_figure_says_so(tmp_path):
    record = ItemRecord("h1", "C2", "slug", "Title", "hidden_state_analysis", None)
    assert "No figure was drawn." in render_report(RunReport((record,), ()))
