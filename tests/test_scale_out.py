"""Scale-out: the same run on a local Dask cluster gives the same warehouse as one process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_pipeline
from tests.test_crash_safety import _corpus

sys.path.insert(0, str(ROOT / "bench"))
from kill_test import snapshot

pytestmark = pytest.mark.e2e


def test_two_dask_workers_load_what_one_process_loads(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import PREFECT_API_URL

    from flows.news_etl import news_etl
    from flows.runtime import dask_task_runner, quiet_flow_run

    corpus = _corpus(tmp_path / "corpus", 40)
    single = run_pipeline(corpus, tmp_path / "single", batch_size=8)
    assert single.exit_code == 0
    # Worker processes reach the test's Prefect server through the environment.
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    with quiet_flow_run():
        clustered = news_etl.with_options(task_runner=dask_task_runner(2, None))(
            raw_dir=str(corpus),
            warehouse_dir=str(tmp_path / "clustered"),
            batch_size=8,
            parallelism=2,
        )
    assert clustered.exit_code == 0
    assert clustered.counts["articles_loaded"] == single.counts["articles_loaded"] == 40
    assert snapshot(tmp_path / "clustered") == snapshot(tmp_path / "single")


def api_url_seen_by_a_worker() -> dict[str, str | None]:
    """Run in a process forked from the workers' forkserver (imported there by reference)."""
    import os

    from prefect.settings import PREFECT_API_URL

    return {
        "setting": PREFECT_API_URL.value(),
        "environment": os.environ.get("PREFECT_API_URL"),
        "omp_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def test_workers_forked_early_reach_the_runs_prefect_server(tmp_path: Path) -> None:
    """``newsetl run --workers N`` starts the workers' forkserver before Prefect's server
    answers; the workers must still talk to that server, not each start their own."""
    import json
    import os
    import subprocess

    script = """
import json, multiprocessing, os
from flows.runtime import start_worker_forkserver
from tests import test_scale_out

class StartingServer:
    api_url = "http://127.0.0.1:9/api"

start_worker_forkserver(StartingServer())
leaked = os.environ.get("PREFECT_API_URL")
with multiprocessing.get_context("forkserver").Pool(1) as pool:
    seen = pool.apply(test_scale_out.api_url_seen_by_a_worker)
print(json.dumps({"worker": seen, "leaked": leaked}))
"""
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # no profile with an API URL
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["worker"] == {
        "setting": "http://127.0.0.1:9/api",
        "environment": "http://127.0.0.1:9/api",
        "omp_threads": "1",  # Dask's pre-spawn environment, as its nannies would set it
    }
    assert report["leaked"] is None  # this process's environment is left as it was
