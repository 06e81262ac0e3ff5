"""The DuckDB load alone: a loaded run's Parquet parts staged again and loaded into a new
warehouse, timed, with the peak memory of this process and the database file's size.

    .venv/bin/python bench/load.py bench/out/wh-10000-w1 [--into bench/out/load-wh] [--repeats 2]

``warehouse.loader.load_run`` is called as the flow calls it (every staged batch in its own
transaction with its files rows, then the run's row); entities and validations are empty.
Memory is the process's resident size, sampled every 20 ms (the load runs in this process,
after the imports; the figure before the load is printed too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa

from warehouse.loader import WarehousePaths, load_run
from warehouse.schema import ENTITIES, RUNS, VALIDATIONS

RUN_ID = "bench-load"


def resident_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


def stage_again(source: Path, paths: WarehousePaths) -> int:
    """Copy every published part of ``source`` into a staging folder of ``paths``."""
    parts = 0
    for table_dir in sorted((source / "parquet").iterdir()):
        if table_dir.name.startswith("_") or not table_dir.is_dir():
            continue
        for part in sorted(table_dir.glob("run_id=*/*.parquet")):
            target = paths.staging_for(RUN_ID) / table_dir.name
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(part, target / part.name)
            parts += 1
    return parts


def load_once(source: Path, into: Path) -> dict[str, float]:
    shutil.rmtree(into, ignore_errors=True)
    paths = WarehousePaths(into.resolve())
    parts = stage_again(source, paths)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], resident_mb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    before = resident_mb()
    sampler.start()
    started = time.perf_counter()
    load_run(
        paths,
        RUN_ID,
        entities=ENTITIES.arrow_schema.empty_table(),
        run_row=pa.Table.from_pylist(
            [{"run_id": RUN_ID, "status": "loaded", "started_at": dt.datetime.now(dt.UTC)}],
            schema=RUNS.arrow_schema,
        ),
        validations=VALIDATIONS.arrow_schema.empty_table(),
    )
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return {
        "parts": parts,
        "seconds": round(seconds, 2),
        "resident_before_mb": round(before),
        "peak_mb": round(peak[0]),
        "database_mb": round(paths.database.stat().st_size / 2**20),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a warehouse folder written by newsetl run")
    parser.add_argument("--into", type=Path, default=Path("bench/out/load-wh"))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    for _ in range(args.repeats):
        print(load_once(args.source, args.into), flush=True)
    shutil.rmtree(args.into, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
