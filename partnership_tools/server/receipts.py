"""Receipt pages for participants: check that a ballot was counted as cast, and (when the
facilitator publishes it) the list of every receipt with its ranking, so anyone can recount.

``/vote/<session>/receipt`` shows a form; ``?code=RECEIPT`` looks the receipt up among the
session's stored ballots (:meth:`~partnership_tools.store.Store.find_receipt`) and shows the
round and the ranking it stands for, option by option, with the round's state (still open, or
closed and counted). A receipt nobody holds, or one whose ballot was replaced by a later ballot
cast with the same participant code, is "not found", with what that can mean. The page needs no
token and no JavaScript and changes nothing (a GET form).

``/vote/<session>/receipts`` lists, for each closed round, every receipt (sorted, so arrival
order is not shown) with its ranking as option ids, and the options' labels: feeding those
rankings to any Modified Borda Count counter gives the published results. It exists only while
the session's ``settings["publish_receipts"]`` is true (set on the facilitator's Codes tab);
otherwise it answers 404 with one sentence. Groups are never listed. Publishing rankings beside
receipts lets a voter show others how they voted, which is why it is the facilitator's choice.

Both are one route, added to :func:`partnership_tools.server.handlers.participant_handlers`
(``/vote/<session>/(receipt|receipts)``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from partnership_tools.server.handlers import (
    BaseParticipantHandler,
    PageError,
    raise_unknown_session,
    read_ballot_session,
)
from partnership_tools.store import Store
from partnership_tools.store.integrity import ballot_mode
from partnership_tools.store.sessions import RECEIPT_LENGTH, normalise_receipt
from partnership_tools.vote.model import Session

__all__ = [
    "PUBLISH_RECEIPTS",
    "ReceiptHandler",
    "published_receipts",
    "receipts_published",
    "revote_means",
]

#: The session setting that publishes the list of receipts.
PUBLISH_RECEIPTS = "publish_receipts"
#: The longest receipt text looked at (anything longer is refused before any lookup).
MAX_CODE_CHARS = 40


def receipts_published(session: Session) -> bool:
    """Whether the facilitator chose to publish the list of receipts.

    >>> receipts_published(Session(id="s", question="q", settings={"publish_receipts": True}))
    True
    >>> receipts_published(Session(id="s", question="q"))
    False
    """
    return bool(session.settings.get(PUBLISH_RECEIPTS))


def revote_means(session: Session) -> str:
    """How a second ballot in the same round replaces the first, by the session's ballot mode
    (:func:`~partnership_tools.store.integrity.ballot_mode`), as the end of the sentence "If you
    voted again in the same round …": ``codes``, with the participant code; ``browser``, from the
    same phone or computer; ``open``, ``""`` (nothing replaces a ballot, so the page says nothing
    about it).

    >>> revote_means(Session(id="s", question="q", uses_codes=True))
    'with your participant code'
    >>> revote_means(Session(id="s", question="q", settings={"ballot_mode": "browser"}))
    'from the same phone or computer'
    >>> revote_means(Session(id="s", question="q", settings={"ballot_mode": "open"}))
    ''
    """
    return {
        "codes": "with your participant code",
        "browser": "from the same phone or computer",
    }.get(ballot_mode(session), "")


def published_receipts(store: Store, session: Session) -> list[dict[str, Any]]:
    """Each closed round as ``{"number", "options", "receipts"}``: the round's options (id,
    label) and its receipts with their rankings (see :meth:`Store.round_receipts`); open
    rounds are left out.

    >>> import tempfile, os
    >>> from partnership_tools.vote.model import Ballot, Option
    >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
    >>> s = store.create_session("Which way?")
    >>> _ = store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
    >>> _ = store.open_round(s.id, ["A", "B"])
    >>> _ = store.add_ballot(s.id, 1, Ballot(("B", "A")))
    >>> published_receipts(store, store.load_session(s.id))
    []
    >>> store.close_round(s.id, 1)
    >>> (r,) = published_receipts(store, store.load_session(s.id))
    >>> r["options"], [x["ranking"] for x in r["receipts"]]
    ([('A', 'Alpha'), ('B', 'Beta')], [('B', 'A')])
    """
    out = []
    for rnd in session.rounds:
        if rnd.status != "closed":
            continue
        out.append(
            {
                "number": rnd.number,
                "options": [(oid, session.labels[oid]) for oid in rnd.option_ids],
                "receipts": store.round_receipts(session.id, rnd.number),
            }
        )
    return out


def _lookup(store: Store, session_id: str, code: str) -> dict | None:
    return store.find_receipt(session_id, code)


class ReceiptHandler(BaseParticipantHandler):
    """``/vote/<session>/receipt`` (check one) and ``/vote/<session>/receipts`` (the list)."""

    async def get(self, session_id: str, which: str) -> None:
        session = await self.app.run(read_ballot_session, session_id)
        if session is None:
            raise_unknown_session()
        if which == "receipts":
            await self.list_page(session)
        else:
            await self.check_page(session)

    def _urls(self, session: Session) -> dict[str, str]:
        sid = quote(session.id, safe="")
        return {
            "ballot_url": self.app.url(f"vote/{sid}"),
            "check_url": self.app.url(f"vote/{sid}/receipt"),
            "list_url": self.app.url(f"vote/{sid}/receipts"),
        }

    async def check_page(self, session: Session) -> None:
        raw = self.get_query_argument("code", "") or ""
        code = normalise_receipt(raw[:MAX_CODE_CHARS])
        found = None
        problem = ""
        if raw.strip():
            if (
                len(raw) > MAX_CODE_CHARS
                or len(code) != RECEIPT_LENGTH
                or not all(ch in "0123456789ABCDEF" for ch in code)
            ):
                problem = (
                    f"A receipt code is {RECEIPT_LENGTH} letters and digits (0-9 and A-F);"
                    " type it as the confirmation page showed it."
                )
            else:
                found = await self.app.run(_lookup, session.id, code)
        ranking: list[tuple[int, str]] = []
        unranked: list[str] = []
        rnd = None
        if found:
            rnd = session.round(found["round"])
            labels = session.labels
            ranking = [(i, labels[oid]) for i, oid in enumerate(found["ranking"], start=1)]
            unranked = [labels[o] for o in rnd.option_ids if o not in found["ranking"]]
        self.render(
            "receipt_check.html",
            title="Check your receipt",
            session=session,
            code=code if raw.strip() else "",
            typed=raw[:MAX_CODE_CHARS],
            problem=problem,
            found=found,
            rnd=rnd,
            ranking=ranking,
            unranked=unranked,
            published=receipts_published(session),
            revote_means=revote_means(session),
            receipt_length=RECEIPT_LENGTH,
            **self._urls(session),
        )

    async def list_page(self, session: Session) -> None:
        urls = self._urls(session)
        if not receipts_published(session):
            raise PageError(
                404,
                "The facilitator has not published the list of receipts for this vote; you can"
                " still check your own receipt.",
                "Receipts not published",
                links=[
                    (urls["check_url"], "Check your receipt"),
                    (urls["ballot_url"], "Back to the ballot page"),
                ],
            )
        rounds = await self.app.run(published_receipts, session)
        self.render(
            "receipts.html",
            title="Published receipts",
            session=session,
            rounds=rounds,
            **urls,
        )


def routes(base: str, session_pattern: str, kw: dict) -> list[tuple[str, type, dict]]:
    """The receipt pages' URL rule, for :func:`~partnership_tools.server.handlers.participant_handlers`
    (imported there when the routes are built, since this module builds on that one).

    >>> [rule for rule, _cls, _kw in routes("", "([^/]+)", {})]
    ['/vote/([^/]+)/(receipts?)/?']
    """
    return [(rf"{base}/vote/{session_pattern}/(receipts?)/?", ReceiptHandler, kw)]
