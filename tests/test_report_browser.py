"""The data-quality report in a real browser (issue 6): headless Chromium opens the report of a
real run and checks that it renders with its charts, logs no console error, fetches nothing
(it must work offline) and runs no script scraped into an article.

Needs Debian's ``chromium`` and ``chromium-driver`` (``scripts/ensure-chromium`` installs them;
the test skips when they are missing). Screenshots go to ``tests/artifacts/`` for review.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import Browser, missing_browser, open_browser
from tests.conftest import ROOT, PipelineRun, run_pipeline

MISSING_BROWSER = missing_browser()
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(MISSING_BROWSER is not None, reason=str(MISSING_BROWSER)),
]

ARTIFACTS = ROOT / "tests" / "artifacts"
SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.title='pwned'\">"

#: What the page shows, read in one go after load.
PAGE_FACTS = """
const text = (el) => (el ? el.textContent.trim() : null);
const tile = (label) => {
  const t = [...document.querySelectorAll('#summary .tile')]
    .find((el) => el.firstChild.textContent.trim() === label);
  return t ? text(t.querySelector('b')) : null;
};
const charts = {};
for (const section of document.querySelectorAll('section')) {
  const svgs = [...section.querySelectorAll('svg.chart')];
  charts[section.id] = svgs.map((svg) => {
    const box = svg.getBoundingClientRect();
    return {
      width: box.width, height: box.height,
      bars: [...svg.querySelectorAll('rect')].map((r) => {
        const b = r.getBoundingClientRect();
        return {width: b.width, height: b.height, fill: getComputedStyle(r).fill};
      }),
      labels: [...svg.querySelectorAll(':scope > text')].map(text),
    };
  });
}
const rows = [...document.querySelectorAll('#documents table tr')].slice(1).map((tr) => ({
  cells: [...tr.cells].map(text),
  flags: [...tr.querySelectorAll('.flag')].map(text),
}));
return {
  title: document.title,
  scripts: document.scripts.length,
  images: document.images.length,
  iframes: document.querySelectorAll('iframe, object, embed').length,
  linkedResources: [...document.querySelectorAll('link[href], [src]')].length,
  tiles: {loaded: tile('articles loaded'), seen: tile('files seen'), rejected: tile('rejected')},
  charts, rows,
  bodyText: document.body.innerText,
};
"""


#: Text (outside the SVG charts) whose contrast with its background is below WCAG AA, 4.5:1.
LOW_CONTRAST_TEXT = """
const rgba = (s) => {
  const m = s.match(/[\\d.]+/g).map(Number);
  return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
};
const luminance = ([r, g, b]) => {
  const c = [r, g, b].map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
};
const background = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) return c;
  }
  return [255, 255, 255, 1];
};
const low = [];
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('svg') || !el.getClientRects().length) continue;
  const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
    .map((n) => n.textContent).join('').trim();
  if (!own) continue;
  const fg = luminance(rgba(getComputedStyle(el).color));
  const bg = luminance(background(el));
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  if (ratio < 4.5) {
    const where = el.parentElement ? el.parentElement.tagName.toLowerCase() + ' > ' : '';
    low.push(`${where}${el.tagName.toLowerCase()} "${own.slice(0, 30)}" ${ratio.toFixed(2)}:1`);
  }
}
return low;
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with open_browser() as session:
        yield session


def open_report(browser: Browser, report: Path) -> tuple[dict[str, Any], list[str]]:
    """Load ``report`` from disk; return the page facts and every problem the browser saw."""
    # Leave the start page (Chromium's new-tab page loads its own things), then forget
    # everything logged so far: what follows is the report's alone.
    browser.get("about:blank")
    browser.log("browser")
    browser.network_events()
    browser.get(report.resolve().as_uri())
    facts: dict[str, Any] = browser.execute(PAGE_FACTS)
    problems = [
        f"console {e.level} ({e.source}): {e.message}"
        for e in browser.log("browser")
        if e.level in ("SEVERE", "WARNING")
    ]
    urls: dict[str, str] = {}
    for event in browser.network_events():
        params = event.get("params", {})
        if event["method"] == "Network.requestWillBeSent":
            url = str(params.get("request", {}).get("url", ""))
            urls[str(params.get("requestId"))] = url
            if not url.startswith(("file:", "data:", "about:")):
                problems.append(f"request to {url} (the report must be self-contained)")
        elif event["method"] == "Network.loadingFailed":
            url = urls.get(str(params.get("requestId")), "?")
            problems.append(f"failed request {url}: {params.get('errorText')}")
        elif event["method"] == "Network.responseReceived":
            status = int(params.get("response", {}).get("status") or 0)
            if status >= 400:
                problems.append(f"HTTP {status} for {params['response'].get('url')}")
    return facts, problems


