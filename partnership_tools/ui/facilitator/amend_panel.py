"""The Amend / merge tab: amend one option or merge several into a new one (the originals stay
in the record), see the next ballot paper and open the next round with it.

"Open the next round" raises ``on_open_next()`` (the app wires it to the Round tab's
``open_next_round``).

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = AmendPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.merge_options(["A"]) is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import UIError, action, button, esc, html_widget, show
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.facilitator.helpers import (
    MAX_LABEL_LENGTH,
    next_round_options,
    option_display,
    superseded_ids,
)
from partnership_tools.vote.model import Option, Session

__all__ = ["AmendPanel"]


class AmendPanel:
    """Amend or merge options. ``pane`` is the tab's box."""

    WIDGETS = (
        "amend_select",
        "amend_label",
        "amend_description",
        "amend_button",
        "merge_button",
        "next_round_html",
        "open_next_button",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        self.on_open_next: Callable[[], Any] = lambda: None
        w = widgets
        full = w.Layout(width="100%", max_width="40em")
        wide = {"description_width": "initial"}
        self.amend_select = w.SelectMultiple(
            options=[], rows=6, layout=w.Layout(width="100%", max_width="40em")
        )
        self.amend_select.add_class("pt-amend-select")
        self.amend_label = w.Text(
            description="New label", layout=full, style=wide, placeholder="the new wording"
        )
        self.amend_label.add_class("pt-amend-label")
        self.amend_description = w.Text(
            description="Description", layout=full, style=wide, placeholder="optional"
        )
        self.amend_description.add_class("pt-amend-description")
        self.amend_button = button("Amend the selected option", "pt-amend", "", "pencil")
        self.amend_button.on_click(lambda _b: self.amend_option())
        self.merge_button = button("Merge the selected options", "pt-merge", "", "compress")
        self.merge_button.on_click(lambda _b: self.merge_options())
        self.next_round_html = html_widget("", "pt-next-round")
        self.open_next_button = button("Open the next round", "pt-open-next", "primary", "play")
        self.open_next_button.on_click(lambda _b: self.on_open_next())
        self.pane = w.VBox(
            [
                html_widget(
                    "<h2>Amend or merge</h2><p class='pt-muted'>Pick one option to amend it, or"
                    " two or more to merge them into a new option. The originals stay in the"
                    " record; the new option replaces them on the next ballot paper.</p>"
                ),
                self.amend_select,
                self.amend_label,
                self.amend_description,
                w.HBox(
                    [self.amend_button, self.merge_button], layout=w.Layout(flex_flow="row wrap")
                ),
                self.next_round_html,
                self.open_next_button,
            ]
        )

    def refresh(self, s: Session) -> None:
        """Offer the options still current and show the next round's ballot paper."""
        current = next_round_options(s)
        voted = set(s.rounds[-1].option_ids) if s.rounds else set()
        choices = [o for o in s.options if o.id in current or o.id in voted]
        choices = [o for o in choices if o.id not in superseded_ids(s)]
        opts = [(option_display(o), o.id) for o in choices]
        if list(self.amend_select.options) != opts:
            self.amend_select.options = opts
        nxt = next_round_options(s)
        labels = s.labels
        n_next = (s.rounds[-1].number + 1) if s.rounds else 1
        if nxt:
            items = "".join(f"<li>{esc(oid)}: {esc(labels[oid])}</li>" for oid in nxt)
            self.next_round_html.value = (
                f"<h3>Ballot paper for round {n_next}</h3><ul class='pt-next-list'>{items}</ul>"
            )
        else:
            self.next_round_html.value = ""
        self.open_next_button.description = f"Open round {n_next} with these options"
        show(self.open_next_button, s.open_round is None and len(nxt) >= 2)

    def _new_option_fields(self) -> tuple[str, str]:
        label = " ".join(self.amend_label.value.split())
        if not label:
            raise UIError("Type the new option's label.")
        if len(label) > MAX_LABEL_LENGTH:
            raise UIError(f"Keep the label under {MAX_LABEL_LENGTH} characters.")
        return label, self.amend_description.value.strip()

    @action("amending the option")
    def amend_option(self, option_id: str | None = None) -> Option | None:
        store = self.console.store
        s = self.console.require()
        chosen = [option_id] if option_id else list(self.amend_select.value)
        if len(chosen) != 1:
            raise UIError("Pick exactly one option to amend (pick two or more to merge).")
        label, description = self._new_option_fields()
        new = Option(store.next_option_id(s.id), label, description, amended_from=chosen[0])
        store.add_options(s.id, [new])
        self._after_new_option()
        self.feedback.success(f"Added {new.id}, an amended version of {chosen[0]}.")
        return new

    @action("merging the options")
    def merge_options(self, option_ids: Sequence[str] | None = None) -> Option | None:
        store = self.console.store
        s = self.console.require()
        chosen = list(option_ids) if option_ids else list(self.amend_select.value)
        if len(chosen) < 2:
            raise UIError("Pick two or more options to merge (or one to amend).")
        label, description = self._new_option_fields()
        new = Option(store.next_option_id(s.id), label, description, merged_from=tuple(chosen))
        store.add_options(s.id, [new])
        self._after_new_option()
        self.feedback.success(f"Added {new.id}, merged from {' + '.join(chosen)}.")
        return new

    def _after_new_option(self) -> None:
        self.amend_label.value = ""
        self.amend_description.value = ""
        self.console.refresh()
