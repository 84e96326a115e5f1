"""The report page of one gate run (``index.html``): the verdict first, then every item with its evidence.

Reading order, top to bottom: the run's status (PASSED / FAILED) with the checks counted per tier; every failed
check (tier, item, horizon, value against its bound, which way it moved, the measure in words, a link to the
item's card); the provenance (checkpoints, data, versions, commit, command, whether the model under test is the
accepted baseline); the summary dashboard; then one row per plan item with its 1 h and 24 h cards side by side —
the items with a failed check first, then every other item by plan section, the cross-horizon items (E8–E10)
in their own section (the rows and cards: :mod:`interp.itemcards`). Items that assert nothing are "drawn".

The page is self-contained and offline: inline CSS, no scripts, no fonts or files from outside the tree; it
links only to files of the tree, by relative paths, and :func:`check_links` proves that every link resolves. It
reads on a 400 px wide screen (one column, images scaled to the card) and on a wide one. Rendering is
deterministic: the same run gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from interp.errors import InterpError
from interp.gate.outcome import STATUSES, TIERS, CheckOutcome
from interp.itemcards import (
    Row,
    card_id,
    detail,
    esc,
    item_row,
    item_rows,
    message,
    moved_row,
    row_id,
    row_status,
    sections,
)
from interp.readable import bound, check_value, horizon_name
from interp.runrecord import RunReport

SECTION_TITLES: dict[str, str] = {
    "cnn_filters": "A · CNN filter analysis",
    "gradient_attribution": "B · Gradient-based feature attribution",
    "hidden_state_analysis": "C · Hidden-state structural analysis",
    "temporal_patterns": "D · Temporal pattern analysis",
    "cnn_lstm_specific": "E · CNN-LSTM-specific analyses",
    "predictions": "E · Prediction quality",
    "comparison": "E · Cross-horizon comparison",
}
"""Heading of each results folder (the plan ids it holds are added from the run); an unknown folder shows its name."""

TIER_WORDS = {
    "invariant": "health invariant of the model",
    "drift": "drift from the accepted model, against the spread of healthy retrains",
    "exact": "exact match with the accepted baseline's figure and metrics",
}
"""What each tier checks, in words."""

MAX_REASONS = 4
"""Distinct reasons for skipping the exact tier shown under the verdict (one per horizon in practice)."""

STYLE = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:0 .8em 3em;
max-width:2400px;color:#1f2328;background:#fff}
h1{margin:0;font-size:1.9em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin:1.4em 0 .5em}
h3{margin:0 0 .4em;font-size:1.1em}h4{margin:0 0 .4em;font-size:1em}
a{color:#0550ae}img{display:block;max-width:100%;height:auto}code{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.85em}caption{text-align:left}
th,td{text-align:left;vertical-align:top;padding:.15em .4em;border-top:1px solid #eaeef2;overflow-wrap:break-word}
.verdict{margin:0 -.8em;padding:.8em;color:#fff;background:#1a7f37}.verdict.failed{background:#cf222e}
.verdict p{margin:.3em 0}.verdict table{max-width:34em;background:#fff;color:#1f2328;border-radius:4px}
.verdict .reason{font-size:.85em;opacity:.92}
.badge{display:inline-block;font-size:.8em;padding:0 .5em;border-radius:1em;color:#fff;background:#8c959f}
.badge.failed,td.failed{background:#cf222e;color:#fff}
.badge.passed,td.passed{background:#1a7f37;color:#fff}.badge.drawn{background:#6e7781}
ol.failures{padding-left:1.6em}ol.failures li{margin:.6em 0}.failures p{margin:.1em 0}
.numbers b{font-family:ui-monospace,monospace}.small{font-size:.85em;color:#57606a}
.message{font-size:.85em;background:#fff5f5;border-left:3px solid #cf222e;padding:.2em .5em;margin:.3em 0}
dl.facts{display:grid;grid-template-columns:minmax(7em,max-content) 1fr;gap:.1em .8em;margin:0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}
nav ul{list-style:none;padding:0;margin:.2em 0 .6em}nav li{display:inline-block;margin:0 .5em .2em 0}
.row{border:1px solid #d0d7de;border-radius:6px;padding:.6em;margin:0 0 1em}
.row.failed{border-color:#cf222e;box-shadow:inset 4px 0 0 #cf222e}
.horizons{display:grid;gap:.8em;grid-template-columns:repeat(auto-fit,minmax(min(100%,34em),1fr))}
.row.compare .horizons{grid-template-columns:repeat(auto-fit,minmax(min(100%,70em),1fr))}
.card{min-width:0;border-top:3px solid #8c959f;padding-top:.4em}.card.failed{border-top-color:#cf222e}
.card.passed{border-top-color:#1a7f37}
.figs{display:grid;gap:.5em;grid-template-columns:repeat(auto-fit,minmax(min(100%,20em),1fr));margin:0 0 .5em}
figure{margin:0;min-width:0}figcaption{font-size:.8em;color:#57606a}
.moved{margin:.2em 0;font-size:.9em}table.metrics{max-width:46em}table.checks{max-width:60em}
@media (max-width:40em){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.3em}}
"""


