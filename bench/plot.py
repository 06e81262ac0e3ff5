"""Hand-written SVG chart of ``bench/out/pipeline.json``: wall time and peak memory against N.

    .venv/bin/python bench/plot.py [bench/out/pipeline.json] [docs/pipeline-scaling.svg]

Two panels side by side, N on a log axis: wall time (s, log axis) of ``newsetl run`` per worker
count, and peak RSS (MB) of the largest process and of the whole process tree. No matplotlib.
"""

from __future__ import annotations

import json
import math
import sys
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 900, 380
PANEL_W, PANEL_H = 340, 250
LEFT, TOP = 80, 60
GAP = 120
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def _ticks_log(low: float, high: float) -> list[float]:
    ticks = []
    exponent = math.floor(math.log10(low))
    while 10**exponent <= high * 1.0001:
        for m in (1, 2, 5):
            v = m * 10**exponent
            if low * 0.9999 <= v <= high * 1.0001:
                ticks.append(v)
        exponent += 1
    return ticks


def _nice(v: float) -> str:
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.0f}"
    return f"{v:g}"


class Panel:
    def __init__(
        self, x0: float, title: str, xlim: tuple[float, float], ylim: tuple[float, float],
        ylog: bool, ylabel: str,
    ) -> None:  # fmt: skip
        self.x0, self.title, self.xlim, self.ylim, self.ylog, self.ylabel = (
            x0, title, xlim, ylim, ylog, ylabel,
        )  # fmt: skip
        self.parts: list[str] = []

    def x(self, n: float) -> float:
        lo, hi = (math.log10(v) for v in self.xlim)
        return self.x0 + (math.log10(n) - lo) / (hi - lo) * PANEL_W

    def y(self, v: float) -> float:
        lo, hi = self.ylim
        if self.ylog:
            lo, hi, v = math.log10(lo), math.log10(hi), math.log10(max(v, self.ylim[0]))
        return TOP + PANEL_H - (v - lo) / (hi - lo) * PANEL_H

    def frame(self, xticks: list[float], yticks: list[float]) -> None:
        p = self.parts
        p.append(
            f'<rect x="{self.x0}" y="{TOP}" width="{PANEL_W}" height="{PANEL_H}" '
            'fill="none" stroke="#444"/>'
        )
        p.append(
            f'<text x="{self.x0 + PANEL_W / 2}" y="{TOP - 14}" text-anchor="middle" '
            f'font-weight="bold">{escape(self.title)}</text>'
        )
        for t in xticks:
            x = self.x(t)
            p.append(
                f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + PANEL_H}" stroke="#ddd"/>'
            )
            p.append(
                f'<text x="{x:.1f}" y="{TOP + PANEL_H + 16}" text-anchor="middle">{_nice(t)}</text>'
            )
        for t in yticks:
            y = self.y(t)
            p.append(
                f'<line x1="{self.x0}" y1="{y:.1f}" x2="{self.x0 + PANEL_W}" y2="{y:.1f}" '
                'stroke="#ddd"/>'
            )
            p.append(f'<text x="{self.x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{_nice(t)}</text>')
        p.append(
            f'<text x="{self.x0 + PANEL_W / 2}" y="{TOP + PANEL_H + 36}" text-anchor="middle">'
            "N (files in corpus, log)</text>"
        )
        p.append(
            f'<text transform="translate({self.x0 - 52},{TOP + PANEL_H / 2}) rotate(-90)" '
            f'text-anchor="middle">{escape(self.ylabel)}</text>'
        )

    def series(self, points: list[tuple[float, float]], colour: str, dash: str = "") -> None:
        if not points:
            return
        path = " ".join(f"{self.x(n):.1f},{self.y(v):.1f}" for n, v in sorted(points))
        style = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{style}/>'
        )
        for n, v in points:
            self.parts.append(
                f'<circle cx="{self.x(n):.1f}" cy="{self.y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>N={n:,.0f}: {v:,.1f}</title></circle>"
            )

    def legend(self, entries: list[tuple[str, str, str]]) -> None:
        for i, (label, colour, dash) in enumerate(entries):
            y = TOP + 14 + i * 16
            style = f' stroke-dasharray="{dash}"' if dash else ""
            self.parts.append(
                f'<line x1="{self.x0 + 8}" y1="{y - 4}" x2="{self.x0 + 30}" y2="{y - 4}" '
                f'stroke="{colour}" stroke-width="2"{style}/>'
            )
            self.parts.append(f'<text x="{self.x0 + 36}" y="{y}">{escape(label)}</text>')


def write_svg(data: dict[str, Any], path: Path) -> None:
    results = [r for r in data.get("results", []) if r.get("returncode") == 0]
    if not results:
        return
    ns = [r["n"] for r in results]
    xlim = (min(ns) / 1.6, max(ns) * 1.6)
    xticks = _ticks_log(*xlim)
    times = [r["wall_seconds"] for r in results]
    tlim = (10 ** math.floor(math.log10(min(times))), 10 ** math.ceil(math.log10(max(times))))
    mems = [r["peak_tree_mb"] for r in results]
    mhigh = max(max(mems), 1024) * 1.1
    mstep = 250 if mhigh < 2500 else 500
    mticks = [float(v) for v in range(0, int(mhigh) + 1, mstep)]

    time_panel = Panel(LEFT, "Wall time of newsetl run", xlim, tlim, True, "seconds (log)")
    time_panel.frame(xticks, _ticks_log(*tlim))
    mem_panel = Panel(LEFT + PANEL_W + GAP, "Peak memory (RSS)", xlim, (0, mhigh), False, "MB")
    mem_panel.frame(xticks, mticks)
    y1g = mem_panel.y(1024)
    mem_panel.parts.append(
        f'<line x1="{mem_panel.x0}" y1="{y1g:.1f}" x2="{mem_panel.x0 + PANEL_W}" y2="{y1g:.1f}" '
        'stroke="#999" stroke-dasharray="2,3"/>'
        f'<text x="{mem_panel.x0 + PANEL_W - 4}" y="{y1g - 4:.1f}" text-anchor="end" '
        'fill="#777">1 GB target</text>'
    )
    time_legend, mem_legend = [], []
    for i, workers in enumerate(sorted({r["workers"] for r in results})):
        colour = COLOURS[i % len(COLOURS)]
        rows = [r for r in results if r["workers"] == workers]
        label = f"{workers} worker{'s' if workers > 1 else ''}"
        time_panel.series([(r["n"], r["wall_seconds"]) for r in rows], colour)
        time_legend.append((label, colour, ""))
        mem_panel.series([(r["n"], r["peak_tree_mb"]) for r in rows], colour)
        mem_panel.series([(r["n"], r["peak_largest_mb"]) for r in rows], colour, "5,4")
        mem_legend += [
            (f"{label}: process tree", colour, ""),
            (f"{label}: largest process", colour, "5,4"),
        ]
    time_panel.legend(time_legend)
    mem_panel.legend(mem_legend)
    startup = data.get("startup", {})
    note = (
        f"Fixed start-up (5 sample articles, warm): {startup.get('warm_seconds', 0):.1f} s. "
        "Load averages per point: bench/out/pipeline.json, docs/benchmarks-pipeline.md."
    )
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        *time_panel.parts,
        *mem_panel.parts,
        f'<text x="{LEFT}" y="{HEIGHT - 12}" fill="#555">{escape(note)}</text>',
        "</svg>",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(svg) + "\n", encoding="utf-8")


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "out" / "pipeline.json"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "pipeline-scaling.svg"
    write_svg(json.loads(source.read_text()), target)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
