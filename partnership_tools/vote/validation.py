"""Ballot validation shared by the CSV importer, the web ballot page and paper-ballot entry.

A ballot is a ranking of option ids, most preferred first; options left out are unranked. A ballot
is *invalid* when it ranks an option twice, names an option that is not on the ballot paper, ties
two options, or (in the rank-number form) skips a rank or uses a rank that is not a whole number
from 1 to the number of options. An empty ballot is an *abstention*: these functions return ``()``
for it and leave the decision to the caller.

Every problem is raised as a :class:`BallotError` whose ``reason`` is a short plain phrase that
reads well after "Row 5 …" or "This ballot …", for example ``ranks option B twice``.

>>> from partnership_tools.vote.model import Option
>>> options = [Option("A", "Share a chief executive"), Option("B", "Pool budgets"), Option("C", "Joint team")]
>>> parse_ranking("C > pool budgets > a", options)
('C', 'B', 'A')
>>> ranking_from_positions({"A": 2, "B": None, "C": 1}, ["A", "B", "C"])
('C', 'A')
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from partnership_tools.vote.model import Option

__all__ = [
    "BallotError",
    "parse_ranking",
    "ranking_from_positions",
    "resolve_option",
    "validate_ranking",
]

#: Characters that separate places in a typed ranking (``C>A>B``, ``C,A,B``, ``C;A;B``).
PLACE_SEPARATORS = ">,;"
#: The character that joins options sharing a place (a tie, always rejected).
TIE_MARK = "="

_SPLIT_PLACES = re.compile(r"[>,;]")
_WHOLE_NUMBER = re.compile(r"([+-]?\d+)(?:\.0*|st|nd|rd|th)?", re.IGNORECASE)


class BallotError(ValueError):
    """A ballot that cannot be counted; ``reason`` says why in one plain phrase.

    >>> err = BallotError("ranks option B twice")
    >>> err.reason, str(err)
    ('ranks option B twice', 'ranks option B twice')
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- helpers -----------------------------------------------------------------------------------
def _as_options(options: Iterable[Option | str]) -> tuple[Option, ...]:
    """Options as given, with plain strings standing for an option whose id and label are that string."""
    out = []
    for o in options:
        if isinstance(o, Option):
            out.append(o)
        else:
            text = str(o).strip()
            out.append(Option(id=text, label=text))
    return tuple(out)


