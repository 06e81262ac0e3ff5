"""The data-quality report: one self-contained HTML page per run (no scripts, fonts or links
to fetch), so it opens offline and a scraped ``<script>`` in an article can never run in it:
every value goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from expectations.runner import ValidationReport
from warehouse.loader import WarehousePaths, connect

TEMPLATES = Path(__file__).resolve().parent / "templates"
LATEST_REPORT = "latest.html"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    note: str = ""


def _when(value: object) -> str:
    """A timestamp as people read it, in UTC, to the second."""
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else str(value)


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(bars: Sequence[Bar], *, unit: str = "", width: int = 560) -> Markup:
    """A horizontal bar chart as inline SVG."""
    if not bars:
        return Markup('<p class="empty">nothing to show</p>')
    row_height, label_width = 22, 190
    top = max(b.value for b in bars) or 1
    height = row_height * len(bars) + 6
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, bar in enumerate(bars):
        y = i * row_height + 3
        length = (width - label_width - 70) * bar.value / top if bar.value > 0 else 0.0
        value = f"{bar.value:.0%}" if unit == "%" else f"{bar.value:g}"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">'
            f"{escape(_shorten(bar.label, 28))}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" '
            f'height="{row_height - 6}" rx="2">'
            f"<title>{escape(bar.label)}: {escape(value)} {escape(bar.note)}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 14}">{escape(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _rows(connection: Any, query: str, *params: Any) -> list[dict[str, Any]]:
    cursor = connection.execute(query, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


#: What the report shows of the warehouse, one query per panel.
REPORT_QUERIES = {
    "documents": """
        SELECT doc_id, regexp_extract(source_path, '[^/]+$') AS file, title, outlet,
               published_date, dateline_place, language, quality_flags, mention_count,
               removed_paragraph_count, paragraph_count
        FROM documents ORDER BY source_path, record_key LIMIT 500""",
    "by_outlet": """
        SELECT coalesce(outlet, '(unknown)') AS k, count(*) AS n
        FROM documents GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20""",
    "by_language": """
        SELECT language AS k, count(*) AS n FROM documents GROUP BY 1 ORDER BY 2 DESC, 1""",
    "by_day": """
        SELECT coalesce(CAST(published_date AS VARCHAR), '(no date)') AS k, count(*) AS n
        FROM documents GROUP BY 1 ORDER BY 1 DESC LIMIT 30""",
    "removed_by_outlet": """
        SELECT coalesce(outlet, '(unknown)') AS k, avg(removed_char_share) AS n
        FROM documents GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20""",
    "paragraph_reasons": """
        SELECT reason AS k, count(*) AS n FROM paragraphs WHERE is_boilerplate
        GROUP BY 1 ORDER BY 2 DESC, 1""",
    "paragraph_languages": """
        SELECT language AS k, count(*) AS n FROM paragraphs GROUP BY 1 ORDER BY 2 DESC, 1""",
    "entities": """
        SELECT canonical AS k, count(*) AS n, count(DISTINCT surface) AS spellings,
               string_agg(DISTINCT surface, ', ') AS surfaces
        FROM mentions GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20""",
    "candidates": """
        SELECT * FROM name_candidates ORDER BY occurrences DESC, surface LIMIT 30""",
    "flags": """
        SELECT flag AS k, count(*) AS n
        FROM (SELECT unnest(quality_flags) AS flag FROM documents) GROUP BY 1 ORDER BY 2 DESC, 1""",
    "runs": """
        SELECT run_id, started_at, status, files_seen, files_processed, files_rejected,
               articles_loaded, expectations_failed
        FROM runs ORDER BY started_at DESC LIMIT 15""",
    "files": """
        SELECT regexp_extract(path, '[^/]+$') AS file, status, reason, detail, article_count
        FROM files WHERE status <> 'loaded' ORDER BY path LIMIT 200""",
}


def _warehouse_view(paths: WarehousePaths) -> dict[str, list[dict[str, Any]]]:
    if not paths.database.exists():
        return {name: [] for name in REPORT_QUERIES}
    with connect(paths, read_only=True) as connection:
        return {name: _rows(connection, query) for name, query in REPORT_QUERIES.items()}


def _bars(rows: Sequence[dict[str, Any]]) -> list[Bar]:
    return [Bar(str(r["k"]), float(r["n"] or 0)) for r in rows]


def write_report(
    paths: WarehousePaths,
    run_row: dict[str, Any],
    validation: ValidationReport,
    counts: Counter[str],
    report_path: Path,
    *,
    loaded: bool,
    data_docs: Path | None = None,
) -> Path:
    """Render the run's report to ``report_path`` and copy it to ``reports/latest.html``."""
    view = _warehouse_view(paths)
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True
    )
    environment.filters["when"] = _when
    rejected_reasons = sorted(
        (k.removeprefix("files_rejected_"), v)
        for k, v in counts.items()
        if k.startswith("files_rejected_")
    )
    dropped_reasons = sorted(
        (k.removeprefix("articles_dropped_"), v)
        for k, v in counts.items()
        if k.startswith("articles_dropped_")
    )
    trend = list(reversed(view["runs"]))
    html = environment.get_template("report.html").render(
        run=run_row,
        loaded=loaded,
        counts=dict(sorted(counts.items())),
        rejected_reasons=rejected_reasons,
        dropped_reasons=dropped_reasons,
        validation=validation,
        view=view,
        charts={
            "outlets": bar_chart(_bars(view["by_outlet"])),
            "languages": bar_chart(_bars(view["by_language"])),
            "paragraph_languages": bar_chart(_bars(view.get("paragraph_languages", []))),
            "days": bar_chart(_bars(view["by_day"])),
            "removed": bar_chart(_bars(view["removed_by_outlet"]), unit="%"),
            "reasons": bar_chart(_bars(view.get("paragraph_reasons", []))),
            "entities": bar_chart(_bars(view["entities"])),
            "flags": bar_chart(_bars(view["flags"])),
            "trend": bar_chart(
                [Bar(str(r["run_id"]), float(r["articles_loaded"] or 0)) for r in trend]
            ),
        },
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        data_docs=data_docs.relative_to(report_path.parent).as_posix() if data_docs else None,
        counts_json=json.dumps(dict(counts), sort_keys=True),
    )
    report_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = report_path.with_suffix(".tmp")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(report_path)
    shutil.copyfile(report_path, report_path.parent / LATEST_REPORT)
    return report_path
