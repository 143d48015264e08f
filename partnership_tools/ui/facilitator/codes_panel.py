"""The Codes tab: issue one-time participant codes, shown once, with a printable sheet.

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

    WIDGETS = ("codes_count", "codes_button", "codes_status", "codes_html")

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
            ]
        )

    def reset(self) -> None:
        self.codes_html.value = ""

    def refresh(self, s: Session) -> None:
        """How many codes the session has issued (nothing when it does not use codes)."""
        self.codes_status.value = (
            f"<p>{self.console.store.code_count(s.id)} code(s) issued so far.</p>"
            if s.uses_codes
            else ""
        )

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
