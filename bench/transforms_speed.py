"""Per-stage seconds of ``process_articles`` on a generated corpus, and an A/B check.

Reads the articles of a corpus folder (``bench/out/corpora/c1000`` by default) the way the
flow does (``flows.extract``), runs ``transforms.article.process_articles`` over them and
prints its stage seconds (repair, language, boilerplate, metadata, names, quality). Caches
that outlive a run (the language guess cache) are emptied before each run.

With ``--baseline DIR`` (a copy of the ``transforms`` package taken before a change), the
baseline's ``article``, ``repair``, ``language``, ``coherence`` and ``metadata`` modules are
loaded beside the current ones (as package ``baseline_transforms``; ``boilerplate`` and
``names`` are the live ones, or both sides' from ``--shared-from DIR`` while someone else is
editing them) and the script:

- times both in the same process, alternating, ``--repeats`` times each (lowest figure of each
  stage reported; ``--cpu``: process CPU seconds, steadier on a shared machine; the "other"
  figure is meaningless in that mode);
- compares every ``Article``/``Rejection`` of the corpus plus ``seeds/articles`` field by field
  (``--noise``: also the baseline with itself, the floor set by lingua's last-bit noise);
- compares ``detect_language`` and ``detect_languages`` on every row of ``--langid`` (the dev
  set of the langid bench).

``--uncached`` times the new code without the cross-article language cache, i.e. the work on
distinct text only. Exit status 1 when any output differs.

    .venv/bin/python bench/transforms_speed.py --baseline /tmp/orig_transforms/transforms --cpu
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import corpus_raw_articles  # noqa: E402

from flows.news_etl import _read_csv  # noqa: E402
from flows.settings import Settings  # noqa: E402
from transforms.records import RawArticle  # noqa: E402

#: The modules this benchmark is about: taken from ``--baseline`` for the "old" side.
COMPARED_MODULES = ("repair", "language", "coherence", "metadata", "article")
#: Modules both sides share: the live ones, or a frozen copy (``--shared-from``) while someone
#: else is half-way through editing them. ``records`` is always the live one.
SHARED_MODULES = ("boilerplate", "names")
STAGES = ("repair", "language", "boilerplate", "metadata", "names", "quality", "other")


def load_raws(folder: Path) -> list[RawArticle]:
    return corpus_raw_articles(folder)


def build_package(name: str, sources: dict[str, Path]) -> dict[str, ModuleType]:
    """Import each ``module: file`` as ``name.module``, its ``transforms.X`` imports of the
    other modules given pointed at ``name.X`` (so only ``records`` stays shared)."""
    package_dir = Path(tempfile.mkdtemp(prefix=f"{name}_")) / name
    package_dir.mkdir()
    (package_dir / "__init__.py").write_text("")
    own = re.compile(r"\bfrom transforms\.(" + "|".join(sources) + r")\b")
    for module, path in sources.items():
        text = own.sub(rf"from {name}.\1", path.read_text("utf-8"))
        (package_dir / f"{module}.py").write_text(text)
    sys.path.insert(0, str(package_dir.parent))
    return {module: importlib.import_module(f"{name}.{module}") for module in sources}


def load_side(name: str, compared: Path | None, shared: Path | None) -> dict[str, ModuleType]:
    """One side of the A/B: the compared modules from ``compared`` (None: the live ones)."""
    if compared is None and shared is None:
        return {m: importlib.import_module(f"transforms.{m}") for m in COMPARED_MODULES}
    live = ROOT / "transforms"
    sources = {m: (compared or live) / f"{m}.py" for m in COMPARED_MODULES}
    sources |= {m: (shared or live) / f"{m}.py" for m in SHARED_MODULES}
    return build_package(name, sources)


def make_context(side: dict[str, ModuleType]) -> Any:
    names = sys.modules[side["article"].find_mentions.__module__]
    settings = Settings()
    return side["article"].ArticleContext(
        aliases=names.build_alias_index(_read_csv(settings.seeds_dir / "aliases.csv")),
        outlets=side["metadata"].OutletDirectory.from_rows(
            _read_csv(settings.seeds_dir / "outlets.csv")
        ),
        today=dt.date(2025, 6, 1),
        outlet_chrome={},
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(
    side: dict[str, ModuleType], context: Any, raws: list[RawArticle]
) -> tuple[float, dict[str, float]]:
    # Empty the caches that carry over between runs, so each run starts as the first.
    clear = getattr(side["language"], "clear_language_cache", None)
    if clear is not None:
        clear()
    article = side["article"]
    clock = article.time.perf_counter
    started = clock()
    batch = article.process_articles(raws, context)
    return clock() - started, batch.stage_seconds


def fmt(stages: dict[str, float]) -> str:
    return " ".join(f"{s} {stages.get(s, 0.0):6.2f}" for s in STAGES)


def comparable(result: Any) -> Any:
    """A result as plain values (the two sides' ``Article`` classes may differ)."""
    return (type(result).__name__, dataclasses.astuple(result))


def compare_articles(
    new: ModuleType, old: ModuleType, new_ctx: Any, old_ctx: Any, raws: list[RawArticle]
) -> int:
    differing = 0
    for raw in raws:
        a = new.process_article(raw, new_ctx)
        b = old.process_article(raw, old_ctx)
        if comparable(a) != comparable(b):
            differing += 1
            if differing <= 5:
                print(f"  DIFF {raw.source_path}#{raw.record_key}")
                for name in getattr(a, "__slots__", ()):
                    va, vb = getattr(a, name, None), getattr(b, name, None)
                    if va != vb:
                        print(
                            f"    {name}: new {str(va)[:300]!r}\n    {name}: old {str(vb)[:300]!r}"
                        )
    return differing


def compare_langid(new: ModuleType, old: ModuleType, path: Path) -> tuple[int, int]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    texts = [row["text"] for row in rows]
    differing = 0
    for text in texts:
        a, b = new.detect_language(text), old.detect_language(text)
        if comparable(a) != comparable(b):
            differing += 1
            if differing <= 5:
                print(f"  LANGID DIFF {text[:80]!r}: new {a} old {b}")
    # The batched entry point too, as the pipeline calls it.
    batched_new, batched_old = new.detect_languages(texts), old.detect_languages(texts)
    batched = sum(a != b for a, b in zip(batched_new, batched_old, strict=True))
    if batched:
        print(f"  LANGID batched: {batched} rows differ")
    return len(rows), differing + batched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench/out/corpora/c1000")
    parser.add_argument("--baseline", type=Path, help="copy of the transforms package to A/B")
    parser.add_argument(
        "--shared-from",
        type=Path,
        help="take boilerplate.py and names.py for both sides from this copy of transforms",
    )
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    parser.add_argument("--no-compare", action="store_true", help="timing only")
    parser.add_argument(
        "--langid", type=Path, default=Path("/work/shared/benchmarks/langid/dev.jsonl")
    )
    parser.add_argument("--profile", type=Path, help="write a cProfile of one new run here")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="stage seconds in process CPU time (all threads) instead of wall time: steadier "
        "on a shared machine",
    )
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="new code without the cross-article language cache (only distinct-text work)",
    )
    parser.add_argument(
        "--noise",
        action="store_true",
        help="also compare the baseline with itself (lingua's last-bit noise, see below)",
    )
    args = parser.parse_args()

    new = load_side("candidate_transforms", None, args.shared_from)
    if args.uncached:
        new["language"]._CACHE_MAX_TEXT = -1  # nothing is remembered between articles
    raws = load_raws(args.corpus)
    if args.limit:
        raws = raws[: args.limit]
    print(f"{len(raws)} articles from {args.corpus}")
    new_ctx = make_context(new)
    runners: list[tuple[str, dict[str, ModuleType], Any]] = [("new", new, new_ctx)]
    old: dict[str, ModuleType] | None = None
    if args.baseline:
        old = load_side("baseline_transforms", args.baseline, args.shared_from)
        old_ctx = make_context(old)
        runners.append(("old", old, old_ctx))
    if args.cpu:  # StageSeconds reads time.perf_counter through the module's ``time``
        clock = SimpleNamespace(perf_counter=time.process_time)
        for _, side, _ in runners:
            side["article"].time = clock
    for _, side, context in runners:  # lazy models and caches loaded before the clock
        side["article"].process_articles(raws[:5], context)

    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        run(new, new_ctx, raws)
        profiler.disable()
        profiler.dump_stats(str(args.profile))
        print(f"profile written to {args.profile}")

    unit = "cpu s" if args.cpu else "s"
    best: dict[str, tuple[float, dict[str, float]]] = {}  # the lowest of each figure
    for repeat in range(args.repeats):
        for label, side, context in runners if repeat % 2 == 0 else runners[::-1]:
            load = load_average()
            total, stages = run(side, context, raws)
            print(f"{label} run {repeat + 1}: {total:6.2f} {unit}  {fmt(stages)}  (load {load})")
            low_total, low = best.get(label, (total, stages))
            best[label] = (
                min(low_total, total),
                {s: min(low.get(s, 0.0), stages.get(s, 0.0)) for s in STAGES},
            )
    for label, (total, stages) in best.items():
        focus = sum(stages.get(s, 0.0) for s in ("repair", "language", "quality"))
        print(
            f"min {label}: {total:6.2f} {unit}  {fmt(stages)}  repair+language+quality {focus:.2f}"
        )

    if old is None or args.no_compare:
        return 0
    seeds = load_raws(ROOT / "seeds/articles")
    everything = raws + seeds
    differing = compare_articles(new["article"], old["article"], new_ctx, old_ctx, everything)
    print(
        f"articles compared: {len(everything)} ({len(raws)} corpus + {len(seeds)} seeds), "
        f"differing: {differing}"
    )
    if args.noise:
        same = compare_articles(old["article"], old["article"], old_ctx, old_ctx, everything)
        print(f"noise floor: baseline vs baseline, differing: {same}")
    rows, langid_differing = compare_langid(new["language"], old["language"], args.langid)
    print(f"langid rows compared: {rows} (one by one and batched), differing: {langid_differing}")
    return 1 if differing or langid_differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
