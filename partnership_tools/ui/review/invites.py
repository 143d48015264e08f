"""Invitation codes and the signs of stuffing on the Response form tab (issue 12).

**Invitation codes** (:mod:`partnership_tools.store.drafts`): with "Require invitation codes"
ticked, the review form asks for a code before a respondent starts, and each code gives one
response. Without codes anyone with the form's address can answer, and more than once. "Issue
codes" makes N new codes (and turns codes on); the store keeps only their hashes, so the codes
are shown once, in a grid with a printable sheet, and never again. Beside the form's status the
panel counts the codes: issued, started (a form begun with the code), used (a response given).

**Signs of stuffing and padding**: the form's responses to its wave per hour, with the most
given in any one minute of that hour (a burst far above the rest, many in one minute, is what a
script looks like), and how many came with a code and how many without. Where a response came
from is read from the store: a used code names the draft it was spent on
(``review_invite_codes.draft_hash``), and that draft names the response it became
(``review_drafts.respondent_id``), so :func:`coded_respondents` tells form responses with a code
from those without. The Data tab's "Where the responses came from" uses it
(:func:`partnership_tools.ui.review.data.sources_html`).

>>> rows = per_hour(["2026-03-01T09:00:05Z", "2026-03-01T09:00:40Z", "2026-03-01T09:31:00Z",
...                  "2026-03-01T11:02:00Z"])
>>> rows
[('2026-03-01 09:00 UTC', 3, 2), ('2026-03-01 11:00 UTC', 1, 1)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as widgets
import sqlalchemy as sa

from partnership_tools.store.db import Database
from partnership_tools.ui.common import (
    Feedback,
    UIError,
    action,
    busy,
    button,
    data_link,
    esc,
    html_table,
    html_widget,
    safe_filename,
    show,
)
from partnership_tools.ui.review.shared import form_url, require_review
from partnership_tools.ui.review.state import ReviewState

__all__ = [
    "CODES_RULE",
    "MAX_CODES",
    "SAMPLE_NO_CODES",
    "InvitesPanel",
    "busiest_minute",
    "coded_respondents",
    "invite_sheet_html",
    "per_hour",
]

#: What codes guarantee, in one sentence (shown beside the checkbox and on the printed sheet).
CODES_RULE = (
    "With invitation codes each code gives one response; without them anyone with the form's"
    " address can answer, and more than once."
)
#: Refusal for the sample (it is not in the store, so it has no form and no codes).
SAMPLE_NO_CODES = (
    "The sample is not kept in the store, so it has no response form or invitation codes:"
    " create or open a stored review in the Data tab first."
)
#: The most codes issued at once from the app (the store allows up to 10,000).
MAX_CODES = 1000
#: Hours listed at most in the responses-per-hour table (the latest ones).
MAX_HOURS = 48


# -- pure helpers ------------------------------------------------------------------------------
def issue_label(count: object) -> str:
    """The issue button's words for the number typed.

    >>> issue_label(20), issue_label(1), issue_label(None)
    ('Issue 20 codes', 'Issue 1 code', 'Issue codes')
    """
    try:
        n = int(count)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return "Issue codes"
    return f"Issue {n} code{'' if n == 1 else 's'}"


def per_hour(stamps: Iterable[str]) -> list[tuple[str, int, int]]:
    """Responses per clock hour: ``(hour, responses in it, most in any one minute of it)``.

    ``stamps`` are the store's ISO UTC times (``2026-03-01T09:00:05Z``); the hour is its first
    13 characters, the minute its first 16. Hours without responses are not listed; the rows
    are in time order.

    >>> per_hour(["2026-03-01T09:59:59Z", "2026-03-01T09:59:01Z", "2026-03-01T10:00:00Z"])
    [('2026-03-01 09:00 UTC', 2, 2), ('2026-03-01 10:00 UTC', 1, 1)]
    >>> per_hour([])
    []
    """
    minutes = Counter(str(s)[:16] for s in stamps if s)
    hours: dict[str, list[int]] = {}
    for minute, n in sorted(minutes.items()):
        hours.setdefault(minute[:13], []).append(n)
    return [(f"{h.replace('T', ' ')}:00 UTC", sum(ns), max(ns)) for h, ns in hours.items()]


def busiest_minute(stamps: Iterable[str]) -> tuple[str, int] | None:
    """The minute with the most responses and how many (the earliest on a tie), or None.

    >>> busiest_minute(["2026-03-01T09:00:05Z", "2026-03-01T09:07:00Z", "2026-03-01T09:07:59Z"])
    ('2026-03-01 09:07 UTC', 2)
    >>> busiest_minute([]) is None
    True
    """
    minutes = Counter(str(s)[:16] for s in stamps if s)
    if not minutes:
        return None
    minute, n = min(minutes.items(), key=lambda kv: (-kv[1], kv[0]))
    return f"{minute.replace('T', ' ')} UTC", n


def submitted_times(db: Database, review_id: str, wave: str) -> list[tuple[str, bool]]:
    """When each form response to the wave was submitted (earliest first), and whether it came
    with a code.

    A response came with a code when an invitation code of the review was spent on its draft
    (``review_invite_codes.draft_hash`` is the draft's ``code_hash`` and ``used_at`` is set)."""
    with db.read() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT d.submitted_at, EXISTS (SELECT 1 FROM review_invite_codes c"
                " WHERE c.review_id = d.review_id AND c.draft_hash = d.code_hash"
                " AND c.used_at IS NOT NULL) AS coded"
                " FROM review_drafts d WHERE d.review_id = :id AND d.wave = :wave"
                " AND d.submitted_at IS NOT NULL ORDER BY d.submitted_at"
            ),
            {"id": review_id, "wave": wave},
        ).all()
    return [(str(at), bool(coded)) for at, coded in rows]