def _and_join(items: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


class _Resolver:
    """Matches tokens to option ids (exact id, then case-insensitive id, then label), with a cache.

    One resolver is built per option list and reused for every ballot, so importing a large file
    looks each distinct token up only once.
    """

    def __init__(self, options: Iterable[Option | str]) -> None:
        self.options = _as_options(options)
        self.ids = tuple(o.id for o in self.options)
        self.id_set = frozenset(self.ids)
        self._by_id_ci: dict[str, list[str]] = {}
        self._by_label: dict[str, list[str]] = {}
        for o in self.options:
            self._by_id_ci.setdefault(_key(o.id), []).append(o.id)
            self._by_label.setdefault(_key(o.label), []).append(o.id)
        self.single_char = bool(self.ids) and all(len(i) == 1 for i in self.ids)
        self._cache: dict[str, str] = {}

    def __call__(self, token: str) -> str:
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        found = self._resolve(token)
        self._cache[token] = found
        return found

    def _resolve(self, token: str) -> str:
        text = token.strip()
        if text in self.id_set:
            return text
        key = _key(text)
        for table in (self._by_id_ci, self._by_label):
            ids = table.get(key)
            if ids:
                if len(set(ids)) > 1:
                    raise BallotError(f"names '{text}', which could be more than one option")
                return ids[0]
        raise BallotError(f"names an unknown option '{text}'")

    def knows(self, token: str) -> bool:
        try:
            self(token)
        except BallotError:
            return False
        return True


def _check_no_repeats(ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for oid in ids:
        if oid in seen:
            raise BallotError(f"ranks option {oid} twice")
        seen.add(oid)


# -- public functions --------------------------------------------------------------------------
def resolve_option(token: str, options: Sequence[Option | str]) -> str:
    """The id of the option that ``token`` names.

    Tried in order, after trimming surrounding whitespace: the exact id, the id ignoring case, the
    label ignoring case (and runs of inner whitespace). ``options`` holds :class:`Option` objects;
    a plain string stands for an option whose id and label are that string.
    Raises :class:`BallotError` when nothing matches, or when the token fits two options equally.

    >>> options = [Option("A", "Share a chief executive"), Option("B", "Pool budgets")]
    >>> resolve_option("b", options), resolve_option("  POOL budgets ", options)
    ('B', 'B')
    >>> resolve_option("Z", options)
    Traceback (most recent call last):
    ...
    partnership_tools.vote.validation.BallotError: names an unknown option 'Z'
    """
    return _Resolver(options)(token)


def parse_ranking(text: str | None, options: Sequence[Option | str]) -> tuple[str, ...]:
    """Parse a typed ranking into a tuple of option ids, first choice first.

    Accepted forms: ``C>A>B``, ``C > A > B``, ``C,A,B`` or ``C;A;B`` (the separators may be mixed),
    where each place is an option id or label (see :func:`resolve_option`). When every option id is
    a single character, the compact form ``CAB`` (any case, spaces ignored) is accepted too, as a
    facilitator types paper ballots; a whole text that names one option (``A``, or a label) is read
    as that option first. Empty places (``C>A>B>``) are ignored. A place written ``A=B`` is a tie
    and is rejected: Crowd Wise ballots rank options strictly.

    Empty or blank text returns ``()``: an abstention, for the caller to record or refuse.
    Raises :class:`BallotError` for an unknown option, an option ranked twice, or a tie.

    >>> opts = [Option("A", "Share a chief executive"), Option("B", "Pool budgets"), Option("C", "Joint team")]
    >>> parse_ranking("C>A>B", opts), parse_ranking("c, a", opts), parse_ranking("cab", opts)
    (('C', 'A', 'B'), ('C', 'A'), ('C', 'A', 'B'))
    >>> parse_ranking("Joint team > Share a chief executive", opts)
    ('C', 'A')
    >>> parse_ranking("   ", opts)
    ()
    >>> parse_ranking("C>A=B", opts)
    Traceback (most recent call last):
    ...
    partnership_tools.vote.validation.BallotError: ties options A and B at rank 2
    >>> parse_ranking("CAC", opts)
    Traceback (most recent call last):
    ...
    partnership_tools.vote.validation.BallotError: ranks option C twice
    """
    return _parse_with(text, _Resolver(options))


def _parse_with(text: str | None, resolve: _Resolver) -> tuple[str, ...]:
    """:func:`parse_ranking` with a prepared (and caching) resolver."""
    if text is None:
        return ()
    text = str(text).strip()
    if not text:
        return ()
    places = [p.strip() for p in _SPLIT_PLACES.split(text)]
    places = [p for p in places if p.strip(TIE_MARK + " \t")]
    if not places:
        return ()
    if len(places) == 1 and TIE_MARK not in places[0]:
        return _parse_single(places[0], resolve)
    ranking: list[str] = []
    seen: set[str] = set()
    for number, place in enumerate(places, start=1):
        members = [m.strip() for m in place.split(TIE_MARK) if m.strip()]
        ids = [resolve(m) for m in members]
        if len(ids) > 1:
            if len(set(ids)) < len(ids):
                _check_no_repeats(ids)
            raise BallotError(f"ties options {_and_join(ids)} at rank {number}")
        oid = ids[0]
        if oid in seen:
            raise BallotError(f"ranks option {oid} twice")
        seen.add(oid)
        ranking.append(oid)
    return tuple(ranking)


def _parse_single(token: str, resolve: _Resolver) -> tuple[str, ...]:
    """One place with no separator: one option, or the compact form ``CAB``."""
    try:
        return (resolve(token),)
    except BallotError:
        if not resolve.single_char:
            raise
    chars = [c for c in token if not c.isspace()]
    if len(chars) < 2:
        raise BallotError(f"names an unknown option '{token}'")
    if not all(resolve.knows(c) for c in chars):
        # A short run of characters is a compact ballot with a typo; anything longer is more
        # likely a mistyped label, which is easier to recognise when quoted whole.
        if len(chars) <= len(resolve.ids) and all(c.isalnum() for c in chars):
            bad = next(c for c in chars if not resolve.knows(c))
            raise BallotError(f"names an unknown option '{bad}'")
        raise BallotError(f"names an unknown option '{token}'")
    ids = [resolve(c) for c in chars]
    _check_no_repeats(ids)
    return tuple(ids)


def validate_ranking(ids: Sequence[str], option_ids: Sequence[str]) -> tuple[str, ...]:
    """Check a ranking that is already split into option ids; return it as a tuple.

    The ids must match ``option_ids`` exactly (no case folding, no labels) and appear at most once.
    An empty ranking is returned as ``()`` (an abstention). Problems are reported in ballot order.

    >>> validate_ranking(["C", "A"], ["A", "B", "C"])
    ('C', 'A')
    >>> validate_ranking(["C", "A", "C"], ["A", "B", "C"])
    Traceback (most recent call last):
    ...
    partnership_tools.vote.validation.BallotError: ranks option C twice
    >>> validate_ranking(["C", "Z"], ["A", "B", "C"])
    Traceback (most recent call last):
    ...
    partnership_tools.vote.validation.BallotError: names an unknown option 'Z'
    """
    known = set(option_ids)
    seen: set[str] = set()
    for oid in ids:
        if oid not in known:
            raise BallotError(f"names an unknown option '{oid}'")
        if oid in seen:
            raise BallotError(f"ranks option {oid} twice")
        seen.add(oid)
    return tuple(ids)


def _rank_number(value: object) -> int | None:
    """A cell of a rank-number form as an int, ``None`` when blank; ``ValueError`` when not whole.

    Accepts ints, whole floats, and text holding a whole number, optionally written ``2.0`` or as
    an ordinal (``2nd``), as spreadsheets and form exports do.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
        raise ValueError(value)
    try:  # numpy integers and floats, without importing numpy here
        as_float = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        as_float = None
    if as_float is not None and not isinstance(value, str):
        return _rank_number(as_float)
    text = str(value).strip()
    if not text:
        return None
    match = _WHOLE_NUMBER.fullmatch(text)
    if match is None:
        raise ValueError(value)
    return int(match.group(1))


def ranking_from_positions(
    positions: Mapping[str, int | str | None], option_ids: Sequence[str]
) -> tuple[str, ...]:
    """Turn a rank-number form (option id -> rank) into a ranking, first choice first.

    This is what a wide CSV row or the HTML ballot page gives: each option gets a rank from 1 to
    the number of options ``n``, or is left blank (``None`` or empty text) when unranked; options
    missing from ``positions`` are unranked. Ranks may be ints or text (``"2"``, ``"2.0"``,
    ``"2nd"``). The ranks used must be exactly 1, 2, ..., m for the m ranked options.

    Problems are reported in this order: an unknown option; a rank that is not a whole number or
    not between 1 and n (checked option by option in ``option_ids`` order); two options at the same
    rank (lowest such rank); a skipped rank (lowest missing one). All blank returns ``()``.

    >>> ranking_from_positions({"A": "2", "B": "", "C": "1"}, ["A", "B", "C"])
    ('C', 'A')
    >>> ranking_from_positions({"A": 1, "B": None, "C": 3}, ["A", "B", "C"])
    Traceback (most recent call last):
    ...
    partnership_tools.vote.validation.BallotError: skips rank 2
    >>> ranking_from_positions({"A": 1, "B": 2, "C": 1}, ["A", "B", "C"])
    Traceback (most recent call last):
    ...
    partnership_tools.vote.validation.BallotError: ties options A and C at rank 1
    >>> ranking_from_positions({"A": "x", "B": 1}, ["A", "B", "C"])
    Traceback (most recent call last):
    ...
    partnership_tools.vote.validation.BallotError: gives option A the rank 'x', which is not a whole number
    >>> ranking_from_positions({"A": None, "B": ""}, ["A", "B", "C"])
    ()
    """
    option_ids = tuple(option_ids)
    n = len(option_ids)
    known = set(option_ids)
    for oid in positions:
        if oid not in known:
            raise BallotError(f"names an unknown option '{oid}'")
    ranks: dict[str, int] = {}
    for oid in option_ids:
        raw = positions.get(oid)
        try:
            rank = _rank_number(raw)
        except ValueError:
            raise BallotError(
                f"gives option {oid} the rank '{str(raw).strip()}', which is not a whole number"
            ) from None
        if rank is None:
            continue
        if not 1 <= rank <= n:
            raise BallotError(f"gives option {oid} rank {rank}, but ranks go from 1 to {n}")
        ranks[oid] = rank
    if not ranks:
        return ()
    by_rank: dict[int, list[str]] = {}
    for oid, rank in ranks.items():
        by_rank.setdefault(rank, []).append(oid)
    for rank in sorted(by_rank):
        if len(by_rank[rank]) > 1:
            raise BallotError(f"ties options {_and_join(by_rank[rank])} at rank {rank}")
    for rank in range(1, len(ranks) + 1):
        if rank not in by_rank:
            raise BallotError(f"skips rank {rank}")
    return tuple(by_rank[rank][0] for rank in range(1, len(ranks) + 1))
