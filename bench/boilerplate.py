"""Benchmark boilerplate removal on plain-text pages.

Usage::

    .venv/bin/python bench/boilerplate.py /work/shared/benchmarks/boilerplate/dev.jsonl
    .venv/bin/python bench/boilerplate.py PATH --subset 5 --offset 0   # every 5th row only

Metric (as in trafilatura's evaluation, see the benchmark README): a ``keep`` passage found in
the output is a true positive, else a false negative; a ``drop`` passage found in the output is
a false positive. Passages and output are compared with whitespace runs collapsed to one space,
because the output joins kept lines with blank lines and a few passages span a line break.

Prints precision, recall, F1 and pages per second (single core) of ``strip_boilerplate``
(language detection included) and of ``classify_lines`` alone (languages computed beforehand,
as the pipeline does).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def run(rows: Sequence[Row], clean: Callable[[str], str]) -> tuple[Score, float]:
    """Score of ``clean`` on ``rows`` and its speed in pages per second."""
    started = time.process_time()
    outputs = [clean(row.text) for row in rows]
    elapsed = time.process_time() - started
    return score(rows, outputs), len(rows) / elapsed if elapsed else float("inf")


def _classify_only_speed(rows: Sequence[Row]) -> float:
    """Pages per second of ``classify_lines`` with languages already known (pipeline path)."""
    pages = [[line for line in row.text.splitlines() if line.strip()] for row in rows]
    unknown = LanguageGuess(UNDETERMINED, 0.0)
    languages = [[unknown] * len(page) for page in pages]
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
    result, cold_speed = run(rows, strip_boilerplate)
    # Time a second pass: the first one pays one-off detector model loading.
    _, pages_per_second = run(rows, strip_boilerplate)
    print(
        f"rows {len(rows)}  keep passages {result.true_pos + result.false_neg}  "
        f"drop passages {result.false_pos + result.true_neg}"
    )
    print(
        f"strip_boilerplate P {result.precision:.3f}  R {result.recall:.3f}  "
        f"F1 {result.f1:.3f}  {pages_per_second:.0f} pages/s warm, {cold_speed:.0f} cold "
        "(with language detection)"
    )
    print(f"classify_lines    {_classify_only_speed(rows):.0f} pages/s (languages given)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
