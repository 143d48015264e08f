"""The review app's preview of response files: what each file gives before it is used.

Per file: the import report's sentences (layout, encoding, separator, header rows skipped), a
table of every column and what it is used as (an item, a respondent field, the stakeholder
group, the wave, a comment, bookkeeping or set aside), the cells that could not be read, the
warnings, and how many responses would be used. Every text is escaped. The panel
(:mod:`partnership_tools.ui.review.data`) shows it with a **Group column** choice; the responses
join the view only on "Use these responses".

With a review from the store open, the file's responses are *added* to a wave of it instead:
:func:`addition_html` shows what will be added (the responses per wave now, added and after,
the first rows) and the likely duplicates (:func:`~partnership_tools.review.duplicates.likely_duplicates`),
and :func:`add_label` names the button that adds them.

>>> group_column_choices([])
[('(as recognised)', '')]
>>> add_label(3, "phase one")
'Add 3 responses to wave phase one'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from partnership_tools.ui.common import esc, html_table

__all__ = [
    "AS_RECOGNISED",
    "FIRST_ROWS",
    "MAX_CELLS",
    "add_label",
    "addition_counts",
    "addition_html",
    "group_column_choices",
    "leave_out_label",
    "response_preview_html",
]

#: The group dropdown's value for "let the reader decide".
AS_RECOGNISED = ""
#: At most this many unreadable cells are listed per file.
MAX_CELLS = 200
#: The addition preview lists this many of the responses to be added.
FIRST_ROWS = 5


def group_column_choices(imports: Sequence[Any]) -> list[tuple[str, str]]:
    """The Group column dropdown's options: "(as recognised)" then every column header of the
    files, once each, in file order (the reader's report columns)."""
    seen: dict[str, None] = {}
    for imp in imports:
        report = getattr(imp, "report", None)
        for c in report.columns if report is not None else ():
            if c.header:
                seen.setdefault(c.header, None)
    return [("(as recognised)", AS_RECOGNISED)] + [(h, h) for h in seen]


def response_preview_html(imports: Sequence[Any], button: str = "Use these responses") -> str:
    """The preview of each :class:`~partnership_tools.review.responses.ResponseImport`;
    ``button`` names the button that uses them."""
    parts: list[str] = []
    total = 0
    for imp in imports:
        name = Path(imp.source).name or "the file"
        r = imp.responses
        total += r.n
        parts.append(
            f"<h3>{esc(name)}</h3><p class='pt-preview-counts'><b>{r.n} response(s)</b>;"
            f" {len(imp.matched)} of {len(r.item_ids)} statements matched; waves:"
            f" {esc(', '.join(r.waves) or 'none')}; {len(imp.invalid_cells)} cell(s) could not"
            " be read.</p>"
        )
        report = imp.report
        if report is not None:
            items = "".join(
                f"<li>{esc(line)}</li>" for line in report.lines() if not line.startswith("Column ")
            )
            parts.append(f"<ul class='pt-preview-report'>{items}</ul>")
            parts.append(
                html_table(
                    ["Column", "Header", "Used as", "Detail"],
                    [[c.index + 1, c.header, c.use, c.detail] for c in report.columns],
                    numeric=[0],
                    caption="Each column and what it is used as",
                )
            )
        elif imp.unmatched_columns:
            parts.append(html_table(["Column not used"], [[c] for c in imp.unmatched_columns]))
        if imp.invalid_cells:
            rows = [[c.row, c.column, c.value, c.why] for c in imp.invalid_cells[:MAX_CELLS]]
            parts.append(
                html_table(
                    ["Row", "Column", "Value", "Why it would be left blank"],
                    rows,
                    numeric=[0],
                    caption=f"{len(imp.invalid_cells)} cell(s) could not be read",
                )
            )
            if len(imp.invalid_cells) > MAX_CELLS:
                parts.append(f"<p>… and {len(imp.invalid_cells) - MAX_CELLS} more.</p>")
        for warning in imp.warnings:
            parts.append(f"<p class='pt-warning'>{esc(warning)}</p>")
    head = (
        f"<h3>Preview</h3><p>{total} response(s) in {len(imports)} file(s). Nothing is used"
        f" until you press <b>{esc(button)}</b>.</p>"
    )
    return head + "".join(parts)


def add_label(n: int, wave: str) -> str:
    """The add button's label: ``Add N responses to wave W`` ("response" for one)."""
    return f"Add {n} response{'' if n == 1 else 's'} to wave {wave}"


def leave_out_label(n: int) -> str:
    """The duplicates checkbox's label.

    >>> leave_out_label(1), leave_out_label(2)
    ('Leave out the 1 likely duplicate', 'Leave out the 2 likely duplicates')
    """
    return f"Leave out the {n} likely duplicate{'' if n == 1 else 's'}"


def addition_counts(
    stored_waves: Sequence[str], wave: str, added: int
) -> list[tuple[str, int, int, int]]:
    """``(wave, stored now, added, after)`` for every wave stored (in order) and the wave added
    to (last, when new); ``stored_waves`` holds one entry per stored response.

    >>> addition_counts(["one", "one", "two"], "two", 3)
    [('one', 2, 0, 2), ('two', 1, 3, 4)]
    >>> addition_counts([], "new", 2)
    [('new', 0, 2, 2)]
    """
    counts: dict[str, int] = {}
    for w in stored_waves:
        counts[w] = counts.get(w, 0) + 1
    counts.setdefault(wave, 0)
    return [
        (w, n, added if w == wave else 0, n + (added if w == wave else 0))
        for w, n in counts.items()
    ]


def _answered(frame: Any, i: int, item_ids: Sequence[str]) -> int:
    return int(frame.loc[frame.index[i], list(item_ids)].notna().sum())


def addition_html(
    stored: Any,
    incoming: Any,
    wave: str,
    duplicates: Sequence[Any],
    leave_out: bool,
    first: int = FIRST_ROWS,
) -> str:
    """What "Add" will do: per wave the responses stored now, added and after; the first
    ``first`` responses to be added (id, where from, fields, statements answered, a likely
    duplicate marked); and the likely duplicates with the stored response each matches and why.
    ``stored`` and ``incoming`` are :class:`~partnership_tools.review.responses.Responses`;
    ``duplicates`` are :class:`~partnership_tools.review.duplicates.Duplicate` of ``incoming``
    rows; with ``leave_out`` they are not added."""
    flagged = {d.row: d for d in duplicates}
    n_add = incoming.n - (len(flagged) if leave_out else 0)
    counts = addition_counts(list(stored.frame["wave"]), wave, n_add)
    parts = [
        f"<h3>What will be added</h3><p class='pt-addition-summary'><b>{esc(add_label(n_add, wave))}</b>"
        f" beside the {stored.n} response(s) stored (the response form's included); nothing"
        " stored is replaced."
        + (
            f" {len(flagged)} likely duplicate(s) {'left out' if leave_out else 'added all the same'}."
            if flagged
            else " No likely duplicates."
        )
        + "</p>",
        html_table(
            ["Wave", "Stored now", "Added", "After"],
            [list(c) for c in counts],
            numeric=[1, 2, 3],
            caption="Responses per wave",
        ),
    ]
    f = incoming.frame
    rows = []
    classes = []
    for i in range(min(first, incoming.n)):
        d = flagged.get(i)
        fields = "; ".join(
            str(f[c].iat[i]) for c in incoming.field_ids if isinstance(f[c].iat[i], str)
        )
        rows.append(
            [
                i + 1,
                f["respondent_id"].iat[i],
                f["source"].iat[i],
                fields,
                _answered(f, i, incoming.item_ids),
                (f"likely duplicate ({d.reason})" if d else ""),
            ]
        )
        classes.append("pt-duplicate" if d else "")
    parts.append(
        html_table(
            ["#", "Respondent", "From", "Fields", "Statements answered", "Note"],
            rows,
            numeric=[0, 4],
            row_classes=classes,
            caption=f"The first {len(rows)} of {incoming.n} response(s) in the file(s)",
        )
    )
    if flagged:
        parts.append(
            html_table(
                ["#", "Respondent", "Matches stored response", "Why"],
                [[d.row + 1, d.respondent_id, d.matched_id, d.reason] for d in duplicates],
                numeric=[0],
                caption=f"{len(flagged)} likely duplicate(s)",
            )
        )
    return "<div class='pt-addition'>" + "".join(parts) + "</div>"
