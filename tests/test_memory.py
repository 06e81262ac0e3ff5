"""The heap settings a run starts with (``flows.memory``)."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from flows.memory import configure_heap, return_free_memory


@pytest.fixture
def arrow_pool_restored() -> Iterator[None]:
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


@pytest.mark.usefixtures("arrow_pool_restored")
def test_arrow_allocates_from_glibc_once_the_heap_is_configured() -> None:
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    configure_heap()
    assert pa.default_memory_pool().backend_name == "system"
    held = pa.system_memory_pool().bytes_allocated()
    column = pa.array(range(100_000), type=pa.int64())
    assert pa.system_memory_pool().bytes_allocated() >= held + 100_000 * 8
    del column
    return_free_memory()  # hands free pages back; never fails, whatever the C library