def render_report(run: RunReport) -> str:
    """The report page of ``run`` as HTML text (see the module docstring for what it shows and in which order)."""
    rows = item_rows(run.items)
    failing = [r for r in rows if row_status(run, r) == "failed"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{run.status.upper()} — CNN-LSTM interpretability study</title>",
        f"<style>{STYLE}</style>\n</head>\n<body>",
        _verdict(run),
        _failures(run),
        _provenance(run),
        '<section id="summary"><h2>Summary</h2>',
        '<a href="summary.png"><img src="summary.png" alt="Summary dashboard of the run"></a></section>',
        _contents(run, rows),
    ]
    if failing:
        parts.append('<section id="failing"><h2>Items with a failed check</h2>')
        parts += [item_row(run, r) for r in failing]
        parts.append("</section>")
    for folder, members in sections(rows):
        parts.append(f'<section id="section-{esc(folder)}"><h2>{esc(_heading(folder, members))}</h2>')
        parts += [moved_row(r) if r in failing else item_row(run, r) for r in members]
        parts.append("</section>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _heading(folder: str, rows: Sequence[Row]) -> str:
    ids = [r[0].item.split("-", 1)[0] for r in rows]
    span = ids[0] if len(set(ids)) == 1 else f"{ids[0]}–{ids[-1]}"
    return f"{SECTION_TITLES.get(folder, folder)} ({span})"


def _verdict(run: RunReport) -> str:
    counts = run.counts()
    total = sum(sum(c.values()) for c in counts.values())
    failed = sum(c["failed"] for c in counts.values())
    items = {s: sum(run.item_status(r) == s for r in run.items) for s in STATUSES}
    tally = f"{failed} of {total} checks failed" if failed else f"all {total} checks passed or were skipped"
    header = "".join(f"<th>{s}</th>" for s in ("tier", "failed", "passed", "skipped"))
    body = "".join(
        f'<tr><th title="{esc(TIER_WORDS[t])}">{t}</th>'
        + "".join(
            f'<td class="{s if counts[t][s] and s != "skipped" else ""}">{counts[t][s]}</td>'
            for s in ("failed", "passed", "skipped")
        )
        + "</tr>"
        for t in TIERS
    )
    return (
        f'<header class="verdict {run.status}" id="verdict"><h1>{run.status.upper()}</h1>'
        f"<p>CNN-LSTM interpretability study: {tally}.</p>"
        f'<table class="counts"><tr>{header}</tr>{body}</table>'
        f"<p>Items (per horizon): {items['failed']} failed · {items['passed']} passed · {items['skipped']} skipped · "
        f"{items['drawn']} drawn (no check asserts on them).</p>"
        f"{_model_line(run)}</header>"
    )


def _model_line(run: RunReport) -> str:
    """Whether the model under test is the accepted baseline, per horizon, and why the exact tier was skipped."""
    flags = {
        tag: facts.get("is_accepted_baseline")
        for tag, facts in sorted(run.provenance.items())
        if isinstance(facts, dict) and "is_accepted_baseline" in facts
    }
    said = [
        f"{horizon_name(t)}: {'the accepted baseline' if flag else 'not the accepted baseline'}"
        for t, flag in flags.items()
    ]
    reasons = sorted({o.message for o in run.outcomes if o.tier == "exact" and o.status == "skipped"})
    lines = [f"<p>Model under test — {'; '.join(said)}.</p>"] if said else []
    lines += [f'<p class="reason">{esc(reason)}</p>' for reason in reasons[:MAX_REASONS]]
    if len(reasons) > MAX_REASONS:
        lines.append(
            f'<p class="reason">… and {len(reasons) - MAX_REASONS} more reasons '
            "(on the skipped checks of the cards).</p>"
        )
    return "".join(lines)


def _failures(run: RunReport) -> str:
    failed = run.failed()
    if not failed:
        return '<section id="failures"><h2>Failed checks</h2><p>No check failed.</p></section>'
    entries = "\n".join(_failure(o) for o in failed)
    return (
        f'<section id="failures"><h2>Failed checks ({len(failed)})</h2><ol class="failures">{entries}</ol>'
        "</section>"
    )


def _failure(o: CheckOutcome) -> str:
    kind = f" · {o.kind}" if o.kind else ""
    moved = f" — <b>{esc(o.direction)}</b>" if o.direction else ""
    numbers = (
        f' <span class="numbers">value <b>{esc(check_value(o.value))}</b>, expected '
        f"<b>{esc(bound(o.op, o.threshold))}</b>{moved}</span>"
        if o.value is not None
        else ""
    )
    return (
        f'<li><p><span class="badge failed">{o.tier}{esc(kind)}</span> '
        f'<a href="#{esc(card_id(o.horizon, o.item))}">{esc(o.item)} · {esc(horizon_name(o.horizon))}</a> '
        f"<b>{esc(o.name)}</b>{numbers}</p>"
        f'<p class="small">{esc(o.measure)}</p>{message(detail(o))}</li>'
    )


def _provenance(run: RunReport) -> str:
    facts = dict(run.provenance)
    entries: list[tuple[str, str]] = []
    for tag in [t for t, v in sorted(facts.items()) if isinstance(v, dict) and t != "versions"]:
        horizon, name = facts.pop(tag), horizon_name(tag)
        entries += [
            (f"{name} · {file}", f"{_hash(c.get('sha256'))} {_code(c.get('path'))}")
            for file, c in sorted(horizon.get("checkpoints", {}).items())
        ]
        entries += [
            (f"{name} · {label}", show(horizon[key])) for key, label, show in _FACTS if key in horizon
        ]
    versions = facts.pop("versions", {})
    if versions:
        entries.append(("versions", esc(" · ".join(f"{k} {v}" for k, v in sorted(versions.items())))))
    if "git_commit" in facts:
        entries.append(("git commit", _hash(facts.pop("git_commit"))))
    entries += [(str(k), _code(v)) for k, v in sorted(facts.items())]
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in entries) or "<dt>—</dt><dd>none recorded</dd>"
    return f'<section id="provenance"><h2>Provenance</h2><dl class="facts">{rows}</dl></section>'


