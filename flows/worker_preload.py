"""What local Dask workers import before they are forked (see ``flows.runtime.dask_task_runner``).

A worker spawned from scratch imports Prefect, pandas, pyarrow, the transforms and Great
Expectations again (~4.5 s of CPU each) before its first batch. Forked from a server process
that imported them once, it starts with them in memory. Nothing here starts a thread or builds
lingua's models: a process forked after either would inherit locks held by threads that no
longer exist (lingua's models are built in each worker, on its first batch).
"""

import distributed  # noqa: F401
import great_expectations  # noqa: F401

import flows.news_etl  # noqa: F401
from flows.memory import configure_heap

configure_heap()  # the forked workers inherit glibc's settings
