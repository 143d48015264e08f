"""The Session tab: open an existing session with its facilitator key, or create a new one.

Both end by raising ``on_unlock(session_id)``, which the app wires to unlock every other tab.

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = SessionPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.new_question.value, p.new_key.value = "Where?", "abc"
>>> p.create_session() is None, p.feedback.last[:28]
(True, 'Choose a facilitator key of ')
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import ipywidgets as widgets

from partnership_tools.ui.common import UIError, action, busy, button, html_widget, show
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.facilitator.helpers import MIN_KEY_LENGTH
from partnership_tools.vote.model import Session

log = logging.getLogger("partnership_tools.ui")

__all__ = ["SessionPanel"]


class SessionPanel:
    """Open or create a session. ``pane`` is the tab's box; ``on_unlock(session_id)`` is raised
    once a key was accepted or a session created (the app sets it)."""

    WIDGETS = (
        "open_select",
        "open_key",
        "open_button",
        "open_section",
        "new_heading",
        "new_question",
        "new_threshold",
        "new_groups",
        "new_key",
        "new_codes",
        "create_button",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        self.on_unlock: Callable[[str], None] = lambda _sid: None
        w = widgets
        full = w.Layout(width="100%", max_width="40em")
        form = {"description_width": "12.5em"}
        # Open an existing one ...
        self.open_select = w.Dropdown(description="Session", options=[], layout=full, style=form)
        self.open_select.add_class("pt-open-select")
        self.open_key = w.Password(
            description="Facilitator key",
            placeholder="the key set when it was created",
            layout=full,
            style=form,
        )
        self.open_key.add_class("pt-open-key")
        self.open_button = button("Open session", "pt-open-session", "primary", "folder-open")
        self.open_button.on_click(lambda _b: self.open_session())
        # ... or create a new one.
        self.new_question = w.Textarea(
            description="Question",
            placeholder="What are we deciding?",
            layout=full,
            style=form,
            rows=2,
        )
        self.new_question.add_class("pt-new-question")
        self.new_threshold = w.BoundedFloatText(
            value=0.7,
            min=0.05,
            max=1.0,
            step=0.01,
            description="Consensus threshold",
            layout=w.Layout(width="100%", max_width="24em"),
            style=form,
        )
        self.new_threshold.add_class("pt-new-threshold")
        self.new_groups = w.Textarea(
            description="Groups (optional)",
            placeholder="one per line, e.g.\nPolicy makers\nCitizens",
            layout=full,
            style=form,
            rows=3,
        )
        self.new_groups.add_class("pt-new-groups")
        self.new_key = w.Password(
            description="Facilitator key",
            placeholder=f"at least {MIN_KEY_LENGTH} characters",
            layout=full,
            style=form,
        )
        self.new_key.add_class("pt-new-key")
        self.new_codes = w.Checkbox(
            value=False, description="Participants need a one-time code", indent=False
        )
        self.new_codes.add_class("pt-new-codes")
        self.create_button = button("Create session", "pt-create-session", "primary", "plus")
        self.create_button.on_click(lambda _b: self.create_session())
        self.open_section = w.VBox(
            [
                html_widget("<h2>Open a session</h2>"),
                self.open_select,
                self.open_key,
                self.open_button,
            ]
        )
        self.new_heading = html_widget("<h2>Or start a new one</h2>")
        self.pane = w.VBox(
            [
                self.open_section,
                self.new_heading,
                self.new_question,
                self.new_threshold,
                self.new_groups,
                self.new_key,
                self.new_codes,
                self.create_button,
            ]
        )

    def fill_session_list(self, preselect: str | None = None) -> None:
        """List the store's sessions (newest first), preselecting ``preselect`` if it is one."""
        rows = self.console.store.list_sessions()
        opts = []
        for r in rows:
            q = " ".join(str(r["question"]).split())
            if len(q) > 70:
                q = q[:69] + "…"
            opts.append((f"{q} ({r['id']})", r["id"]))
        self.open_select.options = opts
        show(self.open_section, bool(opts))
        self.new_heading.value = (
            "<h2>Or start a new one</h2>" if opts else "<h2>Start a session</h2>"
        )
        ids = [r["id"] for r in rows]
        if preselect in ids:
            self.open_select.value = preselect
        elif ids:
            self.open_select.value = ids[0]

    @action("creating the session")
    def create_session(self) -> Session | None:
        question = " ".join(self.new_question.value.split())
        if not question:
            raise UIError("Type the question the group is deciding.")
        key = self.new_key.value
        if len(key.strip()) < MIN_KEY_LENGTH:
            raise UIError(
                f"Choose a facilitator key of at least {MIN_KEY_LENGTH} characters; you need it"
                " to open the session again."
            )
        groups = [" ".join(g.split()) for g in self.new_groups.value.splitlines() if g.strip()]
        if len({g.casefold() for g in groups}) != len(groups):
            raise UIError("Each group should be listed once.")
        with busy(self.create_button):
            session = self.console.store.create_session(
                question,
                threshold=float(self.new_threshold.value),
                groups=groups,
                facilitator_key=key,
                uses_codes=bool(self.new_codes.value),
            )
        self.new_key.value = ""
        self.on_unlock(session.id)
        self.fill_session_list(preselect=session.id)
        self.feedback.success(
            f"Created the session {session.id}. Now add the options, one per line."
        )
        self.console.select_tab("Options")
        return session

    @action("opening the session")
    def open_session(self, session_id: str | None = None, key: str | None = None) -> Session | None:
        store = self.console.store
        sid = session_id or self.open_select.value
        if not sid:
            raise UIError("There are no sessions yet; start a new one below.")
        key = self.open_key.value if key is None else key
        with busy(self.open_button):
            if not store.has_session(sid):
                raise UIError(f"There is no session {sid!r}.")
            ok = store.check_facilitator_key(sid, key)
        self.open_key.value = ""
        if not ok:
            log.warning("Wrong facilitator key for session %s", sid)
            raise UIError("That facilitator key does not open this session.")
        self.on_unlock(sid)
        self.feedback.success(f"Opened the session {sid}.")
        session = self.console.session
        assert session is not None
        if session.open_round:
            self.console.select_tab("Round")
        elif not session.options:
            self.console.select_tab("Options")
        return session
