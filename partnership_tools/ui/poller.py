"""The one poller of the live apps: refresh what a page shows from the store every few seconds.

Two layers, both safe to start and stop any number of times:

* :class:`Poller`: call ``callback()`` every ``interval`` seconds on a daemon thread until
  :meth:`Poller.stop`. A failing call is logged (``partnership_tools.ui``) and polling goes on.
* :class:`StorePoller`: what the apps use. ``tick(store)`` is called every ``interval``
  seconds with a store *of the poller's own*, opened on first use on the polling thread (SQLite
  connections belong to the thread that opened them, so the page's own store is never shared).
  ``interval`` None or 0 turns polling off (as in tests): :meth:`StorePoller.start` does
  nothing, and :meth:`StorePoller.poll_once` runs one tick in the calling thread instead.

The facilitator refreshes its live ballot count with it, the projector its whole screen; the
review app may follow its response count the same way::

    self.poller = StorePoller(self.poll_interval, self.refresh_count,
                              db_path=self.db_path, name="pt-facilitator-count")
    self.poller.start()   # when a round opens
    self.poller.stop()    # when it closes

>>> seen = []
>>> p = StorePoller(None, seen.append, open_store=lambda: "store")
>>> p.enabled, p.running
(False, False)
>>> p.start(); p.running
False
>>> p.poll_once(); seen
['store']
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("partnership_tools.ui")

__all__ = ["Poller", "StorePoller"]


class Poller:
    """Call ``callback`` every ``interval`` seconds on a daemon thread until :meth:`stop`.

    The first call comes one ``interval`` after :meth:`start`. A failing call is logged and
    polling goes on; :meth:`start` on a running poller does nothing.

    >>> import time
    >>> calls = []
    >>> p = Poller(0.01, lambda: calls.append(1), name="pt-doctest")
    >>> p.start(); time.sleep(0.2); p.stop(); len(calls) > 0
    True
    """

    def __init__(
        self, interval: float, callback: Callable[[], object], name: str = "pt-poller"
    ) -> None:
        self.interval = float(interval)
        self.callback = callback
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while the thread runs and :meth:`stop` was not called."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        stop = self._stop
        while not stop.wait(self.interval):
            try:
                self.callback()
            except Exception:  # noqa: BLE001 - keep polling; the log has the details
                log.exception("The live update failed")


class StorePoller:
    """Call ``tick(store)`` every ``interval`` seconds with the poller's own store.

    ``interval``: seconds between ticks (None or 0: off); ``tick``: what to refresh, given a
    store; ``db_path``: the store to open for the polling thread (a
    :class:`~partnership_tools.store.Store`), or ``open_store``: a function opening it
    (anything, for tests); ``name``: the thread's name, seen in the log.

    The store is opened once, on the first tick, in the thread that runs the tick.
    """

    def __init__(
        self,
        interval: float | None,
        tick: Callable[[Any], object],
        *,
        db_path: str | os.PathLike[str] | None = None,
        open_store: Callable[[], Any] | None = None,
        name: str = "pt-poller",
    ) -> None:
        self.interval = interval
        self.tick = tick
        self.db_path = db_path
        self.name = name
        self._open_store = open_store
        self._store: Any = None
        self._poller: Poller | None = None

    @property
    def enabled(self) -> bool:
        """Whether :meth:`start` starts a thread (an ``interval`` was given)."""
        return bool(self.interval)

    @property
    def running(self) -> bool:
        return self._poller is not None and self._poller.running

    @property
    def store(self) -> Any:
        """The poller's own store, opened on first use."""
        if self._store is None:
            if self._open_store is not None:
                self._store = self._open_store()
            else:
                from partnership_tools.store import Store

                self._store = Store(self.db_path)
        return self._store

    def poll_once(self) -> None:
        """One tick now, in this thread, with the poller's store (what the thread does)."""
        self.tick(self.store)

    def start(self) -> None:
        """Start polling (nothing when disabled or already running)."""
        if not self.enabled:
            return
        if self._poller is None:
            assert self.interval is not None
            self._poller = Poller(self.interval, self.poll_once, name=self.name)
        self._poller.start()

    def stop(self) -> None:
        """Stop polling (safe when it never started)."""
        if self._poller is not None:
            self._poller.stop()
