"""Cost of the Great Expectations suites against the pipeline's own time (issue 6: "suites run
on 100,000 paragraphs in under 10 % of the pipeline's time for them").

    .venv/bin/python bench/suites.py [WAREHOUSE] [--paragraphs 100000] [--out bench/out]
    .venv/bin/python bench/suites.py bench/out/wh-10000-w1
    .venv/bin/python bench/suites.py --profile-batch bench/out/corpora/c1000 [--batch-files 500]

Reads ``documents``, ``paragraphs`` and ``mentions`` of a finished run's warehouse back into
pandas (the schema's columns, dates as datetimes, as ``flows.validate`` hands them to GX), then
times ``expectations.runner.validate_tables``:

1. on the whole tables, each table alone and the three together;
2. on the first ``--paragraphs`` paragraphs (whole documents, in doc_id order) with their
   documents and mentions.

The pipeline's time for the same rows is the run's ``seconds_process`` (transform + validate +
stage of every batch, from ``runs.counts_json``) scaled by the share of paragraphs. GX's one-off
set-up (import, context) is timed apart with a warm-up call on a few rows. Writes
``<out>/suites.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import load_average  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", type=Path, nargs="?", default=ROOT / "bench/out/wh-10000-w1")
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--profile-batch",
        type=Path,
        default=None,
        metavar="CORPUS",
        help="instead: cProfile the flow's validate_batch on one batch of CORPUS",
    )
    parser.add_argument("--batch-files", type=int, default=500)
    args = parser.parse_args()
    if args.profile_batch:
        print(profile_batch(args.profile_batch, args.batch_files, args.out.resolve()))
        return 0

    started = time.perf_counter()
    import duckdb
    import pyarrow as pa

    from expectations.runner import validate_tables
    from flows.news_etl import _read_csv
    from flows.quality import validation_parameters
    from flows.settings import Settings
    from flows.validate import _frame
    from transforms.names import build_alias_index
    from warehouse.schema import DOCUMENTS, MENTIONS, PARAGRAPHS

    import_seconds = time.perf_counter() - started
    settings = Settings()
    alias_rows = _read_csv(settings.seeds_dir / "aliases.csv")
    entity_ids = [e.entity_id for e in build_alias_index(alias_rows).entities]
    tables = (DOCUMENTS, PARAGRAPHS, MENTIONS)

    t0 = time.perf_counter()
    with duckdb.connect(str(args.warehouse / "news.duckdb"), read_only=True) as connection:
        arrow = {
            t.name: connection.execute(
                f"SELECT {', '.join(chr(34) + c + chr(34) for c in t.arrow_schema.names)} "
                f"FROM {t.name} ORDER BY "
                + (
                    "doc_id"
                    if t is DOCUMENTS
                    else "doc_id, position"
                    if t is PARAGRAPHS
                    else "doc_id, start"
                )
            )
            .to_arrow_table()
            .cast(t.arrow_schema)
            for t in tables
        }
        counts = json.loads(
            connection.execute(
                "SELECT counts_json FROM runs WHERE articles_loaded > 0 ORDER BY started_at LIMIT 1"
            ).fetchone()[0]  # type: ignore[index]
        )
    read_seconds = time.perf_counter() - t0

    def frames(subset: dict[str, pa.Table]) -> dict[str, Any]:
        return {name: _frame(table) for name, table in subset.items()}

    def parameters(subset: dict[str, pa.Table]) -> dict[str, Any]:
        return validation_parameters(
            doc_ids=subset[DOCUMENTS.name]["doc_id"].to_pylist(),
            alias_rows=alias_rows,
            entity_ids=entity_ids,
            today=dt.date.today(),
        )

    def timed(subset: dict[str, pa.Table], names: tuple[str, ...]) -> dict[str, Any]:
        t = time.perf_counter()
        frame_map = frames({n: subset[n] for n in names})
        params = parameters(subset)
        prepared = time.perf_counter() - t
        load = load_average()
        t = time.perf_counter()
        report = validate_tables(frame_map, params, settings.suites_dir)
        seconds = time.perf_counter() - t
        return {
            "tables": list(names),
            "rows": {n: subset[n].num_rows for n in names},
            "expectations": len(report.outcomes),
            "failed": [f"{o.table_name}.{o.expectation}" for o in report.outcomes if not o.success],
            "prepare_seconds": round(prepared, 3),
            "validate_seconds": round(seconds, 3),
            "load": load,
        }

    # GX one-off set-up: a warm-up on a few rows of every table.
    first_docs = set(arrow[DOCUMENTS.name]["doc_id"].to_pylist()[:3])

    def only(docs: set[str]) -> dict[str, pa.Table]:
        import pyarrow.compute as pc

        value_set = pa.array(sorted(docs))
        return {n: t.filter(pc.is_in(t["doc_id"], value_set=value_set)) for n, t in arrow.items()}

    warm_up = timed(only(first_docs), tuple(arrow))
    names = tuple(arrow)
    whole = {
        "each": [timed(arrow, (n,)) for n in names],
        "together": timed(arrow, names),
    }

    # The first --paragraphs paragraphs, whole documents.
    doc_column = arrow[PARAGRAPHS.name]["doc_id"].to_pylist()
    cutoff = min(args.paragraphs, len(doc_column))
    docs = set(doc_column[:cutoff])
    subset = only(docs)
    sub = {
        "paragraphs_only": timed(subset, (PARAGRAPHS.name,)),
        "together": timed(subset, names),
    }

    total_paragraphs = arrow[PARAGRAPHS.name].num_rows
    share_rows = subset[PARAGRAPHS.name].num_rows / total_paragraphs
    transforms = sum(
        counts.get(f"seconds_{k}", 0.0)
        for k in ("repair", "language", "boilerplate", "metadata", "names", "quality", "other")
    )
    pipeline_for_them = counts["seconds_process"] * share_rows
    result = {
        "warehouse": str(args.warehouse),
        "import_seconds": round(import_seconds, 3),
        "read_back_seconds": round(read_seconds, 3),
        "rows": {n: t.num_rows for n, t in arrow.items()},
        "run_seconds_process": counts["seconds_process"],
        "run_transform_seconds": round(transforms, 3),
        "run_process_minus_transforms": round(counts["seconds_process"] - transforms, 3),
        "warm_up": warm_up,
        "whole": whole,
        "subset": sub,
        "subset_paragraph_share": round(share_rows, 4),
        "pipeline_seconds_for_subset": round(pipeline_for_them, 3),
        "share_paragraphs_only": round(
            sub["paragraphs_only"]["validate_seconds"] / pipeline_for_them, 4
        ),
        "share_three_tables": round(sub["together"]["validate_seconds"] / pipeline_for_them, 4),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "suites.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(
        f"suites on {subset[PARAGRAPHS.name].num_rows:,} paragraphs: "
        f"{sub['paragraphs_only']['validate_seconds']:.2f} s (paragraphs suite), "
        f"{sub['together']['validate_seconds']:.2f} s (documents+paragraphs+mentions) vs the "
        f"pipeline's {pipeline_for_them:.1f} s of seconds_process for them: "
        f"{100 * result['share_paragraphs_only']:.1f} % / "
        f"{100 * result['share_three_tables']:.1f} %"
        " (target < 10 %)"
    )
    return 0


def profile_batch(corpus: Path, files: int, out: Path, top: int = 25) -> str:
    """cProfile of the flow's own ``validate_batch`` task body on one batch of ``files`` files
    (transformed first, outside the profile), as ``flows.news_etl`` runs it."""
    import cProfile
    import datetime as dt
    import io
    import pstats

    from flows.extract import read_manifest, scan_folder
    from flows.news_etl import (
        load_reference_data,
        mark_duplicates,
        read_files,
        transform_batch,
        validate_batch,
    )
    from flows.settings import Settings
    from warehouse.loader import WarehousePaths

    settings = Settings()
    out.mkdir(parents=True, exist_ok=True)
    paths = WarehousePaths((out / "wh-batch-profile").resolve())  # absent: nothing learned
    scans = [s for s in scan_folder(corpus.resolve(), {}) if s.change == "new"][:files]
    reads = mark_duplicates(
        read_files.fn(scans, read_manifest(corpus.resolve()), settings.max_file_bytes).reads,
        {},
    )
    reference = load_reference_data.fn(settings.seeds_dir, paths)
    today = dt.date.today()
    batch = transform_batch(reads, reference, today, "bench")
    validate_batch.fn(batch, reference, today, "bench", settings.suites_dir)  # GX warm
    load = load_average()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    checked = validate_batch.fn(batch, reference, today, "bench", settings.suites_dir)
    profiler.disable()
    seconds = time.perf_counter() - started
    profiler.dump_stats(str(out / "profile-validate-batch.out"))
    buffer = io.StringIO()
    pstats.Stats(str(out / "profile-validate-batch.out"), stream=buffer).sort_stats(
        "cumulative"
    ).print_stats(top)
    rows = {name: table.num_rows for name, table in checked.tables.items()}
    text = (
        f"validate_batch on one batch of {len(scans)} files ({rows}): {seconds:.2f} s "
        f"(second call, GX warm), transform of the same batch "
        f"{sum(v for k, v in batch.counts.items() if k.startswith('seconds_')):.2f} s; "
        f"load {load}\n" + buffer.getvalue()
    )
    (out / "profile-validate-batch.txt").write_text(text)
    return text


if __name__ == "__main__":
    sys.exit(main())
