"""Shared fixtures: a real Prefect test server, and one pipeline run on the sample articles."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_ARTICLES = ROOT / "seeds" / "articles"

# Set before prefect is imported anywhere in the test session.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@dataclass(frozen=True)
class PipelineRun:
    raw_dir: Path
    warehouse_dir: Path
    summary: object

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
        import duckdb

        with duckdb.connect(str(self.warehouse_dir / "news.duckdb"), read_only=True) as connection:
            return connection.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def run_pipeline(raw_dir: Path, warehouse_dir: Path, **parameters: object) -> object:
    from flows.news_etl import news_etl
    from flows.runtime import quiet_flow_run

    with quiet_flow_run():
        return news_etl(raw_dir=str(raw_dir), warehouse_dir=str(warehouse_dir), **parameters)


def suites_with(folder: Path, table: str, *expectations: dict[str, object]) -> Path:
    """A copy of the project's suites with more expectations on ``table``."""
    import json

    shutil.copytree(
        ROOT / "expectations", folder, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__")
    )
    path = folder / f"{table}.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    suite["expectations"].extend(expectations)
    path.write_text(json.dumps(suite), encoding="utf-8")
    return folder


def copy_seed_articles(target: Path) -> Path:
    shutil.copytree(SEED_ARTICLES, target)
    return target


@pytest.fixture(scope="session")
def sample_run(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The pipeline run once on a copy of the sample articles, into a fresh warehouse."""
    base = tmp_path_factory.mktemp("sample")
    raw_dir = copy_seed_articles(base / "articles")
    warehouse_dir = base / "warehouse"
    summary = run_pipeline(raw_dir, warehouse_dir)
    return PipelineRun(raw_dir, warehouse_dir, summary)
