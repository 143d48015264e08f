"""The facilitator's pure helpers: option lines, the next ballot paper, lineage, the codes sheet.

No widgets here (only :class:`~partnership_tools.ui.common.UIError` for a refused line), so the
panels and their tests share one definition of each rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from partnership_tools.ui.common import UIError, esc
from partnership_tools.vote.model import Option, Session

__all__ = [
    "MAX_LABEL_LENGTH",
    "MIN_KEY_LENGTH",
    "codes_sheet_html",
    "editable_ids",
    "lineage_text",
    "next_round_options",
    "option_display",
    "parse_option_lines",
    "scroll_table",
    "superseded_ids",
    "undoable_ids",
]

MIN_KEY_LENGTH = 4
MAX_LABEL_LENGTH = 200

#: What the printed codes sheet tells the room about a code (the store's rule, see
#: :meth:`~partnership_tools.store.Store.add_ballot`).
CODES_SHEET_RULE = (
    "Type your code on the ballot page when you vote. A code casts one ballot in each round;"
    " if you vote again in the same round with the same code, your new ballot replaces the"
    " earlier one, and only the latest counts."
)


def parse_option_lines(text: str, existing_labels: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Options typed one per line, ``Label`` or ``Label | description``; blank lines skipped.

    Refuses an empty label, an over-long one and a label used twice (ignoring case), here or
    among ``existing_labels``.

    >>> parse_option_lines("Town hall\\n\\n Library | by the station ")
    [('Town hall', ''), ('Library', 'by the station')]
    >>> parse_option_lines("A\\na")
    Traceback (most recent call last):
    ...
    partnership_tools.ui.common.UIError: Line 2 repeats the option 'a'.
    """
    out: list[tuple[str, str]] = []
    seen = {" ".join(x.split()).casefold() for x in existing_labels}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        label, _, description = raw.partition("|")
        label = " ".join(label.split())
        description = description.strip()
        if not label:
            raise UIError(f"Line {number} has a description but no label.")
        if len(label) > MAX_LABEL_LENGTH:
            raise UIError(
                f"Line {number} is longer than {MAX_LABEL_LENGTH} characters; shorten it."
            )
        if label.casefold() in seen:
            raise UIError(f"Line {number} repeats the option '{label}'.")
        seen.add(label.casefold())
        out.append((label, description))
    if not out:
        raise UIError("Type at least one option, one per line.")
    return out


def superseded_ids(session: Session) -> set[str]:
    """Options that have been amended or merged into a newer option."""
    return {p for o in session.options for p in o.parents}


def next_round_options(session: Session) -> list[str]:
    """The default ballot paper for the next round.

    The previous round's options minus those amended or merged since, followed by every option
    not yet voted on that is not itself superseded (in the order they were added). Before the
    first round: every option not superseded.

    >>> s = Session(id="s", question="q", options=(Option("A", "a"), Option("B", "b"),
    ...     Option("C", "c"), Option("D", "d", merged_from=("B", "C"))))
    >>> next_round_options(s)
    ['A', 'D']
    """
    gone = superseded_ids(session)
    voted = {oid for r in session.rounds for oid in r.option_ids}
    previous = list(session.rounds[-1].option_ids) if session.rounds else []
    keep = [oid for oid in previous if oid not in gone]
    fresh = [o.id for o in session.options if o.id not in voted and o.id not in gone]
    return keep + [oid for oid in fresh if oid not in keep]


def option_display(option: Option) -> str:
    """``"A: label"`` as shown in lists and checkboxes (plain text, never markup)."""
    return f"{option.id}: {option.label}"


def lineage_text(session: Session, option: Option) -> str:
    """Where an option came from, for the options table ("" for an original option).

    >>> lineage_text(Session(id="s", question="q"), Option("D", "d", merged_from=("B", "C")))
    'merged from B + C'
    """
    if option.amended_from:
        return f"amended from {option.amended_from}"
    if option.merged_from:
        return "merged from " + " + ".join(option.merged_from)
    return ""


def codes_sheet_html(question: str, session_id: str, codes: Sequence[str], url: str) -> str:
    """A printable, self-contained HTML page of participant codes (all text escaped)."""
    cells = "".join(
        f'<div class="code"><span class="u">{esc(url)}</span><b>{esc(c)}</b></div>' for c in codes
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Participant codes: {esc(session_id)}</title><style>"
        "body{font-family:system-ui,Arial,sans-serif;margin:12mm;color:#111}"
        ".grid{display:grid;grid-template-columns:repeat(3,1fr);gap:0}"
        ".code{border:1px dashed #666;padding:6mm 3mm;text-align:center;break-inside:avoid}"
        ".code b{display:block;font:700 16pt ui-monospace,Menlo,Consolas,monospace;"
        "letter-spacing:.12em;margin-top:2mm}.u{font-size:9pt;word-break:break-all}"
        "h1{font-size:13pt}</style></head><body>"
        f"<h1>{esc(question)}</h1><p>{esc(CODES_SHEET_RULE)} Cut along the dashed lines.</p>"
        f"<div class='grid'>{cells}</div></body></html>"
    )


def editable_ids(session: Session) -> list[str]:
    """Options whose wording may still change or that may be deleted: on no round's ballot
    paper yet and not the parent of another option (in session order).

    >>> s = Session(id="s", question="q", options=(Option("A", "a"), Option("B", "b"),
    ...     Option("C", "c", amended_from="B")))
    >>> editable_ids(s)
    ['A', 'C']
    """
    voted = {oid for r in session.rounds for oid in r.option_ids}
    parents = superseded_ids(session)
    return [o.id for o in session.options if o.id not in voted and o.id not in parents]


def undoable_ids(session: Session) -> list[str]:
    """Merged or amended options whose change can still be undone: nothing was made from them
    and no ballot was cast on them (they are on no round, or only on the latest round and it
    has no ballots). The store applies the same rule (:meth:`Store.undo_option`).

    >>> from partnership_tools.vote.model import Round
    >>> s = Session(id="s", question="q", options=(Option("A", "a"), Option("B", "b"),
    ...     Option("C", "c", amended_from="B")), rounds=(Round(1, ("A", "C"), "open"),))
    >>> undoable_ids(s)
    ['C']
    """
    parents = superseded_ids(session)
    last = session.rounds[-1] if session.rounds else None
    out = []
    for o in session.options:
        if not o.parents or o.id in parents:
            continue
        on = [r.number for r in session.rounds if o.id in r.option_ids]
        if not on or (last is not None and on == [last.number] and not last.ballots):
            out.append(o.id)
    return out


def scroll_table(table_html: str, label: str) -> str:
    """A table from :func:`~partnership_tools.ui.common.html_table` (a focusable region that
    keyboard users can scroll) named ``label``, with a note, shown on narrow screens, that it
    scrolls sideways.

    >>> scroll_table('<div class="pt-table-wrap" role="region"><table></table></div>', "Options")  # doctest: +ELLIPSIS
    '<p class="pt-scroll-note" ...>...</p><div class="pt-table-wrap" role="region" tabindex="0" aria-label="Options (scrolls sideways)"><table></table></div>'
    """
    note = (
        '<p class="pt-scroll-note" aria-hidden="true">The table is wider than the screen:'
        " swipe or scroll it sideways.</p>"
    )
    region = (
        f'<div class="pt-table-wrap" role="region" tabindex="0"'
        f' aria-label="{esc(label)} (scrolls sideways)">'
    )
    return note + re.sub(
        r'<div class="pt-table-wrap"[^>]*>', lambda _m: region, table_html, count=1
    )
