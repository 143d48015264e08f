"""The Options tab: the session's options (with lineage and the rounds they were on), and a box
to add more, one per line (``Label`` or ``Label | description``; ids A, B, C, … given in order).

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = OptionsPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.add_options() is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

import ipywidgets as widgets

from partnership_tools.ui.common import action, busy, button, html_table, html_widget
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.facilitator.helpers import lineage_text, parse_option_lines
from partnership_tools.vote.model import Option, Session

__all__ = ["OptionsPanel"]


class OptionsPanel:
    """List and add options. ``pane`` is the tab's box."""

    WIDGETS = ("options_table", "options_text", "add_options_button")

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        w = widgets
        self.options_table = html_widget("", "pt-options-table")
        self.options_text = w.Textarea(
            placeholder="One option per line: Label  or  Label | description",
            layout=w.Layout(width="100%", max_width="40em", height="9em"),
        )
        self.options_text.add_class("pt-options-text")
        self.add_options_button = button("Add options", "pt-add-options", "primary", "plus")
        self.add_options_button.on_click(lambda _b: self.add_options())
        self.pane = w.VBox(
            [
                html_widget("<h2>Options</h2>"),
                self.options_table,
                html_widget(
                    "<h3>Add options</h3><p class='pt-muted'>Four to six options work best. Ids"
                    " (A, B, C, …) are given in order.</p>"
                ),
                self.options_text,
                self.add_options_button,
            ]
        )

    def refresh(self, s: Session) -> None:
        """Show the session's options: id, label, description, lineage, rounds voted on."""
        if not s.options:
            self.options_table.value = "<p class='pt-muted'>No options yet.</p>"
            return
        voted: dict[str, list[str]] = {}
        for r in s.rounds:
            for oid in r.option_ids:
                voted.setdefault(oid, []).append(str(r.number))
        rows = [
            (
                o.id,
                o.label,
                o.description,
                lineage_text(s, o),
                ", ".join(voted.get(o.id, [])) or "—",
            )
            for o in s.options
        ]
        self.options_table.value = html_table(
            ["Id", "Label", "Description", "Lineage", "Rounds"], rows
        )

    @action("adding the options")
    def add_options(self) -> tuple[Option, ...] | None:
        store = self.console.store
        s = self.console.require()
        parsed = parse_option_lines(self.options_text.value, [o.label for o in s.options])
        added: list[Option] = []
        with busy(self.add_options_button):
            for label, description in parsed:
                oid = store.next_option_id(s.id)
                added.extend(store.add_options(s.id, [Option(oid, label, description)]))
        self.options_text.value = ""
        self.console.refresh()
        ids = ", ".join(o.id for o in added)
        self.feedback.success(f"Added {len(added)} option(s): {ids}.")
        return tuple(added)
