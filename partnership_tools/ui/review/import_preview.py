"""The review app's preview of response files: what each file gives before it is used.

Per file: the import report's sentences (layout, encoding, separator, header rows skipped), a
table of every column and what it is used as (an item, a respondent field, the stakeholder
group, the wave, a comment, bookkeeping or set aside), the cells that could not be read, the
warnings, and how many responses would be used. Every text is escaped. The panel
(:mod:`partnership_tools.ui.review.data`) shows it with a **Group column** choice; the responses
join the view only on "Use these responses".

>>> group_column_choices([])
[('(as recognised)', '')]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from partnership_tools.ui.common import esc, html_table

__all__ = ["AS_RECOGNISED", "MAX_CELLS", "group_column_choices", "response_preview_html"]

#: The group dropdown's value for "let the reader decide".
AS_RECOGNISED = ""
#: At most this many unreadable cells are listed per file.
MAX_CELLS = 200


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


def response_preview_html(imports: Sequence[Any]) -> str:
    """The preview of each :class:`~partnership_tools.review.responses.ResponseImport`."""
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
        " until you press <b>Use these responses</b>.</p>"
    )
    return head + "".join(parts)
