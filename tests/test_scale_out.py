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
