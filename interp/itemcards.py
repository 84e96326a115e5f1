"""The report's item rows and cards (:mod:`interp.gallery` lays out the page around them).

A row is one plan item, with a card per horizon it ran at (1 h and 24 h side by side; a cross-horizon item
E8–E10 alone). A card shows the item's figure — beside the accepted model's figure when the model under test is
a retrain, and as accepted baseline | this run | difference when the exact image comparison failed —, every
check of the item (tier, name, value, bound, status), its metrics in words (:mod:`interp.readable`) and links
to its CSV tables. Every image links to its full-size file; paths are relative to the results tree.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from interp.gate.outcome import STATUSES, CheckOutcome
from interp.readable import bound, check_value, horizon_name, metric_rows
from interp.runrecord import ItemRecord, RunReport

_VERDICT_HEAD = re.compile(r"^ = \S+; expected \S+ \S+")
"""The `` = <value>; expected <op> <bound>`` that follows the measure in a verdict's message."""

Row = tuple[ItemRecord, ...]
"""One plan item: its records at each horizon it ran at, in run order (h1, h24; or cross alone)."""


def item_rows(records: Iterable[ItemRecord]) -> list[Row]:
    """The records grouped by plan item, in the order the items first appear."""
    rows: dict[tuple[bool, str], list[ItemRecord]] = {}
    for record in records:
        rows.setdefault((record.horizon == "cross", record.item), []).append(record)
    return [tuple(r) for r in rows.values()]


def sections(rows: Sequence[Row]) -> list[tuple[str, list[Row]]]:
    """``(results folder, its rows)``: the rows grouped by plan section, in the order the sections first appear."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[0].folder, []).append(row)
    return list(grouped.items())


def row_status(run: RunReport, row: Row) -> str:
    """The worst status of the item over its horizons (failed, passed, skipped, drawn)."""
    statuses = {run.item_status(r) for r in row}
    return next(s for s in STATUSES if s in statuses)


def message(text: str) -> str:
    """A check's message as a paragraph; nothing for an empty one."""
    return f'<p class="message">{esc(text)}</p>' if text else ""


def detail(o: CheckOutcome) -> str:
    """The part of a check's message that its other fields do not already say (its context and its fix).

    A verdict's message reads ``"<measure> = <value>; expected <op> <bound> (<context>) — <direction>. <fix>"``;
    the measure, value, bound and direction are shown on their own, so only the context and the fix are kept
    (``""`` when there are none). A message of another shape is returned whole.
    """
    text = o.message
    if o.measure and text.startswith(f"{o.measure} = "):
        text = _VERDICT_HEAD.sub("", text[len(o.measure) :], count=1)
    if o.direction:
        text = text.replace(f" — {o.direction}. ", " ").replace(f" — {o.direction}", "")
    return text.lstrip(" :;").strip()


def row_id(row: Row) -> str:
    """Anchor of an item's row: ``item-E5``, ``item-cross-E8``."""
    return f"item-{'cross-' if row[0].horizon == 'cross' else ''}{row[0].item}"


def card_id(horizon: str, item: str) -> str:
    """Anchor of an item's card at one horizon: ``h24-E5`` (the item's key, :attr:`ItemRecord.key`)."""
    return f"{horizon}-{item}"


def moved_row(row: Row) -> str:
    """The line left in its section by an item shown with the failing items at the top."""
    return (
        f'<p class="moved">{esc(row[0].item)} · {esc(row[0].title)} — <span class="badge failed">failed</span>: '
        f'shown under <a href="#{esc(row_id(row))}">items with a failed check</a>.</p>'
    )


def item_row(run: RunReport, row: Row) -> str:
    """One plan item: its heading and worst status, then its cards (stacked when they compare two figures)."""
    status = row_status(run, row)
    compare = any(r.accepted_figure or r.diff_figure for r in row)
    cards = "\n".join(item_card(run, r) for r in row)
    return (
        f'<section class="row {status}{" compare" if compare else ""}" id="{esc(row_id(row))}">'
        f'<h3>{esc(row[0].item)} · {esc(row[0].title)} <span class="badge {status}">{status}</span></h3>'
        f'<div class="horizons">\n{cards}\n</div></section>'
    )