def report_of(run: PipelineRun) -> Path:
    summary: Any = run.summary
    assert summary.exit_code == 0, summary.message
    return Path(summary.report_path)


def save_screenshot(browser: Browser, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
    path = browser.screenshot(ARTIFACTS / name)
    with capsys.disabled():
        print(f"\nreport screenshot: {path}")
    return path


def test_report_renders_with_charts_and_no_errors(
    sample_run: PipelineRun, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    facts, problems = open_report(browser, report_of(sample_run))
    save_screenshot(browser, "report.png", capsys)

    assert problems == []
    assert "newsetl" in facts["title"]
    assert facts["tiles"] == {"loaded": "5", "seen": "5", "rejected": "0"}
    # Self-contained: no script, image, frame or linked file at all.
    embedded = ("scripts", "images", "iframes", "linkedResources")
    assert {key: facts[key] for key in embedded} == dict.fromkeys(embedded, 0)

    charts = facts["charts"]
    for section in ("outlets", "days", "languages", "boilerplate", "entities", "flags", "trend"):
        assert charts.get(section), f"no chart drawn in #{section}"
        for chart in charts[section]:
            assert chart["width"] > 0 and chart["height"] > 0, (section, chart)
            assert chart["bars"], f"chart in #{section} has no bars"
            # A bar for 0 (an outlet with nothing removed) is drawn empty, on purpose.
            assert any(bar["width"] > 0 for bar in chart["bars"]), (section, chart)
            for bar in chart["bars"]:
                assert bar["height"] > 0, (section, bar)
                assert bar["fill"] == "rgb(59, 111, 182)", (section, bar)  # styled, not black
    assert sum(len(c["bars"]) for c in charts["outlets"]) >= 2
    assert charts["languages"][0]["labels"] == ["en", "5"]  # label, value
    assert len(charts["trend"][0]["bars"]) == 1  # one run in this warehouse

    rows = facts["rows"]
    files = [row["cells"][0] for row in rows]
    assert len(rows) == 5
    assert [name[:4] for name in files] == ["000_", "001_", "002_", "003_", "004_"]
    flags = {row["cells"][0][:3]: row["flags"] for row in rows}
    assert "scraper_damage" in flags["002"]


@pytest.fixture(scope="module")
def hostile_run(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """A run on articles whose title, text and metadata carry markup meant to run."""
    base = tmp_path_factory.mktemp("hostile")
    raw_dir = base / "articles"
    raw_dir.mkdir()
    (raw_dir / "100_script_in_title.txt").write_text(
        # A headline the page repeats, as in sample 004: the pipeline takes it as the title.
        f"Border talks resume in Baku {SCRIPT}\n\n"
        f"Border talks resume in Baku {SCRIPT}\n\n"
        "Baku, 12 March 2025 – Delegations of Armenia and Azerbaijan met on Tuesday to "
        f"discuss the delimitation of their border. {SCRIPT} The talks lasted five hours, "
        "officials of both foreign ministries said after the meeting.\n"
        "The next round of talks is expected to take place in Yerevan next month, according "
        "to a statement published by the Armenian foreign ministry on Wednesday evening.\n",
        encoding="utf-8",
    )
    record = {
        "text": (
            "Georgian Dream officials met opposition leaders in Tbilisi on Monday to discuss "
            f"the electoral code. {IMG} Observers from the OSCE attended the talks, which "
            "ended without an agreement, and both sides promised to meet again in a week."
        ),
        "title": f"{IMG} Tbilisi talks end without agreement",
        "outlet": f"{SCRIPT}Civil.ge",
        "url": "https://civil.ge/archives/1",
        "published": "2025-03-10",
    }
    (raw_dir / "101_markup.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    warehouse_dir = base / "warehouse"
    summary = run_pipeline(raw_dir, warehouse_dir)
    return PipelineRun(raw_dir, warehouse_dir, summary)


def test_markup_scraped_into_articles_is_shown_escaped_and_never_runs(
    hostile_run: PipelineRun, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    facts, problems = open_report(browser, report_of(hostile_run))
    save_screenshot(browser, "report-escaped-markup.png", capsys)

    assert problems == []
    assert facts["title"] != "pwned"
    assert facts["title"].startswith("newsetl run ")
    assert (facts["scripts"], facts["images"]) == (0, 0)
    titles = [row["cells"][1] for row in facts["rows"]]
    assert len(titles) == 2, titles
    # The markup is text on the page, exactly as scraped.
    assert any(SCRIPT in title for title in titles), titles
    assert any(IMG in title for title in titles), titles
    assert SCRIPT in facts["bodyText"]


def test_report_text_is_readable(sample_run: PipelineRun, browser: Browser) -> None:
    """No text outside the charts is below WCAG AA contrast (the header's run id once was)."""
    open_report(browser, report_of(sample_run))
    assert browser.execute(LOW_CONTRAST_TEXT) == []
