"""What changed on the ballot paper since the previous round, in words the room can read.

For round ``N`` (not the first), each option on its paper that was not on round ``N - 1``'s is
described by its own record: *merged* (``merged_from``), *amended* (``amended_from``) or *new*
(neither). Its sources are the nearest options of its lineage that were on the previous paper
(see :func:`~partnership_tools.vote.compare.predecessors_in`), or its own parents when none of
them was. Options of the previous paper that are gone are listed too, with what became of them.

Ids come first, so paper voters and the projector agree; labels are quoted after them:

>>> from partnership_tools.vote.model import Option, Round, Session
>>> s = Session(id="s", question="q", options=(
...     Option("A", "Alpha"), Option("B", "Beta"), Option("D", "Delta"), Option("E", "Echo"),
...     Option("F", "Beta and Delta", merged_from=("B", "D")),
...     Option("G", "Echo, yearly", amended_from="E"), Option("H", "Hotel")),
...     rounds=(Round(1, ("A", "B", "D", "E"), "closed"), Round(2, ("A", "F", "G", "H"), "open")))
>>> [n.text(labels=False) for n in changes_since_previous(s, 2)]
['F is new: merged from B and D.', 'G amends E.', 'H is new.']
>>> changes_since_previous(s, 2)[1].text()
'G “Echo, yearly” amends E “Echo”.'
>>> changes_since_previous(s, 1)
()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from partnership_tools.vote.compare import predecessors_in
from partnership_tools.vote.model import Session

__all__ = ["OptionNote", "changes_since_previous", "gone_since_previous", "previous_round_number"]


@dataclass(frozen=True)
class OptionNote:
    """One changed option: ``kind`` is ``"merged"``, ``"amended"`` or ``"new"``; ``sources``
    the ``(id, label)`` of the options it came from."""

    id: str
    label: str
    kind: str
    sources: tuple[tuple[str, str], ...] = ()

    def text(self, labels: bool = True) -> str:
        """``F “Joint hub” is new: merged from B “Shared office” and D “Pool”.`` (ids only with
        ``labels=False``)."""

        def name(oid: str, label: str) -> str:
            return f"{oid} “{label}”" if labels and label != oid else oid

        me = name(self.id, self.label)
        parts = [name(i, lab) for i, lab in self.sources]
        if self.kind == "merged":
            return f"{me} is new: merged from {_join(parts)}."
        if self.kind == "amended":
            return f"{me} amends {_join(parts)}."
        return f"{me} is new."


def previous_round_number(session: Session, number: int) -> int | None:
    """The number of the round before ``number`` in the session's order (``None`` for the first).

    >>> from partnership_tools.vote.model import Round
    >>> s = Session(id="s", question="q", rounds=(Round(1, ()), Round(2, ())))
    >>> previous_round_number(s, 2), previous_round_number(s, 1)
    (1, None)
    """
    numbers = [r.number for r in session.rounds]
    if number not in numbers:
        return None
    i = numbers.index(number)
    return numbers[i - 1] if i > 0 else None


def changes_since_previous(session: Session, number: int) -> tuple[OptionNote, ...]:
    """The options of round ``number`` that were not on the previous round's paper, in that
    round's paper order (``()`` for the first round or an unknown one)."""
    before = previous_round_number(session, number)
    if before is None:
        return ()
    earlier = tuple(session.round(before).option_ids)
    labels = session.labels
    notes: list[OptionNote] = []
    for oid in session.round(number).option_ids:
        if oid in earlier:
            continue
        option = session.option(oid)
        if option.merged_from:
            kind = "merged"
        elif option.amended_from:
            kind = "amended"
        else:
            kind = "new"
        sources: Sequence[str] = ()
        if kind != "new":
            sources = predecessors_in(session, oid, earlier) or option.parents
            if kind == "merged":  # in the order the merge named them, then any others
                sources = sorted(sources, key=lambda p: _position(option.merged_from, p))
        notes.append(
            OptionNote(
                oid, labels.get(oid, oid), kind, tuple((p, labels.get(p, p)) for p in sources)
            )
        )
    return tuple(notes)


def gone_since_previous(session: Session, number: int) -> tuple[tuple[str, str], ...]:
    """``(id, label)`` of the previous round's options that are not on round ``number``'s paper.

    >>> from partnership_tools.vote.model import Option, Round
    >>> s = Session(id="s", question="q", options=(Option("A", "a"), Option("B", "b")),
    ...             rounds=(Round(1, ("A", "B"), "closed"), Round(2, ("A",))))
    >>> gone_since_previous(s, 2)
    (('B', 'b'),)
    """
    before = previous_round_number(session, number)
    if before is None:
        return ()
    now = set(session.round(number).option_ids)
    labels = session.labels
    return tuple(
        (oid, labels.get(oid, oid)) for oid in session.round(before).option_ids if oid not in now
    )


def _position(order: Sequence[str], item: str) -> int:
    return order.index(item) if item in order else len(order)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
