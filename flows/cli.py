"""The ``newsetl`` command: run, sql, report, serve, names review."""

from __future__ import annotations

import contextlib
import csv
import gc
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from flows.settings import DEFAULT_RAW_DIR, DEFAULT_WAREHOUSE_DIR
from flows.startup import TemporaryPrefectServer
from warehouse.loader import WarehouseBusy, WarehousePaths, connect, run_lock

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
names_app = typer.Typer(no_args_is_help=True, help="Review spellings of known entities.")
app.add_typer(names_app, name="names")
# Piped output (scripts, CI logs) gets wide tables instead of an 80-column wrap.
console = Console(width=None if sys.stdout.isatty() else 200)
errors = Console(stderr=True, soft_wrap=True)

RawDir = Annotated[Path, typer.Option("--raw-dir", help="Folder of raw article files.")]
WarehouseDir = Annotated[Path, typer.Option("--warehouse", help="Warehouse folder.")]


def _fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]newsetl:[/] {message}")
    raise typer.Exit(code)


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def _query(paths: WarehousePaths, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    if not paths.database.exists():
        _fail(f"no warehouse at {paths.database}; run `newsetl run` first")
    try:
        with connect(paths, read_only=True) as connection:
            cursor = connection.execute(sql)
            if cursor.description is None:
                return [], []
            return [d[0] for d in cursor.description], cursor.fetchall()
    except WarehouseBusy as error:
        _fail(str(error))
    except duckdb.Error as error:
        _fail(f"query failed: {error}")


@app.command()
def run(
    raw_dir: RawDir = DEFAULT_RAW_DIR,
    warehouse: WarehouseDir = DEFAULT_WAREHOUSE_DIR,
    batch_size: Annotated[int | None, typer.Option(help="Files per task.")] = None,
    workers: Annotated[
        int, typer.Option(help="Local Dask worker processes (1: no cluster, one process).")
    ] = 1,
    dask_address: Annotated[
        str | None, typer.Option(help="Use an existing Dask cluster, e.g. tcp://host:8786.")
    ] = None,
) -> None:
    """Run the pipeline on a folder of raw articles (new or changed files only)."""
    if not raw_dir.is_dir():
        _fail(f"raw folder {raw_dir} does not exist or is not a folder")
    paths = WarehousePaths(warehouse.resolve())
    try:
        with run_lock(paths):
            pass  # fail fast, before Prefect starts; the flow takes the lock for real
    except WarehouseBusy as error:
        _fail(str(error), 3)
    if workers < 1:
        _fail("--workers must be at least 1")
    # Prefect's temporary server boots in its own process while this one imports Prefect and
    # Great Expectations (flows/startup.py).
    server = None if os.environ.get("PREFECT_API_URL") else TemporaryPrefectServer()
    parallel = workers > 1 or dask_address is not None
    try:
        with contextlib.ExitStack() as stack:
            from flows.runtime import (
                dask_task_runner,
                prefect_api,
                quiet_flow_run,
                start_worker_forkserver,
            )

            if workers > 1 and dask_address is None:
                start_worker_forkserver(server)  # before the imports below, to overlap them too
            from expectations.runner import prepare_validation_in_background
            from flows.news_etl import news_etl

            prepare_validation_in_background()
            stack.enter_context(prefect_api(server))
            stack.enter_context(quiet_flow_run())
            flow_to_run = news_etl
            if parallel:
                flow_to_run = news_etl.with_options(
                    task_runner=dask_task_runner(workers, dask_address)
                )
            summary = flow_to_run(
                raw_dir=str(raw_dir),
                warehouse_dir=str(warehouse),
                batch_size=batch_size,
                parallelism=max(workers, 2) if parallel else 1,
            )
    except WarehouseBusy as error:
        _fail(str(error), 3)
    except Exception as error:
        # Not bad input (that becomes rows with reasons): Prefect or the machine failed.
        if os.environ.get("NEWSETL_DEBUG"):
            raise
        _fail(f"the run failed: {error!s}. Run again with NEWSETL_DEBUG=1 for details.", 1)
    if summary.exit_code == 0:
        _print_summary(paths, summary.run_id)
    console.print(f"report: {summary.report_path}")
    if summary.exit_code != 0:
        _fail(summary.message, summary.exit_code)
    console.print(f"[green]{summary.message}[/]")


def _print_summary(paths: WarehousePaths, run_id: str) -> None:
    with connect(paths, read_only=True) as c:
        rows = c.execute(
            "SELECT coalesce(outlet, '(unknown)'), language, count(*) FROM documents "
            "GROUP BY ALL ORDER BY 3 DESC, 1, 2"
        ).fetchall()
        _print_rows(["outlet", "language", "articles"], rows, title="Articles in the warehouse")
        run_row = c.execute(
            "SELECT files_seen, files_processed, files_unchanged, files_rejected, articles_loaded, "
            "paragraphs_removed, mentions_found, expectations_passed, expectations_failed "
            "FROM runs WHERE run_id = ?",
            [run_id],
        ).fetchone()
        totals = c.execute(
            "SELECT (SELECT count(*) FROM documents), "
            "(SELECT count(*) FROM paragraphs WHERE is_boilerplate), "
            "(SELECT count(*) FROM mentions)"
        ).fetchone()
    if run_row is not None and totals is not None:
        names = [
            "files seen",
            "files processed",
            "files unchanged",
            "files rejected",
            "articles loaded this run",
            "paragraphs removed this run",
            "mentions found this run",
            "expectations passed",
            "expectations failed",
        ]
        _print_rows(
            ["this run", "count"], list(zip(names, run_row, strict=True)), title=f"Run {run_id}"
        )
        _print_rows(
            ["warehouse", "count"],
            [
                ("articles", totals[0]),
                ("paragraphs removed as boilerplate", totals[1]),
                ("mentions", totals[2]),
            ],
        )


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A SQL query, run read-only.")],
    warehouse: WarehouseDir = DEFAULT_WAREHOUSE_DIR,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.table,
) -> None:
    """Run a read-only SQL query on the warehouse and print the result."""
    columns, rows = _query(WarehousePaths(warehouse.resolve()), query)
    if not columns:
        return
    if output is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif output is OutputFormat.json:
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, default=str, ensure_ascii=False, indent=1) + "\n")
    else:
        _print_rows(columns, rows)


