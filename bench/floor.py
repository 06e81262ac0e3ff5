"""What the fixed stack alone costs per article, against issue 8's throughput target.

    .venv/bin/python bench/floor.py bench/out/corpora/c10000 --files 2000

The target is end-to-end throughput of at least 3x langdetect alone over the same text, so the
whole pipeline has a budget of a third of langdetect's time per article. This script runs the
flow's own batch functions (read, transform, validate, stage; as ``bench/batch_memory.py``) on
the first ``--files`` files of a corpus in one process, after a warm-up batch from the end of
the same corpus that builds the models and the validation context, and times each part. It also
times the calls into the libraries the design card fixes or the accuracy targets need: lingua
(the ``lingua`` engine of ``transforms.language``), ftfy (``ftfy.fix_text``) and Great
Expectations (``expectations.runner._validate``: one suite on one table). Then it times
langdetect alone over the same articles' text (as ``bench/pipeline.py`` does), and prints
seconds per 1,000 articles: the budget, what the libraries take of it, and what would be left
for the project's own code.

Each figure is CPU seconds of this process (``time.process_time``: lingua's second thread
counts), so the comparison holds on a loaded machine. The DuckDB load is not included: it
runs once per run, after the batches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

#: The budget: the target is this many times langdetect's throughput.
TARGET_RATIO = 3.0


class Clock:
    """CPU seconds per part; a part timed inside another is also counted in the outer one."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        started = time.process_time()
        try:
            yield
        finally:
            self.seconds[name] += time.process_time() - started

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.part(name):
                return function(*args, **kwargs)

        return timed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()

    from flows.settings import configure_prefect_environment

    configure_prefect_environment()
    from pipeline import load_average

    import expectations.runner as runner
    import flows.news_etl as etl
    import transforms.language as language
    import transforms.repair as repair
    from expectations.runner import prepare_validation_in_background
    from flows.extract import read_manifest, scan_folder
    from flows.memory import configure_heap
    from warehouse.loader import WarehousePaths

    configure_heap()
    prepare_validation_in_background().join()
    scratch = args.out / "wh-floor"
    shutil.rmtree(scratch, ignore_errors=True)
    paths = WarehousePaths(scratch.resolve())
    corpus = args.corpus.resolve()
    scans = sorted((s for s in scan_folder(corpus, {}) if s.change == "new"), key=lambda s: s.path)
    measured_scans, warm_up_scans = scans[: args.files], scans[-args.batch_size :]
    manifest = read_manifest(corpus)
    settings = etl.Settings(raw_dir=corpus, warehouse_dir=scratch)
    reference = etl.load_reference_data.fn(settings.seeds_dir, paths)
    today = dt.date.today()

    def one_batch(scans: list[Any], number: int, seen: dict[str, str], clock: Clock) -> list[str]:
        with clock.part("read"):
            read = etl.read_files.fn(scans, manifest, settings.max_file_bytes)
            reads = etl.mark_duplicates(read.reads, seen)
        with clock.part("transform"):
            transformed = etl.transform_batch(reads, reference, today, "floor")
        with clock.part("validate"):
            checked = etl.validate_batch.fn(
                transformed, reference, today, "floor", settings.suites_dir
            )
        with clock.part("stage (Parquet)"):
            etl.stage_batch.fn(checked, paths, "floor", number)
        return [
            a.text for r in reads if r.failure is None and not r.duplicate_of for a in r.articles
        ]

    one_batch(warm_up_scans, 0, {}, Clock())  # models, validation context, word tables
    language.clear_language_cache()  # guesses about the warm-up's text would be free below

    clock = Clock()
    lingua_scores, fix_text, validate = (
        language._ENGINE_SCORES["lingua"],
        repair.ftfy.fix_text,
        runner._validate,
    )
    runner._validate = clock.wrap("  of which Great Expectations", validate)
    language._ENGINE_SCORES["lingua"] = clock.wrap("  of which lingua", lingua_scores)
    repair.ftfy.fix_text = clock.wrap("  of which ftfy", fix_text)
    texts: list[str] = []
    load = load_average()
    seen: dict[str, str] = {}
    try:
        for start in range(0, len(measured_scans), args.batch_size):
            batch = measured_scans[start : start + args.batch_size]
            texts += one_batch(batch, 1 + start // args.batch_size, seen, clock)
    finally:
        language._ENGINE_SCORES["lingua"], repair.ftfy.fix_text = lingua_scores, fix_text
        runner._validate = validate
        shutil.rmtree(scratch, ignore_errors=True)

    from langdetect import DetectorFactory, detect
    from langdetect.detector_factory import init_factory
    from langdetect.lang_detect_exception import LangDetectException

    init_factory()
    DetectorFactory.seed = 0
    started = time.process_time()
    for text in texts:
        with suppress(LangDetectException):
            detect(text)
    langdetect_seconds = time.process_time() - started

    per_thousand = 1000 / len(texts)
    budget = langdetect_seconds * per_thousand / TARGET_RATIO
    parts = {name: seconds * per_thousand for name, seconds in clock.seconds.items()}
    libraries = (
        parts["  of which lingua"]
        + parts["  of which ftfy"]
        + parts["  of which Great Expectations"]
        + parts["stage (Parquet)"]
    )
    print(f"{len(measured_scans)} files, {len(texts)} articles; load {load} -> {load_average()}")
    print(
        f"CPU seconds per 1,000 articles:\n  {'langdetect alone':<34} {budget * TARGET_RATIO:6.2f}"
    )
    print(f"  {f'budget at {TARGET_RATIO:g}x langdetect':<34} {budget:6.2f}")
    order = ("read", "transform", "  of which lingua", "  of which ftfy")
    for name in (*order, "validate", "  of which Great Expectations", "stage (Parquet)"):
        print(f"  {name:<34} {parts[name]:6.2f}")
    total = parts["read"] + parts["transform"] + parts["validate"]
    total += parts["stage (Parquet)"]
    ratio = budget * TARGET_RATIO / total
    print(f"  {'pipeline without its load':<34} {total:6.2f}  ({ratio:.2f}x langdetect)")
    print(
        f"  {'lingua + ftfy + GX + Parquet':<34} {libraries:6.2f}  "
        f"({libraries / budget:.0%} of the budget; left for everything else: "
        f"{budget - libraries:.2f}, now {total - libraries:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
