"""Run settings: defaults, overridable by ``NEWSETL_*`` environment variables and CLI options."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW_DIR = PROJECT_ROOT / "seeds" / "articles"
DEFAULT_WAREHOUSE_DIR = PROJECT_ROOT / "warehouse"
DEFAULT_SEEDS_DIR = PROJECT_ROOT / "seeds"

#: File suffixes the extractor reads, and the format each one means.
SUPPORTED_SUFFIXES = {".txt": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
#: Files in a raw folder that describe the others instead of being articles.
MANIFEST_NAME = "manifest.csv"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True, slots=True)
class Settings:
    raw_dir: Path = DEFAULT_RAW_DIR
    warehouse_dir: Path = DEFAULT_WAREHOUSE_DIR
    seeds_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("NEWSETL_SEEDS_DIR", DEFAULT_SEEDS_DIR))
    )
    suites_dir: Path = field(
        default_factory=lambda: Path(
            os.environ.get("NEWSETL_SUITES_DIR", PROJECT_ROOT / "expectations")
        )
    )
    #: Files per task: large enough that Prefect's per-task overhead stays small.
    batch_size: int = field(default_factory=lambda: _env_int("NEWSETL_BATCH_SIZE", 500))
    #: Files larger than this are refused (with a reason) instead of read.
    max_file_bytes: int = field(
        default_factory=lambda: _env_int("NEWSETL_MAX_FILE_BYTES", 20 * 1024 * 1024)
    )


def configure_prefect_environment(home: Path | None = None) -> None:
    """Quiet, local Prefect defaults; set before prefect is imported. Users' settings win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_HOME", str(home or PROJECT_ROOT / ".prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    # The temporary server migrates a new database on first use: on a busy 2-core machine
    # that takes longer than Prefect's default 20 s wait.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
