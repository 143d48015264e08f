"""The session model of a Crowd Wise vote: options, ballots, rounds and sessions.

Every class here is a frozen dataclass with ``to_dict``/``from_dict`` that round-trip exactly, so a
session can be written to a JSON file and read back without loss.

>>> opt = Option(id="A", label="Share a chief executive")
>>> Option.from_dict(opt.to_dict()) == opt
True
>>> b = Ballot(ranking=("A", "B"), group="Managers")
>>> b.ranks_all(("A", "B", "C"))
False
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cattrs.gen import make_dict_unstructure_fn

from partnership_tools.kernel.clock import utc_now
from partnership_tools.kernel.serial import converter
from partnership_tools.vote.records import from_record, lenient, to_record

ROUND_STATUSES = ("draft", "open", "closed")


def hash_participant(code: str, salt: str) -> str:
    """SHA-256 of ``salt + ":" + CODE`` (trimmed, upper case): codes are never stored in clear.

    >>> hash_participant(" abc123 ", "s") == hash_participant("ABC123", "s")
    True
    >>> len(hash_participant("ABC123", "s"))
    64
    """
    return hashlib.sha256(f"{salt}:{code.strip().upper()}".encode()).hexdigest()


@dataclass(frozen=True)
class Option:
    """One option on the ballot paper.

    ``amended_from`` names the single option this one is a new version of; ``merged_from`` names
    the two or more options it was made from. An original option has neither. ``proposer`` says
    who proposed it and ``reason`` why (both free text, optional). An empty ``reason`` is left
    out of the saved record, so files saved before it existed read and digest exactly as before.

    >>> Option("A", "Alpha").to_dict().get("reason") is None
    True
    >>> Option.from_dict(Option("A", "Alpha", proposer="Ana", reason="cheaper").to_dict()).reason
    'cheaper'
    """

    id: str
    label: str
    description: str = ""
    proposer: str = ""
    amended_from: str | None = None
    merged_from: tuple[str, ...] = ()
    reason: str = ""

    def __post_init__(self) -> None:
        if not str(self.id).strip():
            raise ValueError("An option needs a non-empty id.")
        if not str(self.label).strip():
            raise ValueError(f"Option {self.id!r} needs a non-empty label.")
        if self.amended_from and self.merged_from:
            raise ValueError(f"Option {self.id!r} cannot be both amended and merged.")
        if self.merged_from and len(self.merged_from) < 2:
            raise ValueError(f"Option {self.id!r} must be merged from two or more options.")
        object.__setattr__(self, "merged_from", tuple(self.merged_from))

    @property
    def parents(self) -> tuple[str, ...]:
        if self.amended_from:
            return (self.amended_from,)
        return self.merged_from

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Option:
        return from_record(cls, d)


@dataclass(frozen=True)
class Ballot:
    """One voter's ranking: option ids, most preferred first; unranked options are left out.

    ``participant_hash`` is the salted hash of a one-time code, never the code itself.
    ``shown_order`` records the order in which the options were shown to the voter.
    ``source`` is ``web``, ``paper`` or ``import``.
    """

    ranking: tuple[str, ...]
    group: str | None = None
    participant_hash: str | None = None
    submitted_at: str = field(default_factory=utc_now)
    shown_order: tuple[str, ...] = ()
    source: str = "web"

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranking", tuple(self.ranking))
        object.__setattr__(self, "shown_order", tuple(self.shown_order))
        if len(set(self.ranking)) != len(self.ranking):
            raise ValueError("A ballot cannot rank an option twice.")

    def ranks_all(self, option_ids: tuple[str, ...]) -> bool:
        return set(self.ranking) == set(option_ids)

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Ballot:
        return from_record(cls, d)


@dataclass(frozen=True)
class Round:
    """One round of voting: its own option list, its state and its ballots."""

    number: int
    option_ids: tuple[str, ...]
    status: str = "draft"
    ballots: tuple[Ballot, ...] = ()
    opened_at: str | None = None
    closed_at: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_ids", tuple(self.option_ids))
        object.__setattr__(self, "ballots", tuple(self.ballots))
        if self.status not in ROUND_STATUSES:
            raise ValueError(f"Round status must be one of {', '.join(ROUND_STATUSES)}.")
        if len(set(self.option_ids)) != len(self.option_ids):
            raise ValueError(f"Round {self.number} lists an option twice.")

    @property
    def rankings(self) -> list[tuple[str, ...]]:
        return [b.ranking for b in self.ballots]

    @property
    def groups(self) -> list[str | None]:
        return [b.group for b in self.ballots]

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Round:
        return from_record(cls, d)


@dataclass(frozen=True)
class Session:
    """A Crowd Wise session: a question, a consensus threshold, every option ever proposed
    (old ones stay for audit) and the rounds, in order.

    ``groups`` lists the stakeholder groups voters may choose from (empty: no group question).
    ``facilitator_key_hash`` guards facilitator actions; ``code_salt`` salts participant codes.
    """

    id: str
    question: str
    threshold: float = 0.7
    options: tuple[Option, ...] = ()
    rounds: tuple[Round, ...] = ()
    groups: tuple[str, ...] = ()
    created_at: str = field(default_factory=utc_now)
    results_published: bool = False
    uses_codes: bool = False
    code_salt: str = ""
    facilitator_key_hash: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "rounds", tuple(self.rounds))
        object.__setattr__(self, "groups", tuple(self.groups))
        if not str(self.question).strip():
            raise ValueError("A session needs a question.")
        if not 0 < float(self.threshold) <= 1:
            raise ValueError("The consensus threshold must be greater than 0 and at most 1.")
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError("Two options share an id.")
        known = set(ids)
        for o in self.options:
            for p in o.parents:
                if p not in known:
                    raise ValueError(f"Option {o.id!r} names an unknown parent {p!r}.")
        for r in self.rounds:
            missing = [i for i in r.option_ids if i not in known]
            if missing:
                raise ValueError(f"Round {r.number} names unknown option(s): {', '.join(missing)}.")

    # -- lookups ---------------------------------------------------------------------------
    def option(self, option_id: str) -> Option:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(f"No option {option_id!r} in this session.")

    def round(self, number: int) -> Round:
        for r in self.rounds:
            if r.number == number:
                return r
        raise KeyError(f"This session has no round {number}.")

    @property
    def labels(self) -> dict[str, str]:
        return {o.id: o.label for o in self.options}

    @property
    def current_round(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def open_round(self) -> Round | None:
        for r in self.rounds:
            if r.status == "open":
                return r
        return None

    def round_options(self, number: int) -> tuple[Option, ...]:
        return tuple(self.option(i) for i in self.round(number).option_ids)

    def ancestors(self, option_id: str) -> tuple[str, ...]:
        """Every option this one descends from, nearest first (breadth-first, no repeats)."""
        seen: list[str] = []
        frontier = list(self.option(option_id).parents)
        while frontier:
            nxt: list[str] = []
            for p in frontier:
                if p not in seen:
                    seen.append(p)
                    nxt.extend(self.option(p).parents)
            frontier = nxt
        return tuple(seen)

    def replace(self, **changes: Any) -> Session:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return to_record(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Session:
        return from_record(cls, d)


# -- reading records: what old or hand-written files may leave out -------------------------
lenient(
    Option,
    lambda d: {
        **d,
        "description": d.get("description") or "",
        "proposer": d.get("proposer") or "",
        "amended_from": d.get("amended_from") or None,
        "merged_from": d.get("merged_from") or (),
        "reason": d.get("reason") or "",
    },
)

_unstructure_option = make_dict_unstructure_fn(Option, converter)


def _option_record(o: Option) -> dict[str, Any]:
    """An option's record without an empty ``reason`` (older files never had the key)."""
    d = _unstructure_option(o)
    if not d.get("reason"):
        d.pop("reason", None)
    return d


converter.register_unstructure_hook(Option, _option_record)
lenient(
    Ballot,
    lambda d: {
        **d,
        "group": d.get("group") or None,
        "participant_hash": d.get("participant_hash") or None,
        "submitted_at": d.get("submitted_at") or "",
        "shown_order": d.get("shown_order") or (),
        "source": d.get("source") or "web",
    },
)
lenient(
    Round,
    lambda d: {
        **d,
        "status": d.get("status") or "closed",
        "ballots": d.get("ballots") or (),
        "opened_at": d.get("opened_at"),
        "closed_at": d.get("closed_at"),
    },
)
lenient(
    Session,
    lambda d: {
        **d,
        "threshold": float(d.get("threshold", 0.7)),
        "created_at": d.get("created_at") or "",
        "groups": d.get("groups") or (),
        "results_published": bool(d.get("results_published", False)),
        "uses_codes": bool(d.get("uses_codes", False)),
        "code_salt": d.get("code_salt") or "",
        "facilitator_key_hash": d.get("facilitator_key_hash") or "",
        "settings": d.get("settings") or {},
        "options": d.get("options") or (),
        "rounds": d.get("rounds") or (),
    },
)
