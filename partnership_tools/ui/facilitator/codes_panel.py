"""The Codes tab: issue one-time participant codes, shown once, with a printable sheet; and
receipts: where voters check theirs, and whether every receipt is published with its ranking.

Each ballot gets a receipt code on its confirmation page (made from the ballot as stored,
:func:`~partnership_tools.store.sessions.receipt_code`). The receipt check page,
``/vote/<session>/receipt``, shows the ranking stored for a receipt; "Publish every receipt with
its ranking" (the session setting ``publish_receipts``) adds ``/vote/<session>/receipts``, the
list of each closed round's receipts and rankings, so anyone can recount
(:mod:`partnership_tools.server.receipts`).

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = CodesPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.issue_codes(3) is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

import ipywidgets as widgets

from partnership_tools.ui.common import (
    action,
    busy,
    button,
    data_link,
    esc,
    html_widget,
    join_url,
    safe_filename,
)
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.facilitator.helpers import codes_sheet_html
from partnership_tools.vote.model import Session

__all__ = ["CodesPanel"]


class CodesPanel:
    """Issue participant codes. ``pane`` is the tab's box."""

    WIDGETS = (
        "codes_count",
        "codes_button",
        "codes_status",
        "codes_html",
        "publish_receipts",
        "receipts_html",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        w = widgets
        self.codes_count = w.BoundedIntText(
            value=20,
            min=1,
            max=500,
            description="How many",
            style={"description_width": "initial"},
            layout=w.Layout(width="14em"),
        )
        self.codes_count.add_class("pt-codes-count")
        self.codes_button = button("Issue codes", "pt-issue-codes", "primary", "key")
        self.codes_button.on_click(lambda _b: self.issue_codes())
        self.codes_status = html_widget("", "pt-codes-status")
        self.codes_html = html_widget("", "pt-codes")
        self.publish_receipts = w.Checkbox(
            value=False,
            description="Publish every receipt with its ranking",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.publish_receipts.add_class("pt-publish-receipts")
        self.publish_receipts.observe(self._on_publish_receipts, "value")
        self._filling = False
        self.receipts_html = html_widget("", "pt-receipts")
        self.pane = w.VBox(
            [
                html_widget(
                    "<h2>Participant codes</h2><p class='pt-muted'>Optional. Once codes are"
                    " issued the ballot page asks for one, and each code votes once per round"
                    " (a second vote replaces the first). Codes are shown only now: print or"
                    " download them before leaving this page.</p>"
                ),
                self.codes_status,
                w.HBox(
                    [self.codes_count, self.codes_button], layout=w.Layout(flex_flow="row wrap")
                ),
                self.codes_html,
                html_widget(
                    "<h2>Receipts</h2><p class='pt-muted'>After voting, each participant sees a"
                    " receipt code made from their ballot as stored. On the receipt check page"
                    " a receipt shows the ranking the vote holds for it, so a voter can see"
                    " their ballot was counted as cast; nobody's name is involved.</p>"
                ),
                self.receipts_html,
                html_widget(
                    "<p class='pt-muted'>Publishing lists every closed round's receipts with"
                    " their rankings (no groups), so anyone can recount. It also lets a voter"
                    " show others how they voted: publish it only where nobody could be"
                    " pressed to.</p>"
                ),
                self.publish_receipts,
            ]
        )

    def reset(self) -> None:
        self.codes_html.value = ""

    def refresh(self, s: Session) -> None:
        """How many codes the session has issued (nothing when it does not use codes), the
        receipt pages' addresses and whether the list is published."""
        self.codes_status.value = (
            f"<p>{self.console.store.code_count(s.id)} code(s) issued so far.</p>"
            if s.uses_codes
            else ""
        )
        published = bool(s.settings.get("publish_receipts"))
        self._filling = True
        try:
            self.publish_receipts.value = published
        finally:
            self._filling = False
        base = join_url(s.id, self.console.base_url)
        check = f"{base}/receipt"
        items = f"<li>Receipt check page: <a href='{esc(check)}'>{esc(check)}</a></li>"
        if published:
            listed = f"{base}/receipts"
            items += f"<li>Published receipts: <a href='{esc(listed)}'>{esc(listed)}</a></li>"
        self.receipts_html.value = f"<ul class='pt-receipt-links'>{items}</ul>"

    def _on_publish_receipts(self, change: dict) -> None:
        if not self._filling:
            self.set_receipts_published(bool(change["new"]))

    @action("changing the receipts setting")
    def set_receipts_published(self, published: bool) -> bool | None:
        """Publish (or stop publishing) the list of receipts with their rankings."""
        s = self.console.require()
        store = self.console.store
        settings = dict(store.load_session(s.id, ballots=False).settings)
        settings["publish_receipts"] = bool(published)
        store.update_session(s.id, settings=settings)
        self.console.refresh()
        self.feedback.success(
            "Every closed round's receipts and rankings are published."
            if published
            else "The list of receipts is no longer published."
        )
        return bool(published)

    @action("issuing codes")
    def issue_codes(self, count: int | None = None, seed: int | None = None) -> list[str] | None:
        s = self.console.require()
        n = int(self.codes_count.value if count is None else count)
        with busy(self.codes_button):
            codes = self.console.store.issue_codes(s.id, n, seed=seed)
        url = join_url(s.id, self.console.base_url)
        grid = "".join(f"<div>{esc(c)}</div>" for c in codes)
        sheet = codes_sheet_html(s.question, s.id, codes, url).encode("utf-8")
        name = f"codes-{safe_filename(s.id)}.html"
        link = data_link(sheet, name, "text/html", "Download a printable sheet", "pt-codes-link")
        self.codes_html.value = (
            f"<p>{len(codes)} new code(s). {link}</p><div class='pt-codes-grid'>{grid}</div>"
        )
        self.console.refresh()
        self.feedback.success(f"Issued {len(codes)} participant code(s).")
        return codes