@app.command()
def report(warehouse: WarehouseDir = DEFAULT_WAREHOUSE_DIR) -> None:
    """Print the path of the last run's data-quality report."""
    paths = WarehousePaths(warehouse.resolve())
    latest = paths.reports / "latest.html"
    if not latest.exists():
        _fail(f"no report yet in {paths.reports}; run `newsetl run` first")
    console.print(str(latest))


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="Cron schedule.")] = "0 * * * *",
    raw_dir: RawDir = DEFAULT_RAW_DIR,
    warehouse: WarehouseDir = DEFAULT_WAREHOUSE_DIR,
    name: Annotated[str, typer.Option(help="Deployment name.")] = "news-etl-hourly",
) -> None:
    """Serve the flow on a schedule (needs a Prefect server: see the README)."""
    from flows.news_etl import news_etl

    news_etl.serve(
        name=name,
        cron=cron,
        parameters={"raw_dir": str(raw_dir.resolve()), "warehouse_dir": str(warehouse.resolve())},
    )


@names_app.command("review")
def names_review(
    warehouse: WarehouseDir = DEFAULT_WAREHOUSE_DIR,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
) -> None:
    """List unknown spellings that look like known entities, for promotion to seeds/aliases.csv."""
    columns, rows = _query(
        WarehousePaths(warehouse.resolve()),
        "SELECT surface, resembles_canonical, resembles_entity_id, round(score, 2) AS score, "
        "occurrences, document_count, example FROM name_candidates "
        f"ORDER BY occurrences DESC, surface LIMIT {int(limit)}",
    )
    if not rows:
        console.print("No name candidates to review.")
        return
    _print_rows(columns, rows, title="Name candidates")


def main() -> None:
    try:
        app()
    finally:
        # Python's last garbage collections at exit walk the whole heap (Great Expectations,
        # Prefect, pandas, the models): 1.5-2 s after a run. Frozen objects are skipped; the
        # process is ending, and exit handlers (Prefect's, the temporary server's) still run.
        gc.freeze()
