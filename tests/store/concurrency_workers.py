"""What each process of ``tests/store/test_concurrency.py`` runs (a module of its own, importable
by a freshly spawned interpreter, without pytest).

Every worker opens the store itself (as a participants' page process does), waits at a barrier
shared with its siblings so they all start at once, does its part and puts ``(tag, payload)``
records on a queue; an unexpected exception is put as ``("error", text)`` so the test fails with
what went wrong instead of waiting.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any

#: Seconds any worker waits at the barrier (or for a thread) before giving up.
WAIT = 120.0


def _report_errors(queue: Any, fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except BaseException:  # noqa: BLE001 - every failure goes back to the test
        queue.put(("error", traceback.format_exc()))


def race_one_code(
    target: str, sid: str, token: str, code_hash: str, lock_key: int, barrier: Any, queue: Any
) -> None:
    """Cast one ballot with ``code_hash`` using ``token``, told no ballot holds the code yet.

    ``lock_key``: 0 keeps the store's write serialisation; any other value gives this process a
    write lock of its own (so writers of different processes no longer queue), leaving the
    database's unique index as the only guard."""
    _report_errors(queue, _race_one_code, target, sid, token, code_hash, lock_key, barrier, queue)


def _race_one_code(
    target: str, sid: str, token: str, code_hash: str, lock_key: int, barrier: Any, queue: Any
) -> None:
    from partnership_tools.store import Store
    from partnership_tools.store import db as dbmod
    from partnership_tools.store import integrity as ig
    from partnership_tools.vote.model import Ballot

    if lock_key:
        dbmod.WRITE_LOCK_KEY = lock_key
    store = Store(target)
    store.ballot_count(sid, 1)  # open the store (and its pool) before the start
    barrier.wait(WAIT)
    try:
        r = ig.cast_with_token(
            store, token, sid, Ballot(("A",), participant_hash=code_hash), expect=None
        )
        queue.put(("receipt", r.receipt))
    except ig.Conflict as exc:
        queue.put(("refused", str(exc)))
    finally:
        store.close()


def cast_and_retry(
    target: str,
    sid: str,
    worker: int,
    threads: int,
    ballots: int,
    retries: int,
    barrier: Any,
    queue: Any,
) -> None:
    """``threads`` threads sharing this process's store; each issues ``ballots`` form tokens
    and casts each one, then sends the same form again ``retries`` times (a dropped
    connection). Puts ``("cast", (token, ballot id, receipt, repeated, ranking))`` per cast."""
    _report_errors(
        queue, _cast_and_retry, target, sid, worker, threads, ballots, retries, barrier, queue
    )


def _cast_and_retry(
    target: str,
    sid: str,
    worker: int,
    threads: int,
    ballots: int,
    retries: int,
    barrier: Any,
    queue: Any,
) -> None:
    from partnership_tools.store import Store
    from partnership_tools.store import integrity as ig
    from partnership_tools.vote.model import Ballot

    store = Store(target)
    store.ballot_count(sid, 1)
    barrier.wait(WAIT)

    def run(thread: int) -> None:
        browser = f"w{worker}t{thread}"
        for k in range(ballots):
            ranking = ("A", "B") if (worker + thread + k) % 2 else ("B", "A")
            token = ig.issue_form_token(store, sid, 1, ["A", "B"], browser=browser)
            for _ in range(1 + retries):
                r = ig.cast_with_token(store, token, sid, Ballot(ranking), browser=browser)
                queue.put(("cast", (token, r.ballot_id, r.receipt, r.repeated, ranking)))

    pool = [threading.Thread(target=_report_errors, args=(queue, run, t)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(WAIT)
    store.close()


def take_tokens(
    target: str,
    key: str,
    capacity: float,
    threads: int,
    tries: int,
    now: float,
    barrier: Any,
    queue: Any,
) -> None:
    """``threads`` threads each take ``tries`` tokens from one bucket ``key`` at the fixed
    time ``now`` (so nothing refills); puts ``("took", wait)`` per try."""
    _report_errors(queue, _take_tokens, target, key, capacity, threads, tries, now, barrier, queue)


def _take_tokens(
    target: str,
    key: str,
    capacity: float,
    threads: int,
    tries: int,
    now: float,
    barrier: Any,
    queue: Any,
) -> None:
    from partnership_tools.store import Store
    from partnership_tools.store import integrity as ig

    store = Store(target)
    store.list_sessions()
    bucket = ig.Bucket(capacity=capacity, per_second=0.5)
    barrier.wait(WAIT)

    def run() -> None:
        for _ in range(tries):
            queue.put(("took", ig.take_token(store, key, bucket, now=now)))

    pool = [threading.Thread(target=_report_errors, args=(queue, run)) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(WAIT)
    store.close()
