"""The Amend / merge tab: amend one option or merge several into a new one (the originals stay
in the record), see the next ballot paper and open the next round with it; undo a merge or an
amendment while no ballot was cast on the new option.

Picking one option puts its wording in the fields, so an amendment starts from the old text.
"Proposed by" and "Why" are recorded with the new option. "Undo" removes a merged or amended
option (:meth:`~partnership_tools.store.Store.undo_option`): its parents are on the next ballot
paper again; when the next round was already opened with it but has no ballots yet, that round
is withdrawn, to be opened again.

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
    lineage_text,
    next_round_options,
    option_display,
    superseded_ids,
    undoable_ids,
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
        "amend_proposer",
        "amend_reason",
        "undo_select",
        "undo_button_change",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        self.on_open_next: Callable[[], Any] = lambda: None
        w = widgets
        full = w.Layout(width="100%", max_width="40em")
        wide = {"description_width": "initial"}
        self.amend_select = w.SelectMultiple(
            options=[],
            rows=6,
            description="Options",
            style=wide,
            layout=w.Layout(width="100%", max_width="40em"),
        )
        self.amend_select.add_class("pt-amend-select")
        self.amend_select.observe(lambda _c: self._start_from_old_wording(), "value")
        self._prefilled: tuple[str, str] | None = None
        self.amend_label = w.Text(
            description="New label", layout=full, style=wide, placeholder="the new wording"
        )
        self.amend_label.add_class("pt-amend-label")
        self.amend_description = w.Text(
            description="Description", layout=full, style=wide, placeholder="optional"
        )
        self.amend_description.add_class("pt-amend-description")
        self.amend_proposer = w.Text(
            continuous_update=False,
            description="Proposed by",
            layout=full,
            style=wide,
            placeholder="optional",
        )
        self.amend_proposer.add_class("pt-amend-proposer")
        self.amend_reason = w.Textarea(
            continuous_update=False,
            description="Why",
            layout=full,
            style=wide,
            rows=2,
            placeholder="optional",
        )
        self.amend_reason.add_class("pt-amend-reason")
        self.undo_select = w.Dropdown(
            description="Change to undo",
            options=[],
            layout=full,
            style=wide,
        )
        self.undo_select.add_class("pt-undo-select")
        self.undo_button_change = button("Undo this change", "pt-undo-change", "warning", "undo")
        self.undo_button_change.on_click(lambda _b: self.undo_change())
        self.undo_box = w.VBox(
            [
                html_widget(
                    "<h3>Undo a merge or an amendment</h3><p class='pt-muted'>Possible until a"
                    " ballot is cast on the new option. The options it replaced come back on"
                    " the next ballot paper; a round opened with it and still without ballots"
                    " is withdrawn, to be opened again.</p>"
                ),
                self.undo_select,
                self.undo_button_change,
            ]
        )
        show(self.undo_box, False)
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
                    "<h2>Amend or merge</h2><p class='pt-muted'>Pick one option to amend it (its"
                    " wording is filled in, to start from), or two or more to merge them into a"
                    " new option. The originals stay in the record; the new option replaces"
                    " them on the next ballot paper.</p><p class='pt-muted'>To pick several,"
                    " hold Ctrl (Cmd on a Mac) while clicking, or Shift for a run; from the"
                    " keyboard, Shift with the arrow keys.</p>"
                ),
                self.amend_select,
                self.amend_label,
                self.amend_description,
                self.amend_proposer,
                self.amend_reason,
                w.HBox(
                    [self.amend_button, self.merge_button], layout=w.Layout(flex_flow="row wrap")
                ),
                self.next_round_html,
                self.open_next_button,
                self.undo_box,
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
        undo = [
            (f"{option_display(s.option(i))} ({lineage_text(s, s.option(i))})", i)
            for i in undoable_ids(s)
        ]
        if list(self.undo_select.options) != undo:
            self.undo_select.options = undo
        if undo and self.undo_select.value is None:
            self.undo_select.value = undo[-1][1]  # the latest change first
        show(self.undo_box, bool(undo))

    def _start_from_old_wording(self) -> None:
        """One option picked: put its wording in the fields (unless the facilitator has typed
        something of their own); two or more: clear what was prefilled."""
        s = self.console.session
        chosen = list(self.amend_select.value)
        current = (self.amend_label.value, self.amend_description.value)
        untouched = current == ("", "") or current == self._prefilled
        if not untouched or s is None:
            return
        if len(chosen) == 1:
            o = s.option(chosen[0])
            self.amend_label.value, self.amend_description.value = o.label, o.description
            self._prefilled = (o.label, o.description)
        else:
            self.amend_label.value, self.amend_description.value = "", ""
            self._prefilled = None

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
        if (label, description) == (s.option(chosen[0]).label, s.option(chosen[0]).description):
            raise UIError(f"Change the wording of {chosen[0]} first; it still reads as before.")
        new = Option(
            store.next_option_id(s.id),
            label,
            description,
            amended_from=chosen[0],
            proposer=self._proposer(),
            reason=self.amend_reason.value.strip(),
        )
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
        new = Option(
            store.next_option_id(s.id),
            label,
            description,
            merged_from=tuple(chosen),
            proposer=self._proposer(),
            reason=self.amend_reason.value.strip(),
        )
        store.add_options(s.id, [new])
        self._after_new_option()
        self.feedback.success(f"Added {new.id}, merged from {' + '.join(chosen)}.")
        return new

    def _proposer(self) -> str:
        return " ".join(self.amend_proposer.value.split())

    def _after_new_option(self) -> None:
        self._prefilled = None
        self.amend_label.value = ""
        self.amend_description.value = ""
        self.amend_proposer.value = ""
        self.amend_reason.value = ""
        self.console.refresh()

    @action("undoing the change")
    def undo_change(self, option_id: str | None = None) -> str | None:
        """Remove a merged or amended option (see the module doc); returns its id."""
        s = self.console.require()
        oid = option_id or self.undo_select.value
        if not oid:
            raise UIError("There is no merge or amendment left to undo.")
        o = s.option(oid)
        withdrawn = self.console.store.undo_option(s.id, oid)
        self.console.refresh()
        back = " + ".join(o.parents)
        what = "merge" if o.merged_from else "amendment"
        also = (
            f" Round {withdrawn} had no ballots and was withdrawn; open it again when ready."
            if withdrawn
            else ""
        )
        self.feedback.success(
            f"Undid the {what}: removed {oid}; {back} are current again.{also}"
            if o.merged_from
            else f"Undid the {what}: removed {oid}; {back} is current again.{also}"
        )
        return oid
