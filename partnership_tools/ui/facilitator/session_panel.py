"""The Session tab: open an existing session with its facilitator key, or create a new one;
once one is open, copy it for a follow-up meeting, archive (or restore) it, or delete it.

Opening, creating and copying end by raising ``on_unlock(session_id)``, which the app wires to
unlock every other tab; deleting raises ``on_lock()`` (back to the Session tab alone). Archive and
delete each ask first, naming the session ("Yes, delete session X" or Cancel). An archived
session is kept whole but left out of the list unless "Show archived sessions" is ticked. A copy
has the same question (unless another is typed), threshold, groups, settings and facilitator
key, and the options still current as new originals; no rounds, ballots or codes.

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

from partnership_tools.ui.common import UIError, action, busy, button, esc, html_widget, show
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
        "show_archived",
        "copy_question",
        "copy_button",
        "archive_button",
        "delete_button",
        "manage_confirm_box",
        "manage_confirm_button",
        "manage_cancel_button",
        "manage_box",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        self.on_unlock: Callable[[str], None] = lambda _sid: None
        self.on_lock: Callable[[], None] = lambda: None
        self.archived = False
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
        self.show_archived = w.Checkbox(
            value=False, description="Show archived sessions", indent=False
        )
        self.show_archived.add_class("pt-show-archived")
        self.show_archived.observe(lambda _c: self.fill_session_list(), "value")
        self.open_section.children = (
            *self.open_section.children[:2],
            self.show_archived,
            *self.open_section.children[2:],
        )
        # ... and look after the one that is open.
        self.manage_heading = html_widget("", "pt-manage-heading")
        self.copy_question = w.Textarea(
            continuous_update=False,
            description="Question",
            placeholder="the same question, unless you type another",
            layout=full,
            style=form,
            rows=2,
        )
        self.copy_question.add_class("pt-copy-question")
        self.copy_button = button(
            "Copy for a follow-up meeting", "pt-copy-session", "primary", "copy"
        )
        self.copy_button.on_click(lambda _b: self.copy_session())
        self.archive_button = button("Archive…", "pt-archive-session", "", "archive")
        self.archive_button.on_click(lambda _b: self.ask_archive())
        self.delete_button = button("Delete…", "pt-delete-session", "danger", "trash")
        self.delete_button.on_click(lambda _b: self.ask_delete())
        self.manage_confirm_text = html_widget("", "pt-confirm-text")
        self.manage_confirm_button = button("Yes", "pt-confirm-session", "danger", "check")
        self.manage_confirm_button.on_click(lambda _b: self.confirm())
        self.manage_cancel_button = button("Cancel", "pt-cancel-session")
        self.manage_cancel_button.on_click(lambda _b: self.cancel_confirm())
        self.manage_confirm_box = w.VBox(
            [
                self.manage_confirm_text,
                w.HBox(
                    [self.manage_confirm_button, self.manage_cancel_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        self.manage_confirm_box.add_class("pt-confirm-box")
        show(self.manage_confirm_box, False)
        #: what the confirmation box asks: ("delete" | "archive" | "restore", session id).
        self.pending: tuple[str, str] | None = None
        self.manage_box = w.VBox(
            [
                self.manage_heading,
                html_widget(
                    "<h3>Follow-up meeting</h3><p class='pt-muted'>A new session with this"
                    " one's settings, facilitator key and current options (as they would be on"
                    " the next ballot paper); no rounds, ballots or codes.</p>"
                ),
                self.copy_question,
                self.copy_button,
                html_widget(
                    "<h3>Archive or delete</h3><p class='pt-muted'>Archiving keeps everything"
                    " and only hides the session from the list; deleting removes it, its"
                    " ballots and codes for good.</p>"
                ),
                w.HBox(
                    [self.archive_button, self.delete_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.manage_confirm_box,
            ]
        )
        self.manage_box.add_class("pt-manage-session")
        show(self.manage_box, False)
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
                self.manage_box,
            ]
        )

    def fill_session_list(self, preselect: str | None = None) -> None:
        """List the store's sessions (newest first), preselecting ``preselect`` if it is one."""
        store = self.console.store
        rows = store.list_sessions(archived=None if self.show_archived.value else False)
        opts = []
        for r in rows:
            q = " ".join(str(r["question"]).split())
            if len(q) > 70:
                q = q[:69] + "…"
            archived = ", archived" if r.get("archived_at") else ""
            opts.append((f"{q} ({r['id']}{archived})", r["id"]))
        self.open_select.options = opts
        show(self.open_section, bool(opts) or bool(store.list_sessions(archived=True)))
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
        if ok and sid not in {v for _, v in self.open_select.options}:
            self.fill_session_list(preselect=sid)
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

    # -- the open session: copy, archive, delete ----------------------------------------------
    def refresh(self, s: Session) -> None:
        """Show what can be done with the opened session."""
        row = next((r for r in self.console.store.list_sessions() if r["id"] == s.id), None)
        archived = bool(row and row.get("archived_at"))
        self.archived = archived
        self.manage_heading.value = f"<h2>This session: {esc(s.id)}</h2>" + (
            "<p class='pt-muted'>It is archived: restore it to list it again.</p>"
            if archived
            else ""
        )
        self.archive_button.description = "Restore…" if archived else "Archive…"
        show(self.manage_box, True)

    def hide_manage(self) -> None:
        show(self.manage_box, False)
        self.cancel_confirm()

    @action("copying the session")
    def copy_session(self, question: str | None = None) -> Session | None:
        """A follow-up session made from the opened one (see the module doc); opens it."""
        s = self.console.require()
        typed = " ".join((self.copy_question.value if question is None else question).split())
        with busy(self.copy_button):
            new = self.console.store.copy_session(s.id, question=typed or None)
        self.copy_question.value = ""
        self.on_unlock(new.id)
        self.fill_session_list(preselect=new.id)
        ids = ", ".join(o.id for o in new.options) or "none"
        self.feedback.success(
            f"Copied {s.id} into the new session {new.id} (options {ids}); it is open now."
        )
        self.console.select_tab("Options")
        return new

    def _ask(self, kind: str, sentence: str, label: str) -> str | None:
        s = self.console.session
        if not self.console.session_id or s is None:
            self.feedback.error("Open a session with its facilitator key first.")
            return None
        self.pending = (kind, s.id)
        self.manage_confirm_text.value = f"<p class='pt-warning' role='alert'>{esc(sentence)}</p>"
        self.manage_confirm_button.description = label
        self.manage_confirm_button.button_style = "danger" if kind == "delete" else "warning"
        show(self.manage_confirm_box, True)
        return s.id

    def ask_delete(self) -> str | None:
        """Step one of Delete: say what will be lost and show "Yes, delete session X"."""
        s = self.console.session
        if s is None:
            return self._ask("delete", "", "")
        n = sum(len(r.ballots) for r in s.rounds)
        return self._ask(
            "delete",
            f"Delete the session {s.id} ({s.question})? Its {len(s.options)} options,"
            f" {len(s.rounds)} round(s), {n} ballot(s) and its codes are removed for good;"
            " export the session file first if you may need it.",
            f"Yes, delete session {s.id}",
        )

    def ask_archive(self) -> str | None:
        """Step one of Archive (or Restore): say what it does and ask."""
        s = self.console.session
        if s is not None and getattr(self, "archived", False):
            return self._ask(
                "restore",
                f"Restore the session {s.id}? It is listed again.",
                f"Yes, restore session {s.id}",
            )
        sid = s.id if s is not None else ""
        return self._ask(
            "archive",
            f"Archive the session {sid}? Nothing is deleted; it is left out of the list until"
            " you tick Show archived sessions and restore it.",
            f"Yes, archive session {sid}",
        )

    def cancel_confirm(self) -> None:
        """Cancel: nothing is archived or deleted."""
        self.pending = None
        self.manage_confirm_text.value = ""
        show(self.manage_confirm_box, False)

    @action("changing the session")
    def confirm(self) -> str | None:
        """Step two: do what the confirmation asked; returns the session id."""
        if self.pending is None:
            raise UIError("There is nothing to confirm.")
        kind, sid = self.pending
        self.cancel_confirm()
        store = self.console.store
        with busy(self.manage_confirm_button):
            if kind == "delete":
                store.delete_session(sid)
            else:
                store.archive_session(sid, archived=kind == "archive")
        if kind == "delete":
            self.on_lock()
            self.fill_session_list()
            self.feedback.success(f"Deleted the session {sid}.")
        else:
            self.fill_session_list(preselect=sid)
            self.console.refresh()
            done = "Archived" if kind == "archive" else "Restored"
            self.feedback.success(f"{done} the session {sid}.")
        return sid
