"""Re-running on unchanged input (issue 7): the second run must process 0 articles and take
< 5 % of the first run's time.

    .venv/bin/python bench/rerun.py CORPUS [--warehouse DIR] [--repeats 2] [--out bench/out]
    .venv/bin/python bench/rerun.py bench/out/corpora/c10000
    .venv/bin/python bench/rerun.py bench/out/corpora/c10000 --prefect-server

A first ``newsetl run`` of CORPUS into a fresh warehouse, then ``--repeats`` more runs on the
unchanged folder, each in a subprocess, timed from outside (wall) and from inside
(``runs.counts_json``: seconds of scan, read, process, validate, load and report). Writes
``<out>/rerun.json`` (``rerun-prefect-server.json`` with ``--prefect-server``).

By default each run starts Prefect's temporary server, as a one-off ``newsetl run`` does (its
boot, ~4 s, is most of an unchanged re-run). ``--prefect-server`` first starts ``prefect server
start`` (its own Prefect home under ``--out``) and points every run at it, as scheduled runs are
set up (README, "Running it unattended"): the runs then pay no server boot.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import ROOT, bench_env, last_counts, load_average, measure, newsetl_command

from flows.startup import PrefectServerFailed, wait_for_prefect_api

IN_FLOW = ("scan", "read", "process", "validate", "load", "report")


def one_run(corpus: Path, warehouse: Path, env: dict[str, str]) -> dict[str, Any]:
    measured = measure(newsetl_command(corpus, warehouse, 1), env)
    if measured.returncode != 0:
        raise RuntimeError(f"newsetl run failed: {measured.stderr_tail}")
    counts = last_counts(warehouse)
    in_flow = {k: counts.get(f"seconds_{k}", 0.0) for k in IN_FLOW}
    return {
        "wall_seconds": round(measured.wall_seconds, 3),
        "in_flow_seconds": round(sum(in_flow.values()), 3),
        "in_flow": in_flow,
        "flow_started_to_finished": counts["seconds_flow_started_to_finished"],
        "files_seen": counts.get("files_seen"),
        "files_processed": counts.get("files_processed"),
        "files_unchanged": counts.get("files_unchanged"),
        "articles_loaded": counts.get("articles_loaded", 0),
        "peak_tree_mb": round(measured.peak.tree_bytes / 2**20, 1),
        "load_before": measured.load_before,
        "load_after": measured.load_after,
    }


@contextlib.contextmanager
def prefect_server(out: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A ``prefect server start`` for the runs; the environment that points them at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = out / "prefect-server-home"
    home.mkdir(parents=True, exist_ok=True)
    server_env = {**env, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "0"}
    server_env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    command = [str(ROOT / ".venv" / "bin" / "prefect"), "server", "start", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        try:
            ready = wait_for_prefect_api(url, process, timeout=120)
        except PrefectServerFailed as error:
            raise SystemExit(f"prefect server start: {error}") from None
        if not ready:
            raise SystemExit("prefect server start did not answer within 120 s")
        yield {**env, "PREFECT_API_URL": url}
    finally:
        process.terminate()
        process.wait(timeout=30)


def first_from_pipeline(path: Path, corpus: Path, warehouse: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    for r in data["results"]:
        if Path(r["corpus"]).resolve() == corpus.resolve() and r["workers"] == 1:
            if Path(r["command"].split("--warehouse ")[1].split()[0]).resolve() != warehouse:
                continue
            return {
                "wall_seconds": r["wall_seconds"],
                "in_flow_seconds": round(sum(r["stages"].values()), 3),
                "in_flow": r["stages"],
                "flow_started_to_finished": r["counts"]["seconds_flow_started_to_finished"],
                "files_seen": r["counts"].get("files_seen"),
                "files_processed": r["counts"].get("files_processed"),
                "files_unchanged": r["counts"].get("files_unchanged"),
                "articles_loaded": r["articles_loaded"],
                "peak_tree_mb": r["peak_tree_mb"],
                "load_before": r["load_before"],
                "load_after": r["load_after"],
                "from": f"{path} (bench/pipeline.py)",
            }
    raise SystemExit(f"no single-worker run of {corpus} into {warehouse} in {path}")


def data_rows(warehouse: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(warehouse / "news.duckdb"), read_only=True) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in ("files", "documents", "paragraphs", "mentions", "runs", "validations")
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="the first run is the one bench/pipeline.py made into --warehouse (its figures "
        "from <out>/pipeline.json); only the re-runs are made here",
    )
    parser.add_argument(
        "--prefect-server",
        action="store_true",
        help="run everything against one `prefect server start` instead of a temporary server "
        "per run",
    )
    args = parser.parse_args()
    if args.reuse and args.prefect_server:
        parser.error("--reuse takes a first run made with a temporary server")
    out = args.out.resolve()
    warehouse = (args.warehouse or out / f"wh-rerun-{args.corpus.name}").resolve()

    with contextlib.ExitStack() as stack:
        env = bench_env(out)
        if args.prefect_server:
            env = stack.enter_context(prefect_server(out, env))
        return measure_reruns(args, out, warehouse, env)


def measure_reruns(
    args: argparse.Namespace, out: Path, warehouse: Path, env: dict[str, str]
) -> int:
    import shutil

    if args.reuse:
        first = first_from_pipeline(out / "pipeline.json", args.corpus, warehouse)
    else:
        shutil.rmtree(warehouse, ignore_errors=True)
        first = one_run(args.corpus, warehouse, env)
    rows_after_first = data_rows(warehouse)
    print(f"first run: {json.dumps(first)}", flush=True)
    again = []
    for _ in range(args.repeats):
        again.append(one_run(args.corpus, warehouse, env))
        print(f"unchanged re-run: {json.dumps(again[-1])}", flush=True)
    rows_after = data_rows(warehouse)
    second = again[0]
    result = {
        "corpus": str(args.corpus),
        "command": " ".join(newsetl_command(args.corpus, warehouse, 1)),
        "first": first,
        "reruns": again,
        "ratio_wall": round(second["wall_seconds"] / first["wall_seconds"], 4),
        "ratio_in_flow": round(second["in_flow_seconds"] / first["in_flow_seconds"], 4),
        "rows_after_first": rows_after_first,
        "rows_after_reruns": rows_after,
        "load": load_average(),
        "prefect_server": "prefect server start" if args.prefect_server else "temporary, per run",
    }
    name = "rerun-prefect-server.json" if args.prefect_server else "rerun.json"
    (out / name).write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"first {first['wall_seconds']:.1f} s ({first['articles_loaded']} articles); "
        f"second {second['wall_seconds']:.1f} s ({second['articles_loaded']} articles, "
        f"{second['files_processed']} files processed): {100 * result['ratio_wall']:.1f} % "
        f"(target < 5 %); in flow {second['in_flow_seconds']:.2f} s of "
        f"{first['in_flow_seconds']:.1f} s: {100 * result['ratio_in_flow']:.1f} %"
    )
    print(f"data rows after first run {rows_after_first}, after re-runs {rows_after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
