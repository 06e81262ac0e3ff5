"""Resident memory of the flow's batch work over a long run, in one process, without Prefect.

    .venv/bin/python bench/batch_memory.py bench/out/corpora/c100000 --files 40000
    .venv/bin/python bench/batch_memory.py bench/out/corpora/c100000 --files 40000 --glibc-defaults

Runs the flow's own batch functions (read, transform, validate, stage, fold the verdicts) on
the first ``--files`` files of a corpus, in this process, and prints after every ``--every``
batches: files done, resident size, and Python's small-object allocator (pymalloc) arenas and
bytes in use. When the resident size climbs while pymalloc stays flat, the growth is outside
Python's objects (glibc's heap, native libraries).

By default the process keeps the heap as a run does (``flows.memory``: fixed thresholds, two
arenas, trimmed after each batch); ``--glibc-defaults`` leaves glibc as it is and never trims,
as runs did before. ``--no-validate`` runs the transforms only. Staging goes to a scratch
warehouse under ``--out``.

``--trace-from K`` traces Python's allocations (``tracemalloc``) from the start, takes a snapshot
once K files are done and, at the end, prints the allocation sites whose live memory grew the
most since then: what was freed after K counts too, so a full cache that replaces its entries
shows no growth. The run is ~4x slower with one frame per allocation, ~15x with eight.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import shutil
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def resident_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pymalloc_in_use() -> tuple[int, float]:
    """(arenas allocated now, MB in allocated blocks), from ``sys._debugmallocstats``."""
    read_end, write_end = os.pipe()
    saved = os.dup(2)
    os.dup2(write_end, 2)  # the stats go to the C-level stderr
    try:
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(write_end)
    with os.fdopen(read_end) as pipe:
        text = pipe.read()
    arenas = re.search(r"# arenas allocated current\s*=\s*([\d,]+)", text)
    in_use = re.search(r"# bytes in allocated blocks\s*=\s*([\d,]+)", text)
    if not arenas or not in_use:
        return 0, 0.0
    return int(arenas[1].replace(",", "")), int(in_use[1].replace(",", "")) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=4, help="batches between samples")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--glibc-defaults", action="store_true")
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--trace-from", type=int, default=None, metavar="K")
    parser.add_argument("--trace-top", type=int, default=25)
    parser.add_argument(
        "--trace-frames", type=int, default=1, help="frames kept per allocation (slower if more)"
    )
    args = parser.parse_args()

    from flows.settings import configure_prefect_environment

    configure_prefect_environment()
    import flows.news_etl as etl
    from flows.memory import configure_heap, return_free_memory
    from flows.run_index import RunIndex
    from warehouse.loader import WarehousePaths

    if not args.glibc_defaults:
        configure_heap()
    scratch = args.out / "wh-batch-memory"
    shutil.rmtree(scratch, ignore_errors=True)
    paths = WarehousePaths(scratch.resolve())
    corpus = args.corpus.resolve()
    # The run's per-file state, as a run keeps it (on disk).
    index = RunIndex.build(paths.run_indexes / "bench.sqlite", corpus, paths)
    manifest = index.manifest
    settings = etl.Settings(raw_dir=corpus, warehouse_dir=scratch)
    reference = etl.load_reference_data.fn(settings.seeds_dir, paths)
    today = dt.date.today()
    staged = etl.StagedSoFar()
    started = time.perf_counter()
    baseline: tracemalloc.Snapshot | None = None
    if args.trace_from is not None:
        tracemalloc.start(args.trace_frames)
    header = ("files", "seconds", "resident MB", "pymalloc arenas", "pymalloc MB")
    print(
        " ".join(f"{name:>{width}}" for name, width in zip(header, (7, 8, 12, 16, 12), strict=True))
    )
    done = 0
    for number, batch in enumerate(index.pending_batches(args.batch_size)):
        if done >= args.files:
            break
        with index.writing():
            reads = etl.mark_duplicates(
                etl.read_files.fn(batch, manifest, settings.max_file_bytes).reads,
                index.first_seen,
            )
        if not args.glibc_defaults:
            return_free_memory()  # as process_batch does before each batch
        transformed = etl.transform_batch(reads, reference, today, "bench")
        if not args.no_validate:
            checked = etl.validate_batch.fn(
                transformed, reference, today, "bench", settings.suites_dir
            )
            staged.add(etl.stage_batch.fn(checked, paths, "bench", number))
            del checked
        del reads, transformed
        done += len(batch)
        if args.trace_from is not None and done >= args.trace_from and baseline is None:
            gc.collect()
            baseline = tracemalloc.take_snapshot()
        if (number + 1) % args.every == 0:
            gc.collect()
            arenas, in_use = pymalloc_in_use()
            print(
                f"{done:>7} {time.perf_counter() - started:>8.0f} {resident_mb():>12.0f} "
                f"{arenas:>16} {in_use:>12.0f}",
                flush=True,
            )
    # What a run does before its load, the run's memory peak: drop the models and memos, trim.
    etl.release_transform_memory(reference.aliases)
    gc.collect()
    if not args.glibc_defaults:
        return_free_memory()
    print(f"after release_transform_memory: {resident_mb():.0f} MB resident", flush=True)
    if baseline is not None:
        gc.collect()
        print_growth(baseline, tracemalloc.take_snapshot(), args.trace_top)
    index.remove()
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


def print_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, top: int) -> None:
    """The allocation sites, by call path, that hold the most new memory (innermost frame
    first)."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    grown = after.compare_to(before, "traceback")
    total = sum(stat.size_diff for stat in grown)
    print(f"\ntraced growth: {total / 2**20:+.1f} MB in {len(grown)} sites; the largest:")
    for stat in grown[:top]:
        frames = [
            f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in reversed(stat.traceback)
        ]
        print(f"{stat.size_diff / 2**20:+8.2f} MB {stat.count_diff:+8d} blocks  {frames[0]}")
        for frame in frames[1:4]:
            print(f"{'':29}<- {frame}")


if __name__ == "__main__":
    raise SystemExit(main())
