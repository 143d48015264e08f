"""The Action plan tab: dimension, action, owner, due date and status, row by row, saved with the
review in the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, UIError, action, busy, button, esc, html_widget
from partnership_tools.ui.review.shared import STATUS_LABELS, require_review, stamp_text
from partnership_tools.ui.review.state import ReviewState

NOT_SAVED = "<p class='pt-muted'>Not saved yet.</p>"


class ActionRow:
    """The widgets of one action: dimension, what, who, by when, status, and a remove button."""

    def __init__(self, dimensions: Sequence[tuple[str, str]], item: Any = None) -> None:
        w = widgets
        self.dimension = w.Dropdown(
            options=list(dimensions),
            description="Dimension",
            style={"description_width": "initial"},
            layout=w.Layout(width="22em"),
        )
        self.dimension.add_class("pt-action-dimension")
        self.action = w.Text(
            description="Action",
            placeholder="what the partnership will do",
            style={"description_width": "initial"},
            layout=w.Layout(width="100%", max_width="34em"),
        )
        self.action.add_class("pt-action-text")
        self.owner = w.Text(
            description="Owner",
            placeholder="who leads it",
            style={"description_width": "initial"},
            layout=w.Layout(width="16em"),
        )
        self.owner.add_class("pt-action-owner")
        self.due = w.DatePicker(
            description="Due", style={"description_width": "initial"}, layout=w.Layout(width="15em")
        )
        self.due.add_class("pt-action-due")
        self.status = w.Dropdown(
            options=[(label, key) for key, label in STATUS_LABELS.items()],
            value="open",
            description="Status",
            style={"description_width": "initial"},
            layout=w.Layout(width="13em"),
        )
        self.status.add_class("pt-action-status")
        self.remove = button("Remove", "pt-action-remove", "", "trash")
        if item is not None:
            ids = [v for _, v in dimensions]
            if item.dimension not in ids:
                self.dimension.options = [*dimensions, (item.dimension, item.dimension)]
            self.dimension.value = item.dimension
            self.action.value = item.action
            self.owner.value = item.owner
            self.due.value = dt.date.fromisoformat(item.due) if item.due else None
            self.status.value = item.status
        self.box = w.HBox(
            [self.dimension, self.action, self.owner, self.due, self.status, self.remove],
            layout=w.Layout(flex_flow="row wrap", align_items="center", width="100%"),
        )
        self.box.add_class("pt-action-row")

    def is_blank(self) -> bool:
        return not self.action.value.strip() and not self.owner.value.strip() and not self.due.value

    def to_item(self) -> Any:
        from partnership_tools.review.actions import ActionItem

        due = self.due.value
        return ActionItem(
            dimension=self.dimension.value or "",
            action=self.action.value,
            owner=self.owner.value,
            due=due.isoformat() if isinstance(due, dt.date) else None,
            status=self.status.value or "open",
        )


class ActionsPanel:
    """``hint`` (concerns with no action yet), ``box`` (the rows), "Add an action", "Save the
    action plan" and ``saved`` (when it was saved). ``rows`` are the rows being edited;
    ``stored_settings`` gives the settings saved with the plan."""

    def __init__(
        self, state: ReviewState, feedback: Feedback, stored_settings: Callable[[], Any]
    ) -> None:
        self.state = state
        self.feedback = feedback
        self._stored_settings = stored_settings
        self.rows: list[ActionRow] = []
        self.hint = html_widget("", "pt-actions-hint")
        self.box = widgets.VBox([])
        self.box.add_class("pt-actions")
        self.add_button = button("Add an action", "pt-add-action", "", "plus")
        self.add_button.on_click(lambda _b: self.add_action())
        self.save_button = button("Save the action plan", "pt-save-actions", "primary", "save")
        self.save_button.on_click(lambda _b: self.save_actions())
        self.saved = html_widget("", "pt-actions-saved")
        self.pane = widgets.VBox(
            [
                html_widget(
                    "<h2>Action plan</h2><p class='pt-muted'>What the partnership will do about"
                    " each dimension, who leads it and by when. It is saved with the review.</p>"
                ),
                self.hint,
                self.box,
                widgets.HBox(
                    [self.add_button, self.save_button], layout=widgets.Layout(flex_flow="row wrap")
                ),
                self.saved,
            ]
        )

    # -- rows ----------------------------------------------------------------------------------
    def _dimension_options(self) -> list[tuple[str, str]]:
        inst = self.state.instrument
        return [] if inst is None else [(d.title, d.id) for d in inst.dimensions]

    def fill_rows(self) -> None:
        """One row per action of the saved plan (``state.plan``)."""
        self.rows = []
        for item in self.state.plan.items:
            self._append(ActionRow(self._dimension_options(), item))
        self._sync()

    def _append(self, row: ActionRow) -> ActionRow:
        row.remove.on_click(lambda _b, r=row: self.remove_action(self.rows.index(r)))
        self.rows.append(row)
        return row

    def _sync(self) -> None:
        self.box.children = [r.box for r in self.rows] or [
            html_widget("<p class='pt-muted'>No actions yet: press “Add an action”.</p>")
        ]

    def show_hint(self) -> None:
        """Name the focus wave's concerns that have no action yet (in the rows as edited)."""
        r = self.state.result
        if r is None:
            self.hint.value = ""
            return
        try:
            plan = self.current_plan(strict=False)
        except ValueError:
            plan = self.state.plan
        weak = plan.without_action(r)
        if weak:
            titles = [self.state.instrument.dimension(d).title for d in weak]
            self.hint.value = (
                f"<p class='pt-warning'>Concerns in {esc(r.focus_wave)} with no action yet:"
                f" {esc(', '.join(titles))}.</p>"
            )
        else:
            self.hint.value = ""

    @action("adding an action")
    def add_action(
        self, dimension: str | None = None, text: str = "", owner: str = "", due: Any = None
    ) -> ActionRow | None:
        """Add a row (not saved until "Save the action plan"); the dimension defaults to the
        first concern without an action."""
        if self.state.instrument is None:
            raise UIError("Choose the instrument first.")
        row = self._append(ActionRow(self._dimension_options()))
        if dimension is None and self.state.result is not None:
            weak = self.current_plan(strict=False).without_action(self.state.result)
            dimension = weak[0] if weak else None
        if dimension is not None:
            row.dimension.value = dimension
        row.action.value = text
        row.owner.value = owner
        if due:
            row.due.value = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due))
        self._sync()
        self.saved.value = NOT_SAVED
        return row

    @action("removing the action")
    def remove_action(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            raise UIError(f"There is no action number {index + 1}.")
        del self.rows[index]
        self._sync()
        self.saved.value = NOT_SAVED

    def current_plan(self, strict: bool = True) -> Any:
        """The plan in the rows (blank rows skipped); ``UIError`` naming the first bad row."""
        from partnership_tools.review.actions import ActionPlan

        items = []
        for n, row in enumerate(self.rows, start=1):
            if row.is_blank():
                continue
            try:
                items.append(row.to_item())
            except ValueError as exc:
                if strict:
                    raise UIError(f"Action {n}: {exc}") from None
        return ActionPlan(tuple(items))

    @action("saving the action plan")
    def save_actions(self) -> Any:
        """Check the rows and save them as the review's action plan in the store."""
        from partnership_tools.kernel.clock import utc_now
        from partnership_tools.store.reviews import (
            load_action_plan,
            save_action_plan,
            save_settings,
        )

        state = self.state
        rid = require_review(state.review_id, "keep its action plan")
        plan = self.current_plan()
        with busy(self.save_button), state.db.write():  # the plan and settings together
            save_action_plan(state.db, rid, plan)
            save_settings(state.db, rid, self._stored_settings())
        state.plan = load_action_plan(state.db, rid)
        self.fill_rows()
        self.show_hint()
        stamp = stamp_text(utc_now())
        self.saved.value = f"<p>Saved {len(state.plan)} action(s) at {esc(stamp)}.</p>"
        self.feedback.success(
            f"Saved the action plan ({len(state.plan)} action(s)) with the review."
        )
        return state.plan
