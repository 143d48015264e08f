"""The apps' one poller: a daemon thread that keeps going after a failure, and a store of its own."""

from __future__ import annotations

import threading
import time

from partnership_tools.ui.poller import Poller, StorePoller


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_poller_keeps_going_after_a_failure_and_stops():
    calls = []

    def tick():
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            raise RuntimeError("the store is busy")

    p = Poller(0.01, tick, name="pt-test-poller")
    p.start()
    p.start()  # a second start does not start a second thread
    assert wait_for(lambda: len(calls) >= 3)
    assert set(calls) == {"pt-test-poller"}
    p.stop()
    assert not p.running
    time.sleep(0.05)
    n = len(calls)
    time.sleep(0.1)
    assert len(calls) == n
    p.start()  # and it can start again
    assert wait_for(lambda: len(calls) > n)
    p.stop()


def test_store_poller_opens_its_store_once_on_the_polling_thread():
    opened, ticks = [], []

    def open_store():
        opened.append(threading.current_thread().name)
        return object()

    p = StorePoller(0.01, ticks.append, open_store=open_store, name="pt-test-store")
    assert p.enabled and not p.running
    p.start()
    assert wait_for(lambda: len(ticks) >= 3)
    p.stop()
    assert opened == ["pt-test-store"]
    assert len({id(t) for t in ticks}) == 1  # the same store every time


def test_store_poller_switched_off():
    ticks = []
    for interval in (None, 0):
        p = StorePoller(interval, ticks.append, open_store=lambda: "the store")
        p.start()
        assert not p.enabled and not p.running
        p.stop()  # safe when it never started
    time.sleep(0.05)
    assert ticks == []
    p.poll_once()
    assert ticks == ["the store"]


def test_store_poller_opens_the_store_at_db_path(tmp_path):
    from partnership_tools.store import Store

    Store(tmp_path / "s.sqlite").close()
    p = StorePoller(None, lambda _s: None, db_path=tmp_path / "s.sqlite")
    assert isinstance(p.store, Store)
    assert str(p.store.path) == str(tmp_path / "s.sqlite")
    p.store.close()