def _hash(value: object) -> str:
    """A sha256 (or commit) shortened to 12 characters, the full value on hover."""
    text = str(value) if value is not None else "—"
    short = text if len(text) <= 16 else f"{text[:12]}…{text[-6:] if text.endswith('dirty') else ''}"
    return f'<code title="{esc(text)}">{esc(short)}</code>'


def _code(value: object) -> str:
    return f"<code>{esc(str(value))}</code>"


_FACTS = (
    ("model_class", "model", _code),
    ("data_source", "data", _code),
    ("data_fingerprint", "data fingerprint", _hash),
    ("is_accepted_baseline", "accepted model", lambda flag: "yes" if flag else "no"),
)
"""(key, label, how it is shown) of the per-horizon provenance facts, in display order."""


def _contents(run: RunReport, rows: Sequence[Row]) -> str:
    lines = ['<nav id="contents"><h2>Items</h2>']
    for folder, members in sections(rows):
        links = "".join(
            f'<li><a href="#{esc(row_id(r))}">{esc(r[0].item)}</a> '
            f'<span class="badge {row_status(run, r)}">{row_status(run, r)}</span></li>'
            for r in members
        )
        lines.append(f"<h4>{esc(_heading(folder, members))}</h4><ul>{links}</ul>")
    lines.append("</nav>")
    return "\n".join(lines)


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
    """Report invariant: every link of ``index`` is a relative path to an existing file of its folder.

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
            f"{index}: expected every report link to name a file of the results tree. "
            f"Found {len(bad)} that do not: {bad[:5]}. This is a bug of the report writer; please report it."
        )
