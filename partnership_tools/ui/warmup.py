"""Work an app's first screen needs that does not depend on the page's request, done early.

``partnership-tools serve`` keeps preheated kernels (``partnership_tools.server.preheat``): each
has run its app notebook up to the point where the app reads the page's query, and waits there
for a page. Whatever the notebook does before that point costs a page nothing, so the app
notebooks call :func:`warm_up` in their import cell with what their first screen will need: the
modules a panel imports only when it is built (the ballot reader, the charts), Altair's offline
renderer and the Vega bundle, the shipped instruments (read once, then cached).

Outside a preheated kernel (an ordinary Voilà kernel, papermill, nbval) :func:`warm_up` does
nothing, so a notebook imports no more than its first screen needs. A failure is logged and
ignored: the app meets the same problem later and says so in one sentence.

>>> preheating()  # not in a preheated kernel here, so warm_up(...) would do nothing
False
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from collections.abc import Callable, Sequence

__all__ = ["preheating", "warm_up"]

log = logging.getLogger("partnership_tools.ui")


def preheating() -> bool:
    """True in a preheated Voilà kernel that has not yet had its page (``VOILA_PREHEAT``)."""
    return os.environ.get("VOILA_PREHEAT", "False") == "True"


def warm_up(
    *, modules: Sequence[str] = (), charts: bool = False, instruments: bool = False
) -> None:
    """In a preheated kernel: import ``modules``, make Altair draw offline (``charts``) and read
    the shipped instruments (``instruments``); anywhere else, nothing (returns None, so a
    notebook cell ending with it shows nothing)."""
    if not preheating():
        return
    for name in modules:
        _quietly(f"importing {name}", functools.partial(importlib.import_module, name))
    if charts:
        from partnership_tools.ui.common import enable_altair

        _quietly("preparing the charts", enable_altair)
    if instruments:
        from partnership_tools.review.instrument import list_instruments

        _quietly("reading the shipped instruments", list_instruments)


def _quietly(doing: str, step: Callable[[], object]) -> None:
    try:
        step()
    except Exception:  # noqa: BLE001 - the app reports it when it gets there
        log.warning("Warm-up: %s failed.", doing, exc_info=True)
