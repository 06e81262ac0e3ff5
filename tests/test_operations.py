"""Running unattended: schema migration, one run at a time, schedules, served runs."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.conftest import ROOT, PipelineRun, copy_seed_articles, run_pipeline
from warehouse.loader import WarehouseBusy, WarehousePaths, run_lock
from warehouse.schema import SCHEMA_VERSION

V1_WAREHOUSE = ROOT / "tests" / "data" / "warehouse_v1.sql"


def _newsetl_run(raw_dir: Path, warehouse_dir: Path) -> list[str]:
    command = [sys.executable, "-m", "flows", "run", "--raw-dir", str(raw_dir)]
    return [*command, "--warehouse", str(warehouse_dir)]


def _warehouse_from_v1(folder: Path) -> Path:
    folder.mkdir(parents=True)
    with duckdb.connect(str(folder / "news.duckdb")) as connection:
        connection.execute(V1_WAREHOUSE.read_text(encoding="utf-8"))
    return folder


@pytest.mark.e2e
def test_a_run_migrates_a_warehouse_written_by_schema_v1(
    prefect_server: None, tmp_path: Path
) -> None:
    warehouse_dir = _warehouse_from_v1(tmp_path / "warehouse")
    raw_dir = copy_seed_articles(tmp_path / "articles")
    summary = run_pipeline(raw_dir, warehouse_dir)
    run = PipelineRun(raw_dir, warehouse_dir, summary)
    assert summary.exit_code == 0
    assert run.query("SELECT value FROM warehouse_meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    # The old rows are still there, next to the new run's.
    assert run.query("SELECT count(*) FROM documents") == [(6,)]
    assert run.query("SELECT action FROM validations WHERE run_id = 'v1run'") == [(None,)]
    assert run.query("SELECT count(*) FROM rejects") == [(0,)]


def test_a_second_run_is_refused_while_one_holds_the_warehouse(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path)
    with run_lock(paths):
        with (
            pytest.raises(WarehouseBusy, match="another newsetl run is loading"),
            run_lock(paths),
        ):
            pass
        # Another process is refused too, with a message and exit code 3, not a traceback.
        result = subprocess.run(
            _newsetl_run(ROOT / "seeds" / "articles", tmp_path),
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")},
        )
        assert result.returncode == 3, result.stderr
        assert "another newsetl run is loading" in result.stderr
        assert "Traceback" not in result.stderr
    with run_lock(paths):  # released when the holder is done
        pass


def test_prefect_yaml_deploys_news_etl_hourly_with_folder_parameters() -> None:
    from flows.news_etl import news_etl

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    module, name = deployment["entrypoint"].split(":")
    assert (ROOT / module).exists() and name == "news_etl"
    assert [s["cron"] for s in deployment["schedules"]] == ["0 * * * *"]
    parameters = set(inspect.signature(news_etl.fn).parameters)
    assert set(deployment["parameters"]) == {"raw_dir", "warehouse_dir"} <= parameters


def test_serve_builds_an_hourly_deployment_with_the_given_folders(tmp_path: Path) -> None:
    from flows.news_etl import news_etl

    deployment = news_etl.to_deployment(
        name="news-etl-hourly",
        cron="0 * * * *",
        parameters={"raw_dir": str(tmp_path / "raw"), "warehouse_dir": str(tmp_path / "w")},
    )
    assert [s.schedule.cron for s in deployment.schedules] == ["0 * * * *"]  # type: ignore[union-attr]
    assert deployment.parameters == {
        "raw_dir": str(tmp_path / "raw"),
        "warehouse_dir": str(tmp_path / "w"),
    }


@pytest.mark.e2e
def test_a_served_run_triggered_by_hand_loads_new_files(
    prefect_server: None, tmp_path: Path
) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL

    raw_dir = copy_seed_articles(tmp_path / "articles")
    warehouse_dir = tmp_path / "warehouse"
    api_url = PREFECT_API_URL.value()
    env = {**os.environ, "PREFECT_API_URL": str(api_url)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows",
            "serve",
            "--cron",
            "0 * * * *",
            "--raw-dir",
            str(raw_dir),
            "--warehouse",
            str(warehouse_dir),
            "--name",
            "news-etl-test",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        flow_run = None
        while flow_run is None and time.monotonic() < deadline:
            try:
                flow_run = run_deployment("news_etl/news-etl-test", timeout=0)
            except Exception:  # the deployment appears once serve() has registered it
                time.sleep(1)
        assert flow_run is not None, "serve() never registered its deployment"
        database = warehouse_dir / "news.duckdb"
        while time.monotonic() < deadline:
            if database.exists():
                try:
                    with duckdb.connect(str(database), read_only=True) as connection:
                        row = connection.execute("SELECT count(*) FROM runs").fetchone()
                    if row and row[0]:
                        break
                except duckdb.Error:
                    pass  # the run is still writing
            time.sleep(1)
        with duckdb.connect(str(database), read_only=True) as connection:
            assert connection.execute("SELECT count(*) FROM documents").fetchone() == (5,)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _processes_in_session(session_id: int) -> list[str]:
    """Command lines of live processes whose session is ``session_id``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            found.append(cmdline)
    return found


@pytest.mark.e2e
def test_a_run_without_a_prefect_server_starts_its_own_and_stops_it(tmp_path: Path) -> None:
    # What `make run` does on a fresh machine: no PREFECT_API_URL, so `newsetl run` starts
    # Prefect's temporary server early (flows/startup.py) and must not leave it behind.
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    process = subprocess.Popen(
        _newsetl_run(ROOT / "seeds" / "articles", tmp_path / "warehouse"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    assert "loaded 5 articles from 5 files" in stdout
    assert "Traceback" not in stderr
    assert _processes_in_session(process.pid) == []
    with duckdb.connect(str(tmp_path / "warehouse" / "news.duckdb"), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM documents").fetchone() == (5,)
        flow_run_id = c.execute("SELECT flow_run_id FROM runs").fetchone()
    assert flow_run_id is not None and flow_run_id[0]  # the run was recorded by Prefect
