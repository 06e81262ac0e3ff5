"""glibc heap controls that keep a long run's resident memory lower.

Measured in one process over the first 40,000 files of the 100,000-file benchmark corpus (the
flow's batch functions without Prefect, ``bench/batch_memory.py``; ``docs/benchmarks-pipeline.md``,
fifth round): with these settings the resident size is ~110 MB lower than with glibc's
defaults, at the same speed. Three reasons, which this module takes away:

- glibc raises its threshold for serving a block from ``mmap`` to the size of every large block
  freed (up to 32 MB). After the first batch has freed pandas' and Arrow's arrays, every later
  batch's arrays come from the heap, among long-lived objects, and the holes they leave are
  rarely whole pages. A fixed threshold keeps large blocks in ``mmap``, returned when freed.
- Memory freed inside the heap stays resident until trimmed: ``malloc_trim`` after each batch
  hands back the free pages, not only the top of the heap.
- Arrow's default allocator (mimalloc in the pyarrow wheels) keeps what a batch's tables freed
  for its own reuse: ~100 MB more resident through a run than Arrow on glibc's ``malloc``, at
  the same speed (``bench/batch_memory.py``, 30,000 files: 1,004 against 917 MB at the end,
  345 s each; seventh round). Arrow then allocates from glibc, under the thresholds above.

Nothing here changes a result; on a C library without these calls each is a no-op.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any

import pyarrow as pa

# mallopt parameters, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

#: Blocks from this size up are served by ``mmap`` (glibc's default before it adapts).
MMAP_THRESHOLD_BYTES = 128 * 1024
#: Free memory at the top of the heap beyond this is returned at once (glibc's default, fixed).
TRIM_THRESHOLD_BYTES = 128 * 1024
#: Heaps shared by all threads. glibc gives threads up to 8 per core, each fragmenting on its
#: own; lingua's and Prefect's threads allocate little.
ARENA_MAX = 2


@cache
def _loaded_symbols() -> Any:
    # The symbols already loaded into this process, the C library's among them; unlike
    # ``ctypes.util.find_library`` this starts no ``ldconfig`` (20 ms, on every run's start).
    return ctypes.CDLL(None)


def _call(function: str, *arguments: int) -> None:
    native = getattr(_loaded_symbols(), function, None)
    if native is not None:
        native(*arguments)


def configure_heap() -> None:
    """Fix glibc's mmap and trim thresholds, cap its arenas and put Arrow's allocations on
    glibc's heap, for this process and the processes it forks. Call early: blocks already
    placed stay where they are."""
    _call("mallopt", _M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    _call("mallopt", _M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    _call("mallopt", _M_ARENA_MAX, ARENA_MAX)
    pa.set_memory_pool(pa.system_memory_pool())


def return_free_memory() -> None:
    """Hand the heap's free pages back to the operating system (glibc's ``malloc_trim``).

    Memory that Python or a native library frees inside glibc's heap stays in this process's
    resident size until trimmed.
    """
    _call("malloc_trim", 0)
