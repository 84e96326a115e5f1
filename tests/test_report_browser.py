"""The report page in a real browser (headless Debian chromium): the failing item first, every image decoded,
nothing clipped at 400 px nor at 1400 px, nothing fetched from the network.

Headless chromium lays a page out at least 500 px wide whatever ``--window-size`` says, so the page is measured
inside an ``<iframe>`` of the exact width (a harness page written beside it). To read what the browser did, a
copy of the page gets a probe script that posts, after the load event, every image's decoded size and every
element that sticks out on the right to the harness, whose DOM ``--dump-dom`` prints; the report itself has no
script. The browser runs behind a dead proxy with every host name unresolvable, and its network log is read for
any request the page made (chromium's own background requests are told apart by their site, which is not the
page's ``file://``). A control page with a missing image and a remote one proves the probe sees both.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from interp.report import write_report
from interp.testing.sample_run import sample_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium package)"
)

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
"""Headless, offline: a dead proxy and no name resolution, so a page fetch from the network cannot succeed."""

PROBE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  parent.postMessage(JSON.stringify({
    width: width,
    scrollWidth: document.documentElement.scrollWidth,
    images: [...document.images].map((i) => [i.getAttribute("src"), i.complete, i.naturalWidth, i.naturalHeight]),
    sticking_out: [...document.body.querySelectorAll("*")]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5)
      .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "")),
  }), "*");
});
</script>
"""
"""Appended to a copy of the page: what the browser loaded and laid out, posted to the harness."""

HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{{margin:0}}iframe{{border:0;display:block}}
</style></head><body><iframe src="{page}" width="{width}" height="{height}"></iframe><script>
window.addEventListener("message", (e) => {{
  const pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = e.data; document.body.appendChild(pre);
}});
</script></body></html>
"""
"""A page that shows ``page`` in a viewport of exactly ``width`` × ``height`` CSS pixels and prints its probe."""

FAILED_RED = (0xCF, 0x22, 0x2E)
"""The verdict banner's colour on a failed run."""


def chromium(profile: Path, *args: str) -> str:
    """Run headless chromium offline on a fresh profile; its standard output."""
    done = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def harness(tree: Path, page: str, width: int, height: int = 3000) -> Path:
    path = tree / f"_harness_{Path(page).stem}_{width}.html"
    path.write_text(HARNESS.format(page=page, width=width, height=height), encoding="utf-8")
    return path


def probe(tree: Path, page: str, width: int, tmp_path: Path) -> tuple[dict, list[str]]:
    """What the browser made of ``tree/page`` at ``width`` px: the probe's report and the page's network fetches."""
    copy = f"_probe_{Path(page).stem}.html"
    text = (tree / page).read_text(encoding="utf-8")
    (tree / copy).write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    net_log = tmp_path / f"net-{width}.json"
    dom = chromium(
        tmp_path / f"profile-{width}",
        f"--window-size={max(width, 500) + 100},3200",
        "--virtual-time-budget=10000",
        f"--log-net-log={net_log}",
        "--dump-dom",
        harness(tree, copy, width).as_uri(),
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.DOTALL)
    assert found, f"the probe did not report: the page never finished loading at {width} px"
    return json.loads(html.unescape(found.group(1))), page_fetches(net_log)


def page_fetches(net_log: Path) -> list[str]:
    """URLs the page itself asked the network for (chromium's background requests come from another site)."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted(
        {
            e["params"]["url"]
            for e in log["events"]
            if e["type"] == start and "site=file://" in e["params"].get("site_for_cookies", "")
        }
    )


class _Images(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"] or "")


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A results tree of the sample run (a failed invariant, drift and exact check) with its report."""
    root = tmp_path_factory.mktemp("browser")
    write_report(sample_run(root), root)
    return root


@pytest.mark.parametrize("width", [400, 1400])
def test_every_image_is_decoded_nothing_sticks_out_and_nothing_is_fetched(tree, tmp_path, width):
    seen, fetched = probe(tree, "index.html", width, tmp_path)
    expected = _Images((tree / "index.html").read_text(encoding="utf-8")).sources
    assert [src for src, *_ in seen["images"]] == expected and len(expected) == 16
    for src, complete, natural_width, natural_height in seen["images"]:
        with Image.open(tree / src) as png:
            assert (complete, natural_width, natural_height) == (True, *png.size), src
    assert seen["width"] == width and seen["scrollWidth"] <= width
    assert seen["sticking_out"] == []
    assert fetched == []


def test_the_probe_sees_a_missing_image_a_remote_fetch_and_a_wide_block(tree, tmp_path):
    control = tree / "control.html"
    control.write_text(
        '<!DOCTYPE html><html><body><img src="summary.png"><img src="missing.png">'
        '<img src="https://example.org/x.png"><div style="width:900px">wide</div></body></html>',
        encoding="utf-8",
    )
    seen, fetched = probe(tree, "control.html", 400, tmp_path)
    loaded = {src: natural_width for src, _, natural_width, _ in seen["images"]}
    assert (
        loaded["summary.png"] > 0 and loaded["missing.png"] == 0 and loaded["https://example.org/x.png"] == 0
    )
    assert fetched == ["https://example.org/x.png"]
    assert seen["sticking_out"] == ["img", "div"], "the unscaled 1000 px summary and the 900 px block"


def test_the_browser_shows_the_verdict_and_the_failing_item_first(tree, tmp_path):
    dom = chromium(tmp_path / "profile", "--dump-dom", (tree / "index.html").as_uri())
    body = dom[dom.index("<body") :]
    assert re.search(r'<header class="verdict failed" id="verdict"><h1>FAILED</h1>', body)
    assert body.index('id="verdict"') < body.index('id="failures"') < body.index('class="row')
    rows = re.findall(r'<section class="row (\w+)[^"]*" id="([^"]+)"', body)
    assert rows[0] == ("failed", "item-B2")
    assert [status for status, _ in rows] == sorted((s for s, _ in rows), key=lambda s: s != "failed")
    first_failure = re.search(r'<ol class="failures"><li>.*?<a href="#([^"]+)"', body, flags=re.DOTALL)
    assert first_failure and f'id="{first_failure.group(1)}"' in body


@pytest.mark.parametrize("width", [400, 1400])
def test_a_screenshot_opens_on_the_red_verdict(tree, tmp_path, width):
    shot = tmp_path / f"report-{width}.png"
    chromium(
        tmp_path / "profile",
        f"--window-size={max(width, 500) + 100},3000",
        f"--screenshot={shot}",
        harness(tree, "index.html", width).as_uri(),
    )
    with Image.open(shot) as image:
        page = image.convert("RGB").crop((0, 0, width, 3000))
    top = np.asarray(page.crop((0, 0, width, 40)))
    red = int(np.all(top == FAILED_RED, axis=-1).sum())
    assert red > 0.5 * width * 40, "the page does not open on the failed verdict"
