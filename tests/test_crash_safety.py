"""Crash safety: `newsetl run` killed (SIGKILL) at random moments, then run normally, leaves the
warehouse exactly as one clean run does. bench/kill_test.py runs the full 20-kill version."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_ARTICLES

sys.path.insert(0, str(ROOT / "bench"))
from kill_test import kill_test

pytestmark = pytest.mark.e2e


def _corpus(folder: Path, articles: int) -> Path:
    """Distinct articles built from the samples: each gets its own closing sentence."""
    folder.mkdir()
    samples = sorted(SEED_ARTICLES.glob("*.txt"))
    for number in range(articles):
        sample = samples[number % len(samples)]
        text = sample.read_text(encoding="utf-8")
        unique = f"\n\nAnalysts in Baku discussed the report number {number} on Monday.\n"
        (folder / f"{number:04d}_{sample.name}").write_text(text + unique, encoding="utf-8")
    return folder


def test_kills_at_random_moments_leave_the_warehouse_as_one_clean_run(
    prefect_server: None, tmp_path: Path
) -> None:
    import os

    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    corpus = _corpus(tmp_path / "corpus", 150)
    report = kill_test(corpus, tmp_path, kills=3, seed=7, env=env)
    assert report.identical, report.differences
    assert report.leftovers == ()
