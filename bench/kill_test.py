"""Crash safety: SIGKILL `newsetl run` at random moments; the warehouse must end up exactly as
one clean run leaves it.

    .venv/bin/python bench/kill_test.py CORPUS_DIR [--kills 20] [--seed 1] [--work DIR]

1. A clean run of CORPUS_DIR into a reference warehouse (its duration T is the clock).
2. ``--kills`` runs into a second warehouse, each killed (the whole process group) at a random
   moment in [0, T]; 3. one normal run to finish. Then the data tables of both warehouses are
   compared (run ids and timestamps aside), and no staging folder or orphan Parquet part may be
   left. Runs share one Prefect server (started here) so each costs seconds, not a server start.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
#: A new server migrates its database first: minutes on a busy 2-core machine.
SERVER_START_SECONDS = 600

#: Compared table by table; run ids and times differ between any two runs by design.
COMPARED = {
    "files": "SELECT * EXCLUDE (run_id) FROM files",
    "documents": "SELECT * EXCLUDE (run_id) FROM documents",
    "paragraphs": "SELECT * FROM paragraphs",
    "mentions": "SELECT * FROM mentions",
    "entities": "SELECT * FROM entities",
    "name_candidate_occurrences": "SELECT * FROM name_candidate_occurrences",
    "rejects": "SELECT * EXCLUDE (run_id) FROM rejects",
}


@dataclass(frozen=True)
class KillReport:
    kills: int
    kill_moments: tuple[float, ...]
    clean_seconds: float
    identical: bool
    differences: tuple[str, ...]
    leftovers: tuple[str, ...]


def newsetl_run(raw_dir: Path, warehouse: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows",
            "run",
            "--raw-dir",
            str(raw_dir),
            "--warehouse",
            str(warehouse),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill takes its children too
    )


def snapshot(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(warehouse / "news.duckdb"), read_only=True) as connection:
        return {
            table: sorted(connection.execute(query).fetchall(), key=repr)
            for table, query in COMPARED.items()
        }


def leftovers(warehouse: Path) -> list[str]:
    """Staging folders, temporary files, run indexes and Parquet parts of runs the warehouse
    does not know."""
    found = []
    parquet = warehouse / "parquet"
    staging = parquet / "_staging"
    if staging.exists() and any(staging.iterdir()):
        found += [f"staging: {p.name}" for p in staging.iterdir()]
    with duckdb.connect(str(warehouse / "news.duckdb"), read_only=True) as connection:
        # A run killed during its load has no `runs` row but keeps the batches it committed
        # (and their published parts): their files carry its run id.
        runs = {
            r[0]
            for r in connection.execute(
                "SELECT run_id FROM runs UNION SELECT run_id FROM files"
            ).fetchall()
        }
    for part in parquet.glob("*/run_id=*"):
        if part.name.removeprefix("run_id=") not in runs:
            found.append(f"orphan part: {part.relative_to(warehouse)}")
    found += [f"temporary file: {p.relative_to(warehouse)}" for p in warehouse.rglob("*.tmp")]
    found += [f"run index: {p.name}" for p in (warehouse / ".run-index").glob("*")]
    return found


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[dict[str, str]]:
    """A Prefect API server for the runs, and the environment that points at it."""
    port = 4200 + random.Random(os.getpid()).randrange(1000)
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import urllib.request; urllib.request.urlopen('{url}/health', timeout=2)",
                ],
                capture_output=True,
                check=False,
            )
            if probe.returncode == 0:
                break
            if server.poll() is not None:
                tail = (home / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the Prefect server exited ({server.returncode}):\n{tail}")
            time.sleep(1)
        else:
            raise RuntimeError(f"the Prefect server did not start in {SERVER_START_SECONDS} s")
        yield {**env, "PREFECT_API_URL": url}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def run_to_completion(raw_dir: Path, warehouse: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    process = newsetl_run(raw_dir, warehouse, env)
    _, stderr = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"newsetl run failed ({process.returncode}): {stderr.decode()[-2000:]}")
    return time.monotonic() - started


def kill_test(
    raw_dir: Path, work: Path, *, kills: int, seed: int, env: dict[str, str]
) -> KillReport:
    reference = work / "reference"
    crashed = work / "crashed"
    clean_seconds = run_to_completion(raw_dir, reference, env)
    rng = random.Random(seed)
    moments = []
    for _ in range(kills):
        moment = rng.uniform(0.0, clean_seconds)
        moments.append(round(moment, 2))
        process = newsetl_run(raw_dir, crashed, env)
        try:
            process.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    run_to_completion(raw_dir, crashed, env)
    expected, actual = snapshot(reference), snapshot(crashed)
    differences = tuple(
        f"{table}: {len(expected[table])} rows expected, {len(actual[table])} found"
        if len(expected[table]) != len(actual[table])
        else f"{table}: same row count, different content"
        for table in COMPARED
        if expected[table] != actual[table]
    )
    left = tuple(leftovers(crashed))
    return KillReport(kills, tuple(moments), clean_seconds, not differences, differences, left)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="newsetl-kill-"))
    if work.exists():
        shutil.rmtree(work / "reference", ignore_errors=True)
        shutil.rmtree(work / "crashed", ignore_errors=True)
    with prefect_server(work / "prefect") as env:
        report = kill_test(args.corpus, work, kills=args.kills, seed=args.seed, env=env)
    print(
        f"clean run: {report.clean_seconds:.1f} s; "
        f"{report.kills} kills at {list(report.kill_moments)} s"
    )
    print("warehouse identical to a clean run:", "yes" if report.identical else "NO")
    for line in (*report.differences, *report.leftovers):
        print("  ", line)
    return 0 if report.identical and not report.leftovers else 1


if __name__ == "__main__":
    sys.exit(main())
