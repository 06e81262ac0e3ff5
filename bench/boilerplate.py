"""Benchmark boilerplate removal on plain-text pages.

Usage::

    .venv/bin/python bench/boilerplate.py /work/shared/benchmarks/boilerplate/dev.jsonl
    .venv/bin/python bench/boilerplate.py PATH --subset 5 --offset 0   # every 5th row only

Metric (as in trafilatura's evaluation, see the benchmark README): a ``keep`` passage found in
the output is a true positive, else a false negative; a ``drop`` passage found in the output is
a false positive. Passages and output are compared with whitespace runs collapsed to one space,
because the output joins kept lines with blank lines and a few passages span a line break.

Prints precision, recall, F1 and pages per second (single core, CPU time) of
``strip_boilerplate`` (language detection included) and of ``classify_lines`` alone (languages
computed beforehand, as the pipeline does).

Speed passes, in this order:

* **first**: the very first pass, detector models loaded on the way (one-off per process);
* **cold**: line cache emptied, so every page is new to it (only lines repeated from earlier
  pages of the same pass hit) -- the figure to hold against the target;
* **warm**: the same pages again with the cache left full (flattered: every short line hits);
* **no cache**: the line cache switched off (``_FACTS_CACHE_MAX_CHARS = -1``).

The load average (``os.getloadavg``) is printed with the figures: on a shared machine they move
with it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transforms import boilerplate as bp
from transforms.boilerplate import classify_lines, strip_boilerplate
from transforms.records import UNDETERMINED, LanguageGuess

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Row:
    row_id: str
    text: str
    keep: tuple[str, ...]
    drop: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Score:
    true_pos: int
    false_neg: int
    false_pos: int
    true_neg: int

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 0.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_rows(path: Path, *, every: int = 1, offset: int = 0) -> list[Row]:
    """Rows of a benchmark JSONL file; ``every``/``offset`` pick a deterministic subset."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index % every != offset:
                continue
            record = json.loads(line)
            rows.append(
                Row(record["id"], record["text"], tuple(record["keep"]), tuple(record["drop"]))
            )
    return rows


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def score(rows: Sequence[Row], outputs: Iterable[str]) -> Score:
    tp = fn = fp = tn = 0
    for row, output in zip(rows, outputs, strict=True):
        found = _collapse(output)
        for passage in row.keep:
            if _collapse(passage) in found:
                tp += 1
            else:
                fn += 1
        for passage in row.drop:
            if _collapse(passage) in found:
                fp += 1
            else:
                tn += 1
    return Score(tp, fn, fp, tn)


def timed(rows: Sequence[Row], clean: Callable[[str], str]) -> tuple[list[str], float]:
    """Outputs of ``clean`` on ``rows`` and its speed in pages per second (CPU time)."""
    started = time.process_time()
    outputs = [clean(row.text) for row in rows]
    elapsed = time.process_time() - started
    return outputs, len(rows) / elapsed if elapsed else float("inf")


def run(rows: Sequence[Row], clean: Callable[[str], str]) -> tuple[Score, float]:
    """Score of ``clean`` on ``rows`` and its speed in pages per second."""
    outputs, speed = timed(rows, clean)
    return score(rows, outputs), speed


def _classify_only_speed(rows: Sequence[Row]) -> float:
    """Pages per second of ``classify_lines`` with languages already known (pipeline path).

    Cold line cache, like the cold ``strip_boilerplate`` pass.
    """
    pages = [[line for line in row.text.splitlines() if line.strip()] for row in rows]
    unknown = LanguageGuess(UNDETERMINED, 0.0)
    languages = [[unknown] * len(page) for page in pages]
    bp._cached_facts.cache_clear()
    started = time.process_time()
    for page, guesses in zip(pages, languages, strict=True):
        classify_lines(page, guesses)
    elapsed = time.process_time() - started
    return len(pages) / elapsed if elapsed else float("inf")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="benchmark JSONL ({id,text,keep,drop} rows)")
    parser.add_argument("--subset", type=int, default=1, help="use every N-th row")
    parser.add_argument("--offset", type=int, default=0, help="row offset within --subset")
    parser.add_argument("--baseline", action="store_true", help="also score keep-everything")
    args = parser.parse_args(argv)

    rows = load_rows(args.path, every=args.subset, offset=args.offset)
    if args.baseline:
        base, _ = run(rows, lambda text: text)
        print(f"keep-everything   P {base.precision:.3f}  R {base.recall:.3f}  F1 {base.f1:.3f}")
    load_before = os.getloadavg()
    outputs, first_speed = timed(rows, strip_boilerplate)  # pays one-off detector loading
    result = score(rows, outputs)
    bp._cached_facts.cache_clear()
    cold, cold_speed = timed(rows, strip_boilerplate)
    cold_cache = bp._cached_facts.cache_info()
    warm, warm_speed = timed(rows, strip_boilerplate)
    limit = bp._FACTS_CACHE_MAX_CHARS
    bp._FACTS_CACHE_MAX_CHARS = -1
    try:
        plain, plain_speed = timed(rows, strip_boilerplate)
    finally:
        bp._FACTS_CACHE_MAX_CHARS = limit
    classify_speed = _classify_only_speed(rows)
    load_after = os.getloadavg()
    assert outputs == cold == warm == plain, "the line cache changed an output"
    print(
        f"rows {len(rows)}  keep passages {result.true_pos + result.false_neg}  "
        f"drop passages {result.false_pos + result.true_neg}"
    )
    print(f"strip_boilerplate P {result.precision:.3f}  R {result.recall:.3f}  F1 {result.f1:.3f}")
    print(
        f"strip_boilerplate {cold_speed:.0f} pages/s cold, {warm_speed:.0f} warm, "
        f"{plain_speed:.0f} without the line cache, {first_speed:.0f} first pass "
        "(with language detection; single core, CPU time)"
    )
    lookups = cold_cache.hits + cold_cache.misses
    print(
        f"line cache, cold pass: {cold_cache.hits / max(lookups, 1):.1%} of {lookups} short-line "
        f"lookups hit, {cold_cache.currsize} lines held (max {cold_cache.maxsize})"
    )
    print(f"classify_lines    {classify_speed:.0f} pages/s cold (languages given)")
    print(
        "load average before/after: "
        + " / ".join(" ".join(f"{x:.2f}" for x in load) for load in (load_before, load_after))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