def coded_respondents(db: Database | None, review_id: str | None) -> set[str] | None:
    """The respondent ids of the review's form responses given with an invitation code, or
    None when the review has never issued a code (or there is no stored review).

    The store records it without a column of its own: a used code points at the draft it was
    spent on, and the submitted draft at the response (``respondent_id``) it became."""
    if db is None or not review_id:
        return None
    with db.read() as conn:
        issued = conn.execute(
            sa.text("SELECT COUNT(*) FROM review_invite_codes WHERE review_id = :id"),
            {"id": review_id},
        ).scalar_one()
        if not issued:
            return None
        rows = conn.execute(
            sa.text(
                "SELECT d.respondent_id FROM review_invite_codes c JOIN review_drafts d"
                " ON d.code_hash = c.draft_hash AND d.review_id = c.review_id"
                " WHERE c.review_id = :id AND c.used_at IS NOT NULL"
                " AND d.respondent_id IS NOT NULL"
            ),
            {"id": review_id},
        ).all()
    return {str(r[0]) for r in rows}


def invite_sheet_html(title: str, review_id: str, codes: Sequence[str], url: str) -> str:
    """A printable, self-contained page of invitation codes, three to a row, each with the
    form's address, to cut along the dashed lines (all text escaped).

    >>> page = invite_sheet_html("<Spring>", "spring", ["ABCD-EFGH"], "http://h/review-form/spring")
    >>> "&lt;Spring&gt;" in page and "<b>ABCD-EFGH</b>" in page and "<Spring>" not in page
    True
    """
    cells = "".join(
        f'<div class="code"><span class="u">{esc(url)}</span><b>{esc(c)}</b></div>' for c in codes
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Invitation codes: {esc(review_id)}</title><style>"
        "body{font-family:system-ui,Arial,sans-serif;margin:12mm;color:#111}"
        ".grid{display:grid;grid-template-columns:repeat(3,1fr);gap:0}"
        ".code{border:1px dashed #666;padding:6mm 3mm;text-align:center;break-inside:avoid}"
        ".code b{display:block;font:700 16pt ui-monospace,Menlo,Consolas,monospace;"
        "letter-spacing:.12em;margin-top:2mm}.u{font-size:9pt;word-break:break-all}"
        "h1{font-size:13pt}</style></head><body>"
        f"<h1>{esc(title)}</h1><p>Open the address and type the code to answer the review."
        f" {esc(CODES_RULE)} Cut along the dashed lines.</p>"
        f"<div class='grid'>{cells}</div></body></html>"
    )


