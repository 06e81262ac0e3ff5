"""Benchmark language identification through the public API of transforms.language.

Usage::

    .venv/bin/python bench/langid.py ../shared/benchmarks/langid/dev.jsonl
    taskset -c 0 .venv/bin/python bench/langid.py DEV.jsonl --engine lingua   # one core
    taskset -c 0 .venv/bin/python bench/langid.py DEV.jsonl --engine lingua --halves --repeats 9

Rows are ``{"text", "lang", "kind"}``. For each engine it prints accuracy per language and per
kind, macro averages over the languages, how often guesses with confidence >= 0.9 are right
(and how many there are), and texts per second through ``detect_language`` (one call per
text) and ``detect_languages`` (one call per kind). Detectors are warmed up before timing, so
model loading is not counted. The data is read from where it lives; nothing is copied.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.language import (
    DEFAULT_LANGUAGES,
    ENGINES,
    detect_language,
    detect_languages,
)
from transforms.records import LanguageGuess

KINDS = ("single_word", "word_pair", "sentence")
CONFIDENT = 0.9


def load_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def best_rate(run: Callable[[], object], texts: list[str], repeats: int = 5) -> float:
    """Texts per CPU second, best of ``repeats``: CPU time is the per-core figure, immune to
    other processes on a shared machine, and the best run is the least disturbed one."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return len(texts) / best


def bench_engine(
    engine: str, rows: list[dict[str, str]], show_errors: int, repeats: int, halves: bool
) -> None:
    languages = sorted({row["lang"] for row in rows}, key=DEFAULT_LANGUAGES.index)
    # Warm up once over everything: detectors are built lazily per candidate set, and a
    # pipeline run pays that once, not per text.
    detect_languages([row["text"] for row in rows], engine=engine)

    print(f"\n## engine: {engine}\n")
    header = (
        "| kind | "
        + " | ".join(languages)
        + " | macro | conf≥0.9 right (n) | texts/s single | texts/s batch |"
    )
    print(header)
    print("|" + "---|" * (len(languages) + 6))
    errors: list[tuple[str, str, str, float, str]] = []
    halves_lines: list[str] = []
    for kind in KINDS:
        subset = [row for row in rows if row["kind"] == kind]
        if not subset:
            continue
        texts = [row["text"] for row in subset]
        guesses: list[LanguageGuess] = [detect_language(text, engine=engine) for text in texts]

        def one_by_one(texts: list[str] = texts) -> object:
            return [detect_language(text, engine=engine) for text in texts]

        def batched(texts: list[str] = texts) -> object:
            return detect_languages(texts, engine=engine)

        single_rate = best_rate(one_by_one, texts, repeats)
        batch_rate = best_rate(batched, texts, repeats)
        batch = detect_languages(texts, engine=engine)
        assert batch == guesses, "batch and single detection disagree"

        right_by_lang: dict[str, list[bool]] = defaultdict(list)
        confident_right: list[bool] = []
        for row, guess in zip(subset, guesses, strict=True):
            right = guess.lang == row["lang"]
            right_by_lang[row["lang"]].append(right)
            if guess.confidence >= CONFIDENT:
                confident_right.append(right)
            if not right:
                errors.append((kind, row["lang"], guess.lang, guess.confidence, row["text"]))
        accuracy = {lang: sum(r) / len(r) for lang, r in right_by_lang.items()}
        macro = sum(accuracy.values()) / len(accuracy)
        if halves:  # even / odd rows of each (language, kind): tune on one, check the other
            for parity, name in ((0, "even"), (1, "odd")):
                half = {lang: r[parity::2] for lang, r in right_by_lang.items()}
                half_accuracy = {lang: sum(r) / len(r) for lang, r in half.items() if r}
                half_macro = sum(half_accuracy.values()) / len(half_accuracy)
                half_cells = " | ".join(
                    f"{half_accuracy.get(lang, float('nan')) * 100:.1f}" for lang in languages
                )
                halves_lines.append(
                    f"| {kind} ({name} rows) | {half_cells} | **{half_macro * 100:.2f}** |"
                )
        precision = sum(confident_right) / len(confident_right) if confident_right else float("nan")
        cells = " | ".join(f"{accuracy.get(lang, float('nan')) * 100:.1f}" for lang in languages)
        print(
            f"| {kind} | {cells} | **{macro * 100:.2f}** | {precision * 100:.2f} % "
            f"({len(confident_right)}) | {single_rate:,.0f} | {batch_rate:,.0f} |"
        )
    if halves:
        print("\nheld-out halves (rows of each language and kind alternately even / odd):\n")
        print("| kind | " + " | ".join(languages) + " | macro |")
        print("|" + "---|" * (len(languages) + 2))
        print("\n".join(halves_lines))
    if show_errors:
        print(f"\nfirst {show_errors} errors (kind, truth, guess, confidence, text):")
        for error in errors[:show_errors]:
            print("  ", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="JSONL with text, lang, kind")
    parser.add_argument(
        "--engine", action="append", choices=ENGINES, help="engine(s) to run (default: all)"
    )
    parser.add_argument("--errors", type=int, default=0, help="print this many errors")
    parser.add_argument("--kind", choices=KINDS, help="only rows of this kind")
    parser.add_argument(
        "--repeats", type=int, default=5, help="timing passes per measure; the best one counts"
    )
    parser.add_argument(
        "--halves", action="store_true", help="also report accuracy on even and odd rows"
    )
    args = parser.parse_args()
    rows = load_rows(args.path)
    if args.kind:
        rows = [row for row in rows if row["kind"] == args.kind]
    print(f"{len(rows)} rows from {args.path}")
    for engine in args.engine or ENGINES:
        bench_engine(engine, rows, args.errors, args.repeats, args.halves)


if __name__ == "__main__":
    main()
