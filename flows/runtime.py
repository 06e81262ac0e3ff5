"""Prefect run-time settings for one-shot runs from the command line or tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings


@contextlib.contextmanager
def quiet_flow_run() -> Iterator[None]:
    # A synchronous flow run otherwise waits about a second at its end for the heartbeat thread.
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
