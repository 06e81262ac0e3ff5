"""Prefect run-time settings for one-shot runs from the command line or tests."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    temporary_settings,
)
from prefect.task_runners import TaskRunner

from flows.startup import TemporaryPrefectServer


@contextlib.contextmanager
def quiet_flow_run() -> Iterator[None]:
    # A synchronous flow run otherwise waits about a second at its end for the heartbeat thread.
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@contextlib.contextmanager
def prefect_api(server: TemporaryPrefectServer | None) -> Iterator[None]:
    """Point Prefect, in this process and in worker processes it starts, at one API server.

    An API URL the user configured (environment or Prefect profile) is used as is, and
    ``server`` (started early by the caller, see ``flows.startup``) is stopped unused.
    Otherwise ``server`` is waited for and used; without one, every Dask worker process would
    start its own temporary server (seconds each, and runs that cannot see each other). It is
    stopped at exit, after Prefect has sent its pending events and logs: stopped here, those
    would wait on a dead server (1.5 s at the end of every run).
    """
    if _configured_api_url() or server is None:
        if server is not None:
            server.stop()
        yield
        return
    url = server.wait_until_ready()
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def _configured_api_url() -> str | None:
    return PREFECT_API_URL.value() or None


def start_worker_forkserver(server: TemporaryPrefectServer | None) -> None:
    """Start the process local Dask workers are forked from now, instead of when the flow starts
    its cluster: its imports (~5 s of CPU) then overlap the boot of Prefect's server rather than
    follow it.

    A forked worker has the forkserver's environment, not this process's at the time of the
    fork. So the forkserver starts with what Dask's nannies would have set before starting it
    (``distributed.nanny.pre-spawn-environ``) and with the API URL the run will use (see
    ``prefect_api``): the configured one, or ``server``'s, final before the server answers.
    """
    from multiprocessing import forkserver

    import dask

    _fork_local_workers()
    environment = {
        name: str(value)
        for name, value in dask.config.get("distributed.nanny.pre-spawn-environ").items()
        if value is not None
    }
    url = _configured_api_url() or (server.api_url if server is not None else None)
    if url:
        environment["PREFECT_API_URL"] = url
    with _environment(environment):
        forkserver.ensure_running()


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in this process's environment inside the block, the environment as it was
    after it."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _fork_local_workers() -> None:
    """Local workers are forked from a server process that has imported what they need once
    (``flows.worker_preload``), instead of each starting a fresh interpreter (Dask's default,
    ``spawn``): ~4.5 s of CPU less per worker, on a machine whose cores the workers share."""
    import dask
    from distributed.utils import get_mp_context

    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    # Dask sets its own preload list on first use; ours replaces it before the server starts.
    get_mp_context().set_forkserver_preload(["distributed", "flows.worker_preload"])


def dask_task_runner(workers: int, address: str | None) -> TaskRunner[Any]:
    """A Dask task runner: an existing cluster at ``address``, or a local one of ``workers``
    single-threaded processes (threads give no speed-up on this CPU-bound work: the GIL).

    lingua scores a batch of texts on a thread pool of one thread per core (Rayon): alone in
    its process that puts the other core to work, but with a worker per core every worker's
    pool fights the others' (language detection took twice the CPU on two workers). Local
    workers get one Rayon thread each, as Dask already gives them one OpenMP/BLAS thread.
    """
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    _fork_local_workers()
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "env": {"RAYON_NUM_THREADS": "1"},
        }
    )
