"""The offline HTML gallery of a results tree (``index.html``).

Every plot is grouped by horizon and plan section with its status, the invariant's message and its metrics.
The page is self-contained (inline CSS, no scripts, no web fonts) and links only to files of the tree, by
relative paths; :func:`check_links` proves that every link resolves.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from interp.errors import InterpError

SECTION_TITLES: dict[str, str] = {
    "cnn_filters": "A · CNN filter analysis (A1–A8)",
    "gradient_attribution": "B · Gradient-based feature attribution (B1–B6)",
    "hidden_state_analysis": "C · Hidden state structural analysis (C1–C8)",
    "temporal_patterns": "D · Temporal pattern analysis (D1–D6)",
    "cnn_lstm_specific": "E · CNN-LSTM-specific analyses (E1–E3)",
    "predictions": "E · Prediction quality (E4–E7)",
    "comparison": "E · Cross-horizon comparison (E8–E10)",
}
"""Heading of each results folder; a folder not listed is shown by its name."""

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1f2328;background:#fff}
h1{margin:0 0 .3em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
nav ul{columns:2;padding-left:1.2em}.counts{font-size:1.05em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1em}
.card{border:1px solid #d0d7de;border-left:6px solid #8c959f;border-radius:6px;padding:.6em .8em}
.card.passed{border-left-color:#1a7f37}.card.failed{border-left-color:#cf222e}
.card.skipped{border-left-color:#8c959f}
.card h3{margin:.1em 0 .3em;font-size:1.05em}.card img{max-width:100%;height:auto}
.status{font-size:.8em;padding:.1em .5em;border-radius:1em;color:#fff;background:#8c959f}
.status.passed{background:#1a7f37}.status.failed{background:#cf222e}
.reason{white-space:pre-wrap;font-size:.9em;background:#f6f8fa;padding:.4em}
table.metrics{border-collapse:collapse;font-size:.8em;width:100%}
table.metrics th,table.metrics td{border-top:1px solid #eaeef2;padding:.15em .4em;text-align:left;
vertical-align:top}table.metrics td{font-family:ui-monospace,monospace;word-break:break-all}
.summary img{max-width:100%;height:auto;border:1px solid #d0d7de}
"""


@dataclass(frozen=True)
class Card:
    """One item's entry in the gallery.

    Attributes
    ----------
    id, title : str
        Plan id and one-line title.
    status, reason : str
        ``passed`` / ``failed`` / ``skipped`` and the invariant's message.
    metrics : mapping
        The item's JSON-able metrics.
    image : str or None
        The PNG's path relative to the tree (None when nothing was drawn).
    tables : tuple of str
        The item's CSV tables, paths relative to the tree.
    """

    id: str
    title: str
    status: str
    reason: str
    metrics: Mapping[str, Any]
    image: str | None = None
    tables: tuple[str, ...] = field(default_factory=tuple)


def render_gallery(
    groups: Sequence[tuple[str, str, Card]],
    *,
    summary: str | None,
    results: str,
    counts: Mapping[str, int],
) -> str:
    """The gallery page as HTML text.

    Parameters
    ----------
    groups : sequence of (tag, folder, Card)
        In display order; consecutive cards of one ``(tag, folder)`` form a section. ``tag`` is ``h1``,
        ``h24`` or ``comparison``.
    summary : str or None
        Relative path of the summary dashboard image.
    results : str
        Relative path of ``study_results.json``.
    counts : mapping
        Number of items per status.
    """
    sections: dict[tuple[str, str], list[Card]] = {}
    for tag, folder, card in groups:
        sections.setdefault((tag, folder), []).append(card)
    tally = " · ".join(f"{counts.get(s, 0)} {s}" for s in ("passed", "failed", "skipped"))
    out = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        "<title>CNN-LSTM interpretability study</title>",
        f"<style>{STYLE}</style>\n</head>\n<body>",
        "<h1>CNN-LSTM interpretability study</h1>",
        f'<p class="counts">{tally} — all results: <a href="{_url(results)}">{html.escape(results)}</a></p>',
        "<nav><ul>",
        *(
            f'<li><a href="#{_anchor(t, f)}">{html.escape(_heading(t, f))}</a> ({len(c)})</li>'
            for (t, f), c in sections.items()
        ),
        "</ul></nav>",
    ]
    if summary is not None:
        out.append(f'<p class="summary"><img src="{_url(summary)}" alt="Summary dashboard"></p>')
    for (tag, folder), cards in sections.items():
        out.append(f'<section id="{_anchor(tag, folder)}">\n<h2>{html.escape(_heading(tag, folder))}</h2>')
        out.append('<div class="grid">')
        out.extend(_card(tag, card) for card in cards)
        out.append("</div>\n</section>")
    out.append("</body>\n</html>\n")
    return "\n".join(out)