#: The review app's style for the codes grid (added to the page by :class:`InvitesPanel`).
INVITES_CSS = """
.pt-invite-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(9em, 1fr));
  gap: 6px; margin: 6px 0; }
.pt-invite-grid div { border: 1px dashed #7B8794; padding: 8px; text-align: center;
  font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 1.15em; letter-spacing: 0.1em; }
"""


class InvitesPanel:
    """``required`` (the "Require invitation codes" checkbox; turning it off asks first),
    ``count`` and ``issue_button`` ("Issue N codes"), ``codes_html`` (the new codes, shown once),
    ``counts`` (issued, started, used; shown beside the form's status) and ``rates`` (the
    form's responses per hour for its wave, with and without a code)."""

    def __init__(
        self,
        state: ReviewState,
        feedback: Feedback,
        base_url: Callable[[], str | None],
        on_change: Callable[[], Any] = lambda: None,
    ) -> None:
        self.state = state
        self.feedback = feedback
        self._base_url = base_url
        self._on_change = on_change
        self._filling = False
        self._codes_for: str | None = None  # the review the codes on show were issued for
        w = widgets
        self.counts = html_widget("", "pt-invite-counts")
        self.required = w.Checkbox(
            value=False,
            description="Require invitation codes",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.required.add_class("pt-require-codes")
        self.required.observe(self._on_required, "value")
        self.count = w.BoundedIntText(
            value=20,
            min=1,
            max=MAX_CODES,
            description="How many",
            style={"description_width": "initial"},
            layout=w.Layout(width="14em"),
        )
        self.count.add_class("pt-invite-count")
        self.issue_button = button(
            issue_label(self.count.value), "pt-issue-invites", "primary", "key"
        )
        self.issue_button.on_click(lambda _b: self.issue_codes())
        self.count.observe(
            lambda change: setattr(self.issue_button, "description", issue_label(change["new"])),
            "value",
        )
        self.codes_html = html_widget("", "pt-invite-codes")
        self.confirm_html = html_widget("", "pt-invite-confirm-text")
        self.confirm_button = button("Yes, stop asking for codes", "pt-invite-confirm", "danger")
        self.confirm_button.on_click(lambda _b: self.confirm_not_required())
        self.cancel_button = button("Cancel", "pt-invite-cancel")
        self.cancel_button.on_click(lambda _b: self.cancel_not_required())
        self.confirm_box = w.VBox(
            [
                self.confirm_html,
                w.HBox(
                    [self.confirm_button, self.cancel_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        self.confirm_box.add_class("pt-confirm-box")
        show(self.confirm_box, False)
        self.rates = html_widget("", "pt-form-rates")
        self.pane = w.VBox(
            [
                html_widget(
                    f"<style>{INVITES_CSS}</style><h3>Invitation codes</h3>"
                    f"<p class='pt-muted pt-codes-rule'>{esc(CODES_RULE)} Codes are shown"
                    " only once, when they are issued: print or download them then.</p>"
                ),
                self.required,
                self.confirm_box,
                w.HBox([self.count, self.issue_button], layout=w.Layout(flex_flow="row wrap")),
                self.codes_html,
                self.rates,
            ]
        )
        self.pane.add_class("pt-invites")

    # -- which review ------------------------------------------------------------------------
    def _review(self, doing: str) -> str:
        """The stored review on show, or a one-sentence refusal (the sample says why)."""
        if not self.state.review_id and self.state.is_sample:
            raise UIError(SAMPLE_NO_CODES)
        if self.state.db is None:
            raise UIError(f"There is no store open to {doing}.")
        return require_review(self.state.review_id, doing)

    # -- showing ---------------------------------------------------------------------------------
    def show(self, wave: str | None = None) -> None:
        """Show the checkbox as stored, the code counts and the signs of stuffing for ``wave``
        (the form's wave); nothing but the refusal's reason without a stored review."""
        from partnership_tools.store.drafts import codes_required, invite_code_counts

        rid, db = self.state.review_id, self.state.db
        stored = bool(rid) and db is not None
        if rid != self._codes_for:
            self.codes_html.value = ""  # another review's codes are never left on show
        for widget in (self.required, self.count, self.issue_button):
            widget.disabled = not stored
        if not stored:
            self.counts.value = ""
            self.rates.value = ""
            self.codes_html.value = ""
            self._set_required(False)
            self.cancel_not_required()
            return
        assert rid is not None and db is not None
        on = codes_required(db, rid)
        self._set_required(on)
        c = invite_code_counts(db, rid)
        if c["issued"] or on:
            unstarted = c["issued"] - c["started"]
            in_progress = c["started"] - c["used"]
            self.counts.value = (
                f"<p class='pt-invite-counts-text'><b>Invitation codes"
                f" {'required' if on else 'not required'}:</b> {c['issued']} issued,"
                f" {c['started']} started, used {c['used']} of {c['issued']}"
                f" ({in_progress} started but not submitted, {unstarted} not started).</p>"
                + (
                    ""
                    if c["issued"] or not on
                    else "<p class='pt-warning'>No codes issued yet: nobody can answer"
                    " the form until you issue some.</p>"
                )
            )
        else:
            self.counts.value = (
                "<p class='pt-invite-counts-text'><b>No invitation codes:</b> anyone with"
                " the address can answer, more than once.</p>"
            )
        self.rates.value = self.rates_html(wave)

    def rates_html(self, wave: str | None) -> str:
        """The form's responses to ``wave`` per hour, the busiest minute, and how many came
        with a code and without one."""
        rid, db = self.state.review_id, self.state.db
        if not rid or db is None or not wave:
            return ""
        times = submitted_times(db, rid, wave)
        if not times:
            return (
                f"<h3>Signs of stuffing</h3><p class='pt-muted'>No form responses to"
                f" {esc(wave)} yet.</p>"
            )
        stamps = [at for at, _ in times]
        coded = sum(1 for _, c in times if c)
        rows = per_hour(stamps)
        top = busiest_minute(stamps)
        assert top is not None
        note = (
            f" The latest {MAX_HOURS} hours with responses are listed."
            if len(rows) > MAX_HOURS
            else ""
        )
        return (
            "<h3>Signs of stuffing</h3>"
            f"<p class='pt-rates-summary'>{len(times)} form response(s) to {esc(wave)}:"
            f" {coded} with an invitation code, {len(times) - coded} without. The busiest"
            f" minute, {esc(top[0])}, had {top[1]}. A burst far above the rest, or many in one"
            f" minute, is what a script looks like; only invitation codes stop it.{note}</p>"
            + html_table(
                ["Hour", "Responses", "Most in one minute"],
                [list(r) for r in rows[-MAX_HOURS:]],
                numeric=[1, 2],
                caption=f"Form responses per hour to {wave}",
            )
        )

    def _set_required(self, value: bool) -> None:
        self._filling = True
        try:
            self.required.value = bool(value)
        finally:
            self._filling = False

    # -- the checkbox ----------------------------------------------------------------------------
    def _on_required(self, change: dict) -> None:
        if self._filling:
            return
        if change["new"]:
            self.set_required(True)
        else:
            self.ask_not_required()

    def ask_not_required(self) -> None:
        """Unticking asks first: without codes anyone with the address can answer."""
        from partnership_tools.store.drafts import invite_code_counts

        try:
            rid = self._review("stop asking for invitation codes")
        except UIError as exc:
            self.feedback.error(str(exc))
            self._set_required(False)
            return
        assert self.state.db is not None
        c = invite_code_counts(self.state.db, rid)
        self.confirm_html.value = (
            "<p class='pt-warning' role='alert'>Stop asking for codes? Anyone with the form's"
            " address will be able to answer, and more than once. The"
            f" {c['issued'] - c['used']} code(s) not yet used stay valid if you tick it"
            " again.</p>"
        )
        show(self.confirm_box, True)

    def confirm_not_required(self) -> Any:
        show(self.confirm_box, False)
        self.confirm_html.value = ""
        return self.set_required(False)

    def cancel_not_required(self) -> None:
        show(self.confirm_box, False)
        self.confirm_html.value = ""
        if self.state.review_id and self.state.db is not None:
            from partnership_tools.store.drafts import codes_required

            self._set_required(codes_required(self.state.db, self.state.review_id))

    @action("changing the invitation codes setting")
    def set_required(self, required: bool) -> bool | None:
        """Turn the review's invitation codes on or off (as the checkbox does)."""
        from partnership_tools.store.drafts import DraftError, require_invite_codes

        try:
            rid = self._review("require invitation codes")
        except UIError:
            self._set_required(False)
            raise
        assert self.state.db is not None
        try:
            require_invite_codes(self.state.db, rid, bool(required))
        except DraftError as exc:
            raise UIError(str(exc)) from None
        self._on_change()
        self.feedback.success(
            "The form now asks for an invitation code: each code gives one response."
            if required
            else "The form no longer asks for a code: anyone with the address can answer."
        )
        return bool(required)

    # -- issuing codes ---------------------------------------------------------------------------
    @action("issuing invitation codes")
    def issue_codes(self, count: int | None = None, seed: int | None = None) -> list[str] | None:
        """Issue ``count`` new codes (the typed number by default), turn codes on, and show the
        codes once, in a grid with a printable sheet. ``seed`` is for tests only."""
        from partnership_tools.store.drafts import DraftError, issue_invite_codes

        rid = self._review("issue invitation codes")
        raw = self.count.value if count is None else count
        try:
            n = int(raw)
        except (TypeError, ValueError):
            raise UIError("Type how many invitation codes to issue, e.g. 20.") from None
        if not 1 <= n <= MAX_CODES:
            raise UIError(f"Issue between 1 and {MAX_CODES} invitation codes at a time.")
        assert self.state.db is not None
        with busy(self.issue_button, self.count):
            try:
                codes = issue_invite_codes(self.state.db, rid, n, seed=seed)
            except DraftError as exc:
                raise UIError(str(exc)) from None
        url = form_url(rid, self._base_url())
        title = self.state.review_title or rid
        sheet = invite_sheet_html(title, rid, codes, url).encode("utf-8")
        link = data_link(
            sheet,
            f"invitation-codes-{safe_filename(rid, 'review')}.html",
            "text/html",
            "Download a printable sheet",
            "pt-invite-sheet",
        )
        grid = "".join(f"<div role='listitem'>{esc(c)}</div>" for c in codes)
        self.codes_html.value = (
            f"<p class='pt-warning'><b>{len(codes)} new code(s), shown only now:</b> the store"
            f" keeps only a fingerprint of each, so they cannot be shown again. Print or"
            f" download them before leaving this page. {link}</p>"
            f"<div class='pt-invite-grid' role='list' aria-label='New invitation codes'>"
            f"{grid}</div>"
        )
        self._codes_for = rid
        self._on_change()
        self.feedback.success(f"Issued {len(codes)} invitation code(s); the form now asks for one.")
        return codes