def item_card(run: RunReport, record: ItemRecord) -> str:
    """One item at one horizon: figures, checks, metrics, tables."""
    status = run.item_status(record)
    parts = [
        f'<article class="card {status}" id="{esc(card_id(record.horizon, record.item))}">',
        f'<h4>{esc(horizon_name(record.horizon))} <span class="badge {status}">{status}</span></h4>',
        figures(record),
        checks_table(run.checks_of(record)),
        metrics_table(record),
    ]
    if record.tables:
        links = ", ".join(f'<a href="{url(t)}">{esc(t.rsplit("/", 1)[-1])}</a>' for t in record.tables)
        parts.append(f'<p class="small">Tables: {links}</p>')
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def figures(record: ItemRecord) -> str:
    """This run's figure; beside the accepted one for a retrain; baseline | new | difference for an exact failure."""
    if record.figure is None:
        return '<p class="small">No figure was drawn.</p>'
    shown: list[tuple[str, str]] = []
    if record.accepted_figure:
        shown.append(
            (record.accepted_figure, "accepted baseline" if record.diff_figure else "accepted model")
        )
    shown.append((record.figure, "this run"))
    if record.diff_figure:
        shown.append((record.diff_figure, "difference (exact tier)"))
    shown_html = "".join(
        f'<figure><a href="{url(path)}"><img src="{url(path)}" '
        f'alt="{esc(f"{record.item} {horizon_name(record.horizon)}: {caption}")}"></a>'
        f'<figcaption>{esc(caption)} — <a href="{url(path)}">full size</a></figcaption></figure>'
        for path, caption in shown
    )
    return f'<div class="figs">{shown_html}</div>'


def checks_table(outcomes: Sequence[CheckOutcome]) -> str:
    """Every check of the item (tier, name, value, bound, status), then what the failed ones say."""
    if not outcomes:
        return '<p class="small">No check asserts on this item: it is drawn for reading.</p>'
    rows = "".join(
        f'<tr><td>{o.tier}</td><td title="{esc(o.measure or o.message)}">{esc(o.name)}</td>'
        f"<td>{esc(check_value(o.value))}</td><td>{esc(bound(o.op, o.threshold))}</td>"
        f'<td class="{o.status}" title="{esc(o.message)}">{o.status}'
        f"{' — ' + esc(o.direction) if o.direction else ''}</td></tr>"
        for o in outcomes
    )
    messages = "".join(
        message(f"{o.name}: {detail(o)}") for o in outcomes if o.status == "failed" and detail(o)
    )
    return (
        '<table class="checks"><tr><th>tier</th><th>check</th><th>value</th><th>bound</th><th>status</th></tr>'
        f"{rows}</table>{messages}"
    )


def metrics_table(record: ItemRecord) -> str:
    """The item's metrics in words (:func:`interp.readable.metric_rows`), linked to the file holding every value.

    Key names may break after an underscore (``<wbr>``) on a narrow screen; values keep their numbers whole.
    """
    if not record.metrics:
        return ""
    source = "study_results.json" if record.horizon == "cross" else f"{record.horizon}/metrics.json"
    rows = "".join(
        f"<tr><th>{esc(k).replace('_', '_<wbr>')}</th><td>{esc(v)}</td></tr>"
        for k, v in metric_rows(record.metrics)
    )
    return (
        f'<table class="metrics"><caption class="small">Metrics (every value: '
        f'<a href="{url(source)}">{esc(source)}</a>)</caption>{rows}</table>'
    )


def esc(text: str) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(text, quote=True)


def url(path: str) -> str:
    """A tree-relative path as an escaped, percent-encoded link."""
    return html.escape(quote(path))
