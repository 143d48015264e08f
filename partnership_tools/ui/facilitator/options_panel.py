"""The Options tab: the session's options (with lineage, who proposed them and why, and the
rounds they were on), a box to add more, one per line (``Label`` or ``Label | description``;
ids A, B, C, … given in order), and a form to edit or delete one.

Editing: who proposed an option and why can be recorded at any time; its wording (label and
description) can change, and the option can be deleted, only while no round has listed it and
no other option was made from it (:func:`~partnership_tools.ui.facilitator.helpers.editable_ids`,
the store's :meth:`~partnership_tools.store.Store.update_option` and ``delete_option``).
Deleting asks first ("Delete option X…", then "Yes, delete option X" or Cancel).

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = OptionsPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.add_options() is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

import ipywidgets as widgets

from partnership_tools.ui.common import (
    UIError,
    action,
    busy,
    button,
    esc,
    html_table,
    html_widget,
    show,
)
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.facilitator.helpers import (
    MAX_LABEL_LENGTH,
    editable_ids,
    lineage_text,
    option_display,
    parse_option_lines,
    scroll_table,
)
from partnership_tools.vote.model import Option, Session

__all__ = ["OptionsPanel"]


class OptionsPanel:
    """List, add, edit and delete options. ``pane`` is the tab's box."""

    WIDGETS = (
        "options_table",
        "options_text",
        "add_proposer",
        "add_reason",
        "add_options_button",
        "edit_select",
        "edit_label",
        "edit_description",
        "edit_proposer",
        "edit_reason",
        "edit_save_button",
        "delete_option_button",
        "delete_confirm_box",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        w = widgets
        full = w.Layout(width="100%", max_width="40em")
        form = {"description_width": "9em"}
        self.options_table = html_widget("", "pt-options-table")
        self.options_text = w.Textarea(
            placeholder="One option per line: Label  or  Label | description",
            layout=w.Layout(width="100%", max_width="40em", height="9em"),
        )
        self.options_text.add_class("pt-options-text")
        self.add_proposer = w.Text(
            continuous_update=False,
            description="Proposed by",
            layout=full,
            style=form,
            placeholder="optional: who proposed the options typed above",
        )
        self.add_proposer.add_class("pt-add-proposer")
        self.add_reason = w.Textarea(
            continuous_update=False,
            description="Why",
            layout=full,
            style=form,
            rows=2,
            placeholder="optional: the case for them",
        )
        self.add_reason.add_class("pt-add-reason")
        self.add_options_button = button("Add options", "pt-add-options", "primary", "plus")
        self.add_options_button.on_click(lambda _b: self.add_options())
        # Edit one option.
        self.edit_select = w.Dropdown(description="Option", options=[], layout=full, style=form)
        self.edit_select.add_class("pt-edit-select")
        self.edit_select.observe(lambda _c: self._fill_edit_fields(), "value")
        self.edit_label = w.Text(
            continuous_update=False, description="Label", layout=full, style=form
        )
        self.edit_label.add_class("pt-edit-label")
        self.edit_description = w.Text(
            continuous_update=False,
            description="Description",
            layout=full,
            style=form,
            placeholder="optional",
        )
        self.edit_description.add_class("pt-edit-description")
        self.edit_proposer = w.Text(
            continuous_update=False,
            description="Proposed by",
            layout=full,
            style=form,
            placeholder="a person, a partner or a group (optional)",
        )
        self.edit_proposer.add_class("pt-edit-proposer")
        self.edit_reason = w.Textarea(
            continuous_update=False,
            description="Why",
            layout=full,
            style=form,
            rows=2,
            placeholder="the case for it, in a sentence or two (optional)",
        )
        self.edit_reason.add_class("pt-edit-reason")
        self.edit_note = html_widget("", "pt-edit-note")
        self.edit_save_button = button("Save changes", "pt-edit-save", "primary", "check")
        self.edit_save_button.on_click(lambda _b: self.save_option())
        self.delete_option_button = button("Delete option…", "pt-delete-option", "danger", "trash")
        self.delete_option_button.on_click(lambda _b: self.ask_delete_option())
        self.delete_confirm_text = html_widget("", "pt-confirm-text")
        self.delete_confirm_button = button("Yes, delete it", "pt-confirm-delete-option", "danger")
        self.delete_confirm_button.on_click(lambda _b: self.delete_option())
        self.delete_cancel_button = button("Cancel", "pt-cancel-delete-option")
        self.delete_cancel_button.on_click(lambda _b: self.cancel_delete_option())
        self.delete_confirm_box = w.VBox(
            [
                self.delete_confirm_text,
                w.HBox(
                    [self.delete_confirm_button, self.delete_cancel_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        self.delete_confirm_box.add_class("pt-confirm-box")
        show(self.delete_confirm_box, False)
        self._pending_delete: str | None = None
        self.edit_box = w.VBox(
            [
                html_widget(
                    "<h3>Edit an option</h3><p class='pt-muted'>Record who proposed an option"
                    " and why at any time. Its wording can change, and it can be deleted, until"
                    " it is on a ballot paper.</p>"
                ),
                self.edit_select,
                self.edit_label,
                self.edit_description,
                self.edit_proposer,
                self.edit_reason,
                self.edit_note,
                w.HBox(
                    [self.edit_save_button, self.delete_option_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.delete_confirm_box,
            ]
        )
        show(self.edit_box, False)
        self.pane = w.VBox(
            [
                html_widget("<h2>Options</h2>"),
                self.options_table,
                html_widget(
                    "<h3>Add options</h3><p class='pt-muted'>Four to six options work best. Ids"
                    " (A, B, C, …) are given in order. Who proposed them and why is recorded with"
                    " each (change it for one option below).</p>"
                ),
                self.options_text,
                self.add_proposer,
                self.add_reason,
                self.add_options_button,
                self.edit_box,
            ]
        )

    def refresh(self, s: Session) -> None:
        """Show the session's options: id, label, description, lineage, who proposed it and
        why, rounds voted on; and offer every option in the edit form."""
        opts = [(option_display(o), o.id) for o in s.options]
        if list(self.edit_select.options) != opts:
            keep = self.edit_select.value
            self.edit_select.options = opts
            if keep in {v for _, v in opts}:
                self.edit_select.value = keep
        if opts and self.edit_select.value is None:
            self.edit_select.value = opts[0][1]
        show(self.edit_box, bool(opts))
        self._fill_edit_fields()
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
                o.proposer,
                o.reason,
                ", ".join(voted.get(o.id, [])) or "—",
            )
            for o in s.options
        ]
        table = html_table(
            ["Id", "Label", "Description", "Lineage", "Proposed by", "Why", "Rounds"],
            rows,
            caption="The session's options",
        )
        self.options_table.value = scroll_table(table, "The session's options")

    def _selected(self) -> Option | None:
        s = self.console.session
        oid = self.edit_select.value
        if s is None or not oid:
            return None
        try:
            return s.option(oid)
        except KeyError:
            return None

    def _fill_edit_fields(self) -> None:
        """Put the chosen option's fields in the form; lock its wording once it was voted on."""
        self.cancel_delete_option()
        o = self._selected()
        s = self.console.session
        if o is None or s is None:
            return
        self.edit_label.value = o.label
        self.edit_description.value = o.description
        self.edit_proposer.value = o.proposer
        self.edit_reason.value = o.reason
        free = o.id in editable_ids(s)
        self.edit_label.disabled = not free
        self.edit_description.disabled = not free
        show(self.delete_option_button, free)
        self.edit_note.value = (
            ""
            if free
            else f"<p class='pt-muted'>Option {esc(o.id)} is on a ballot paper or another option"
            " was made from it: its wording stays as voted (amend it on the Amend / merge"
            " tab).</p>"
        )

    @action("adding the options")
    def add_options(self) -> tuple[Option, ...] | None:
        store = self.console.store
        s = self.console.require()
        parsed = parse_option_lines(self.options_text.value, [o.label for o in s.options])
        proposer = " ".join(self.add_proposer.value.split())
        reason = self.add_reason.value.strip()
        added: list[Option] = []
        with busy(self.add_options_button):
            for label, description in parsed:
                oid = store.next_option_id(s.id)
                new = Option(oid, label, description, proposer=proposer, reason=reason)
                added.extend(store.add_options(s.id, [new]))
        self.options_text.value = ""
        self.add_proposer.value = ""
        self.add_reason.value = ""
        self.console.refresh()
        ids = ", ".join(o.id for o in added)
        self.feedback.success(f"Added {len(added)} option(s): {ids}.")
        return tuple(added)

    @action("saving the option")
    def save_option(self, option_id: str | None = None) -> Option | None:
        """Store the edit form's fields for the chosen option (wording only while allowed)."""
        s = self.console.require()
        oid = option_id or self.edit_select.value
        if not oid:
            raise UIError("Choose the option to edit.")
        old = s.option(oid)
        label = " ".join(self.edit_label.value.split())
        if not label:
            raise UIError("An option needs a label; type one, or delete the option.")
        if len(label) > MAX_LABEL_LENGTH:
            raise UIError(f"Keep the label under {MAX_LABEL_LENGTH} characters.")
        wording = oid in editable_ids(s)
        with busy(self.edit_save_button):
            new = self.console.store.update_option(
                s.id,
                oid,
                label=label if wording else None,
                description=self.edit_description.value if wording else None,
                proposer=self.edit_proposer.value,
                reason=self.edit_reason.value,
            )
        self.console.refresh()
        if new == old:
            self.feedback.info(f"Option {oid} was already as shown; nothing changed.")
        else:
            self.feedback.success(f"Saved option {oid}.")
        return new

    def ask_delete_option(self, option_id: str | None = None) -> str | None:
        """Step one of Delete: say what goes and show "Yes, delete option X" and Cancel."""
        oid = option_id or self.edit_select.value
        s = self.console.session
        if not oid or s is None:
            return None
        self._pending_delete = oid
        self.delete_confirm_text.value = (
            f"<p class='pt-warning' role='alert'>Delete option {esc(oid)}"
            f" ({esc(s.option(oid).label)})? It has never been on a ballot paper, so nothing"
            " else changes.</p>"
        )
        self.delete_confirm_button.description = f"Yes, delete option {oid}"
        show(self.delete_confirm_box, True)
        return oid

    def cancel_delete_option(self) -> None:
        self._pending_delete = None
        self.delete_confirm_text.value = ""
        show(self.delete_confirm_box, False)

    @action("deleting the option")
    def delete_option(self) -> str | None:
        """Step two: delete the option the confirmation named."""
        s = self.console.require()
        oid = self._pending_delete
        if not oid:
            raise UIError("Choose the option, then press Delete option, then confirm.")
        with busy(self.delete_confirm_button):
            self.console.store.delete_option(s.id, oid)
        self.cancel_delete_option()
        self.console.refresh()
        self.feedback.success(f"Deleted option {oid}.")
        return oid