def _card(tag: str, card: Card) -> str:
    status = html.escape(card.status)
    parts = [
        f'<article class="card {status}" id="{_anchor(tag, card.id)}">',
        f'<h3>{html.escape(card.id)} <span class="status {status}">{status}</span></h3>',
        f"<p>{html.escape(card.title)}</p>",
    ]
    if card.image is not None:
        url = _url(card.image)
        alt = html.escape(f"{card.id}: {card.title}")
        parts.append(f'<a href="{url}"><img src="{url}" alt="{alt}"></a>')
    if card.reason:
        parts.append(f'<p class="reason">{html.escape(card.reason)}</p>')
    if card.tables:
        links = ", ".join(f'<a href="{_url(t)}">{html.escape(t.rsplit("/", 1)[-1])}</a>' for t in card.tables)
        parts.append(f"<p>Tables: {links}</p>")
    if card.metrics:
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_compact(v))}</td></tr>"
            for k, v in sorted(card.metrics.items())
        )
        parts.append(f'<table class="metrics">{rows}</table>')
    parts.append("</article>")
    return "\n".join(parts)


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _heading(tag: str, folder: str) -> str:
    horizon = "Cross-horizon" if tag == "comparison" else f"{tag.removeprefix('h')} h horizon"
    return f"{horizon} — {SECTION_TITLES.get(folder, folder)}"


def _anchor(tag: str, name: str) -> str:
    return html.escape(f"{tag}-{name}")


def _url(path: str) -> str:
    return html.escape(quote(path))


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links.extend(v for k, v in attrs if k in ("src", "href") and v)


def linked_files(page: str) -> list[str]:
    """Every ``src``/``href`` of ``page`` that names a file (in-page ``#anchors`` left out), decoded."""
    collector = _LinkCollector()
    collector.feed(page)
    return [unquote(link) for link in collector.links if not link.startswith("#")]


def check_links(index: Path) -> None:
    """Gallery invariant: every link of ``index`` is a relative path to an existing file of its folder.

    Raises
    ------
    InterpError
        Naming the links that are absolute, leave the tree, or point at no file.
    """
    base = index.parent.resolve()
    bad = []
    for link in linked_files(index.read_text(encoding="utf-8")):
        target = (base / link).resolve()
        if "://" in link or link.startswith("/") or not target.is_relative_to(base) or not target.is_file():
            bad.append(link)
    if bad:
        raise InterpError(
            f"{index}: expected every gallery link to name a file of the results tree. "
            f"Found {len(bad)} that do not: {bad[:5]}. This is a bug of the report writer; please report it."
        )


def render_report(run) -> str:
    """The report page of a :class:`~interp.runrecord.RunReport` (interim: the gallery of its items)."""
    groups = [
        (
            "comparison" if r.horizon == "cross" else r.horizon,
            r.folder,
            Card(
                r.item,
                r.title,
                run.item_status(r),
                " ".join(o.message for o in run.checks_of(r) if o.status == "failed"),
                r.metrics,
                image=r.figure,
                tables=r.tables,
            ),
        )
        for r in run.items
    ]
    counts: dict[str, int] = {}
    for r in run.items:
        counts[run.item_status(r)] = counts.get(run.item_status(r), 0) + 1
    return render_gallery(groups, summary="summary.png", results="study_results.json", counts=counts)
