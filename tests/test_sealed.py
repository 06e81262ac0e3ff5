"""``flows.news_etl.Sealed``: how a batch's arguments travel to a Dask worker."""

from __future__ import annotations

import threading
import time

from dask.base import tokenize
from distributed.protocol.pickle import dumps, loads

from flows.news_etl import Sealed


class CountsUnpickling:
    """A value that records each time it is unpickled."""

    unpickled = 0

    def __init__(self, payload: str) -> None:
        self.payload = payload

    def __setstate__(self, state: dict[str, str]) -> None:
        type(self).unpickled += 1
        self.__dict__.update(state)


def test_a_sealed_value_crosses_dasks_scheduler_without_being_unpickled() -> None:
    """Dask's scheduler unpickles each task it is given and pickles it again for a worker; a
    seal passes through that as bytes, and unpickles its value once, where it is read."""
    CountsUnpickling.unpickled = 0
    sealed = Sealed(CountsUnpickling("a batch"))
    sent = dumps(sealed)
    on_scheduler = loads(sent)
    to_worker = dumps(on_scheduler)
    assert CountsUnpickling.unpickled == 0
    assert to_worker == sent
    assert tokenize(on_scheduler) == tokenize(sealed)

    on_worker = loads(to_worker)
    assert on_worker.value.payload == "a batch"
    assert on_worker.value is on_worker.value
    assert CountsUnpickling.unpickled == 1
    # Read, it let its bytes go; sent on again (Dask may move a task), it pickles its value.
    assert on_worker._pickled is None
    assert loads(dumps(on_worker)).value.payload == "a batch"


class SlowToUnpickle:
    """Unpickling takes long enough for every thread to ask for the value meanwhile."""

    def __init__(self) -> None:
        self.payload = "a batch"  # some state, or pickle never calls __setstate__

    def __setstate__(self, state: dict[str, str]) -> None:
        time.sleep(0.05)
        self.__dict__.update(state)


def test_threads_reading_one_seal_share_one_unpickled_value() -> None:
    on_worker = loads(dumps(Sealed(SlowToUnpickle())))
    start = threading.Barrier(8)
    seen: list[object] = []

    def read() -> None:
        start.wait()
        seen.append(on_worker.value)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(value) for value in seen}) == 1


def test_a_seal_made_in_this_process_gives_its_value_as_is() -> None:
    """The one-process path reads ``.value`` without any pickling."""
    value = CountsUnpickling("a batch")
    assert Sealed(value).value is value
