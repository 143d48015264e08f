"""The facilitator's pure helpers: option lines, the next ballot paper, lineage, the codes sheet.

No widgets here (only :class:`~partnership_tools.ui.common.UIError` for a refused line), so the
panels and their tests share one definition of each rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from partnership_tools.ui.common import UIError, esc
from partnership_tools.vote.model import Option, Session

__all__ = [
    "MAX_LABEL_LENGTH",
    "MIN_KEY_LENGTH",
    "codes_sheet_html",
    "lineage_text",
    "next_round_options",
    "option_display",
    "parse_option_lines",
    "superseded_ids",
]

MIN_KEY_LENGTH = 4
MAX_LABEL_LENGTH = 200


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
        f"<h1>{esc(question)}</h1><p>Each code works once. Cut along the dashed lines.</p>"
        f"<div class='grid'>{cells}</div></body></html>"
    )
