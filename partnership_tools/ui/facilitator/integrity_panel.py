"""One person, one ballot: the ballot-mode chooser (on the Codes tab) and the "Check ballots"
tab (the signs of stuffing, and setting suspect ballots aside).

**Ballot modes** (:mod:`partnership_tools.store.integrity`): ``open`` (every ballot counts),
``browser`` (the default: one counted ballot per browser per round) and ``codes`` (one per
printed code per round). The mode may change between rounds, or while the open round has no
ballot yet; once ballots are in, a change would count some of them by one rule and the rest by
another, so it is refused (:func:`mode_change_refusal`).

**Check ballots** shows, for the open or a closed round, its ballots per minute of arrival and
per browser (browsers with more than one ballot marked), the signs in plain sentences
(:func:`signs_sentences`), and lets the facilitator pick suspect ballots (all of a minute's,
or a browser's ballots with or without its first one), say who is setting them aside and why
(both required) and, after a confirmation, take them out of the count
(:func:`~partnership_tools.store.integrity.set_aside`). They are listed below with who, when
and why, and travel in the saved session file.

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = CheckBallotsPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.ask_set_aside() is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from partnership_tools.store import integrity
from partnership_tools.ui.common import (
    ChartSlot,
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
from partnership_tools.ui.facilitator.helpers import scroll_table
from partnership_tools.vote.model import Ballot, Session

__all__ = [
    "MODE_EXPLANATIONS",
    "MODE_NAMES",
    "BallotModePanel",
    "CheckBallotsPanel",
    "mode_change_refusal",
    "mode_line",
    "signs_sentences",
    "suspect_ids",
]

#: Each mode's short name, as on the radio buttons and the Round tab.
MODE_NAMES: dict[str, str] = {
    "open": "Open",
    "browser": "One ballot per browser (default)",
    "codes": "One ballot per code",
}

#: At most this many browsers with a single ballot are listed (every browser with more is).
SINGLE_BROWSER_ROWS = 20

#: Each mode as a rule, inside a sentence.
_RULES = {"open": "open", "browser": "one-ballot-per-browser", "codes": "one-ballot-per-code"}

#: What each mode guarantees, in one line (the README's table, "One person, one ballot").
MODE_EXPLANATIONS: dict[str, str] = {
    "open": "Every ballot cast is counted; nothing stops one person casting many.",
    "browser": (
        "One counted ballot per browser per round: a second ballot from the same browser"
        " replaces the first; a second browser, a private window or cleared cookies count as"
        " a new browser."
    ),
    "codes": (
        "One counted ballot per printed code per round: a second ballot with the same code"
        " replaces the first; a code passed on is used by whoever holds it."
    ),
}


def mode_change_refusal(session: Session, new_mode: str) -> str | None:
    """Why the session's ballot mode may not change to ``new_mode`` now (one sentence), or
    ``None`` when it may.

    The rule: no change while the open round already has ballots (they were cast under the
    current mode's promise, and the rest would be counted by another rule). Between rounds, or
    in an open round without ballots, any mode may be chosen.

    >>> from partnership_tools.vote.model import Option, Round
    >>> s = Session(id="s", question="q", options=(Option("A", "a"), Option("B", "b")),
    ...     rounds=(Round(1, ("A", "B"), "open",
    ...     (Ballot(("A",)),)),))
    >>> mode_change_refusal(s, "open")[:52]
    'Round 1 is open and already has 1 ballot cast under '
    >>> mode_change_refusal(s, "browser") is None  # already the mode: nothing to change
    True
    >>> mode_change_refusal(Session(id="s", question="q"), "codes") is None
    True
    """
    if new_mode not in integrity.BALLOT_MODES:
        return f"Choose one of the ballot modes {', '.join(integrity.BALLOT_MODES)}."
    current = integrity.ballot_mode(session)
    if new_mode == current:
        return None
    rnd = session.open_round
    if rnd is not None and rnd.ballots:
        n = len(rnd.ballots)
        word = "ballot" if n == 1 else "ballots"
        return (
            f"Round {rnd.number} is open and already has {n} {word} cast under the"
            f" {_RULES[current]} rule, so changing the mode now would count"
            " the rest by a different rule; close the round first and change it before"
            " the next one."
        )
    return None


def mode_line(session: Session) -> str:
    """The session's ballot mode in one sentence, for the Round tab (plain text).

    >>> mode_line(Session(id="s", question="q", settings={"ballot_mode": "open"}))
    'Ballot mode: Open. Every ballot cast is counted; nothing stops one person casting many.'
    """
    mode = integrity.ballot_mode(session)
    return f"Ballot mode: {MODE_NAMES[mode]}. {MODE_EXPLANATIONS[mode]}"


def _minute_text(minute: str) -> str:
    """``2026-01-01T10:00`` as ``2026-01-01 10:00``."""
    return str(minute).replace("T", " ")


def signs_sentences(
    number: int, signs: Mapping[str, Any], ballots: int, set_aside_count: int = 0
) -> list[str]:
    """The signs of stuffing for round ``number`` in plain sentences, from
    :func:`~partnership_tools.store.integrity.stuffing_signs` and the round's ballot count.

    Said: how many ballots the round counts; the busiest minute and its ballots (and how that
    compares with the average minute that had ballots: busiest / (ballots / minutes with
    ballots)), or that they all came within one minute, or that no minute stands out; how many browsers cast more than one ballot and the most from one; how many
    ballots name no browser; how many were set aside.

    >>> signs = {"per_minute": [{"minute": "2026-01-01T10:00", "ballots": 3},
    ...     {"minute": "2026-01-01T10:01", "ballots": 1}],
    ...     "per_browser": [{"browser": "ab", "ballots": 3}, {"browser": "cd", "ballots": 1}],
    ...     "busiest_minute": 3, "most_from_one_browser": 3}
    >>> for line in signs_sentences(1, signs, 4): print(line)
    Round 1 counts 4 ballots, which arrived over 2 minutes.
    The busiest minute was 2026-01-01 10:00 UTC with 3 ballots, 1.5 times the average minute with ballots.
    1 browser cast more than one ballot; the most from one browser is 3.
    >>> signs_sentences(2, {"per_minute": [{"minute": "2026-01-01T10:00", "ballots": 5}],
    ...     "per_browser": []}, 5)[1]
    'All of them arrived within one minute, 2026-01-01 10:00 UTC.'
    """
    per_minute = list(signs.get("per_minute") or [])
    per_browser = list(signs.get("per_browser") or [])
    out: list[str] = []
    if ballots == 0:
        out.append(f"Round {number} has no ballots yet.")
    else:
        minutes = len(per_minute)
        out.append(
            f"Round {number} counts {ballots} ballot{'s' if ballots != 1 else ''}, which"
            f" arrived over {minutes} minute{'s' if minutes != 1 else ''}."
        )
        counts = [int(m["ballots"]) for m in per_minute]
        if len(per_minute) == 1:
            out.append(
                f"All of them arrived within one minute,"
                f" {_minute_text(per_minute[0]['minute'])} UTC."
            )
        elif per_minute and max(counts) == min(counts):
            out.append(
                f"Each of those minutes had {counts[0]} ballot{'s' if counts[0] != 1 else ''}:"
                " no minute stands out."
            )
        elif per_minute:
            busiest = max(per_minute, key=lambda m: m["ballots"])  # the earliest of ties
            ratio = busiest["ballots"] / (ballots / minutes)
            out.append(
                f"The busiest minute was {_minute_text(busiest['minute'])} UTC with"
                f" {busiest['ballots']} ballot{'s' if busiest['ballots'] != 1 else ''},"
                f" {ratio:.1f} times the average minute with ballots."
            )
        multi = [b for b in per_browser if b["ballots"] > 1]
        if multi:
            out.append(
                f"{len(multi)} browser{'s' if len(multi) != 1 else ''} cast more than one"
                f" ballot; the most from one browser is {signs.get('most_from_one_browser', 0)}."
            )
        elif per_browser:
            out.append("No browser cast more than one counted ballot.")
        without = ballots - sum(int(b["ballots"]) for b in per_browser)
        if without > 0:
            out.append(
                f"{without} ballot{'s name' if without != 1 else ' names'} no browser (paper,"
                " imported or cast before browsers were recorded) and"
                f" {'are' if without != 1 else 'is'} not in the browser table."
            )
    if set_aside_count:
        out.append(
            f"{set_aside_count} ballot{'s' if set_aside_count != 1 else ''} of this round"
            f" {'have' if set_aside_count != 1 else 'has'} been set aside (listed below)."
        )
    return out


def suspect_ids(
    choices: Sequence[str],
    ballots: Sequence[tuple[int, Ballot]],
    per_browser: Sequence[Mapping[str, Any]],
    keep_first: bool = True,
) -> list[int]:
    """The ballot ids picked by ``choices``: ``"minute:<YYYY-MM-DDTHH:MM>"`` (every ballot
    that arrived in that minute) or ``"browser:<8 hex digits>"`` (that browser's ballots, less
    its earliest when ``keep_first``). Sorted, each id once.

    >>> bs = [(1, Ballot(("A",), submitted_at="2026-01-01T10:00:05Z")),
    ...       (2, Ballot(("A",), submitted_at="2026-01-01T10:00:40Z")),
    ...       (3, Ballot(("B",), submitted_at="2026-01-01T10:01:10Z"))]
    >>> pb = [{"browser": "b1", "ballot_ids": [1, 3]}]
    >>> suspect_ids(["minute:2026-01-01T10:00"], bs, pb), suspect_ids(["browser:b1"], bs, pb)
    ([1, 2], [3])
    >>> suspect_ids(["browser:b1"], bs, pb, keep_first=False)
    [1, 3]
    """
    at = {bid: b.submitted_at for bid, b in ballots}
    picked: set[int] = set()
    for choice in choices:
        kind, _, key = str(choice).partition(":")
        if kind == "minute":
            picked.update(bid for bid, when in at.items() if str(when)[:16] == key)
        elif kind == "browser":
            row = next((r for r in per_browser if r["browser"] == key), None)
            if row is None:
                continue
            ids = sorted(
                (int(i) for i in row["ballot_ids"] if int(i) in at),
                key=lambda i: (str(at[i]), i),
            )
            picked.update(ids[1:] if keep_first else ids)
    return sorted(picked)


# -- the ballot-mode chooser -----------------------------------------------------------------------
class BallotModePanel:
    """Choose the session's ballot mode. ``pane`` sits on the Codes tab."""

    WIDGETS = ("mode_choice", "mode_button", "mode_status")

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        w = widgets
        self.mode_choice = w.RadioButtons(
            options=[(MODE_NAMES[m], m) for m in integrity.BALLOT_MODES],
            value=integrity.DEFAULT_BALLOT_MODE,
            description="Ballot mode",
            style={"description_width": "initial"},
            layout=w.Layout(width="auto"),
        )
        self.mode_choice.add_class("pt-mode-choice")
        self.mode_button = button("Use this mode", "pt-set-mode", "primary", "check")
        self.mode_button.on_click(lambda _b: self.set_mode())
        self.mode_status = html_widget("", "pt-mode-status")
        items = "".join(
            f"<li><b>{esc(MODE_NAMES[m])}</b>: {esc(MODE_EXPLANATIONS[m])}</li>"
            for m in integrity.BALLOT_MODES
        )
        self.pane = w.VBox(
            [
                html_widget(
                    "<h2>One person, one ballot</h2><p class='pt-muted'>How web ballots are"
                    " tied to voters (paper and imported ballots count as entered in every"
                    f" mode):</p><ul class='pt-mode-list'>{items}</ul>"
                ),
                self.mode_status,
                self.mode_choice,
                self.mode_button,
            ]
        )
        self.pane.add_class("pt-ballot-mode")

    def refresh(self, s: Session) -> None:
        """Show the session's mode (and select it)."""
        mode = integrity.ballot_mode(s)
        self.mode_choice.value = mode
        extra = ""
        if mode == "codes" and self.console.store.code_count(s.id) == 0:
            extra = (
                " <span class='pt-warning'>No codes are issued yet: issue them below before"
                " participants vote.</span>"
            )
        self.mode_status.value = f"<p>Now: <b>{esc(MODE_NAMES[mode])}</b>.{extra}</p>"

    @action("changing the ballot mode")
    def set_mode(self, mode: str | None = None) -> str | None:
        """Change the ballot mode (refused, in one sentence, while the open round has
        ballots; see :func:`mode_change_refusal`)."""
        s = self.console.require()
        store = self.console.store
        new = str(self.mode_choice.value if mode is None else mode)
        fresh = store.load_session(s.id)
        refusal = mode_change_refusal(fresh, new)
        if refusal:
            self.mode_choice.value = integrity.ballot_mode(fresh)
            raise UIError(refusal)
        if new == integrity.ballot_mode(fresh):
            self.feedback.info(f"The ballot mode is already {MODE_NAMES[new].lower()}.")
            return new
        with busy(self.mode_button):
            integrity.set_ballot_mode(store, s.id, new)
        self.console.refresh()
        self.feedback.success(f"Ballot mode: {MODE_NAMES[new]}. {MODE_EXPLANATIONS[new]}")
        return new


# -- the Check ballots tab --------------------------------------------------------------------
class CheckBallotsPanel:
    """Signs of stuffing for a round, and setting suspect ballots aside. ``pane`` is the tab."""

    WIDGETS = (
        "check_round",
        "check_button",
        "signs_html",
        "per_minute_html",
        "minute_chart_button",
        "per_browser_html",
        "suspect_select",
        "keep_first",
        "aside_by",
        "aside_why",
        "aside_button",
        "aside_confirm_text",
        "aside_confirm_button",
        "aside_cancel_button",
        "aside_confirm_box",
        "set_aside_html",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        #: what the confirmation asks: (round number, ballot ids, by, why).
        self.pending: tuple[int, list[int], str, str] | None = None
        self.signs: dict[str, Any] = {}
        self._filling = False
        w = widgets
        form = {"description_width": "12em"}
        full = w.Layout(width="100%", max_width="40em")
        self.check_round = w.Dropdown(description="Round", options=[], style=form)
        self.check_round.add_class("pt-check-round")
        self.check_round.observe(self._on_round, "value")
        self.check_button = button("Check again", "pt-check-ballots", "", "refresh")
        self.check_button.on_click(lambda _b: self.check())
        self.signs_html = html_widget("", "pt-signs")
        self.per_minute_html = html_widget("", "pt-per-minute")
        self.per_browser_html = html_widget("", "pt-per-browser")
        self.minute_chart_button = button("Show as a chart", "pt-minute-chart", "", "bar-chart")
        self.minute_chart_button.on_click(lambda _b: self.show_chart())
        self.minute_chart = ChartSlot("pt-minute-chart-slot")
        self.suspect_select = w.SelectMultiple(
            options=[], description="Suspect ballots", rows=6, layout=full, style=form
        )
        self.suspect_select.add_class("pt-suspect-select")
        self.keep_first = w.Checkbox(
            value=True, description="Keep each chosen browser's first ballot", indent=False
        )
        self.keep_first.add_class("pt-keep-first")
        self.aside_by = w.Text(
            description="Set aside by", placeholder="your name", layout=full, style=form
        )
        self.aside_by.add_class("pt-aside-by")
        self.aside_why = w.Textarea(
            description="Why",
            placeholder="e.g. 40 ballots from one browser in two minutes",
            layout=full,
            style=form,
            rows=2,
        )
        self.aside_why.add_class("pt-aside-why")
        self.aside_button = button("Set aside…", "pt-set-aside", "warning", "ban")
        self.aside_button.on_click(lambda _b: self.ask_set_aside())
        self.aside_confirm_text = html_widget("", "pt-confirm-text")
        self.aside_confirm_button = button("Yes, set them aside", "pt-confirm-aside", "danger")
        self.aside_confirm_button.on_click(lambda _b: self.confirm_set_aside())
        self.aside_cancel_button = button("Cancel", "pt-cancel-aside")
        self.aside_cancel_button.on_click(lambda _b: self.cancel_set_aside())
        self.aside_confirm_box = w.VBox(
            [
                self.aside_confirm_text,
                w.HBox(
                    [self.aside_confirm_button, self.aside_cancel_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        self.aside_confirm_box.add_class("pt-confirm-box")
        self.aside_confirm_box.add_class("pt-aside-confirm")
        show(self.aside_confirm_box, False)
        self.set_aside_html = html_widget("", "pt-set-aside-list")
        self.pane = w.VBox(
            [
                html_widget(
                    "<h2>Check ballots</h2><p class='pt-muted'>Signs of stuffing: when the"
                    " ballots arrived and how many came from one browser. Ballots you set aside"
                    " leave the count and are kept, with who set them aside, when and why, in"
                    " the saved session file.</p>"
                ),
                w.HBox(
                    [self.check_round, self.check_button], layout=w.Layout(flex_flow="row wrap")
                ),
                self.signs_html,
                self.per_minute_html,
                self.minute_chart_button,
                self.minute_chart.box,
                self.per_browser_html,
                html_widget(
                    "<h3>Set suspect ballots aside</h3><p class='pt-muted'>Choose minutes or"
                    " browsers (hold Ctrl or Cmd for several), say who you are and why.</p>"
                ),
                self.suspect_select,
                self.keep_first,
                self.aside_by,
                self.aside_why,
                self.aside_button,
                self.aside_confirm_box,
                html_widget("<h3>Ballots set aside</h3>"),
                self.set_aside_html,
            ]
        )
        self.pane.add_class("pt-check-ballots-pane")

    # -- showing -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Another session was opened: forget the pending confirmation and the chart."""
        self.cancel_set_aside()
        self.minute_chart.clear()

    def refresh(self, s: Session) -> None:
        """List the session's rounds (the open one, else the latest, chosen) and show it."""
        opts = [
            (f"Round {r.number} ({'open' if r.status == 'open' else r.status})", r.number)
            for r in reversed(s.rounds)
        ]
        keep = self.check_round.value
        numbers = [n for _, n in opts]
        self._filling = True
        try:
            if list(self.check_round.options) != opts:
                self.check_round.options = opts
            if keep in numbers:
                self.check_round.value = keep
            elif s.open_round is not None:
                self.check_round.value = s.open_round.number
            elif numbers:
                self.check_round.value = numbers[0]
        finally:
            self._filling = False
        self.show_round(s)

    def _on_round(self, change: dict) -> None:
        if not self._filling:
            self.check()

    @action("checking the ballots")
    def check(self) -> dict[str, Any] | None:
        """Read the chosen round's signs afresh from the store and show them."""
        s = self.console.require()
        self.refresh(self.console.store.load_session(s.id))
        return self.signs

    def show_round(self, s: Session) -> None:
        number = self.check_round.value
        store = self.console.store
        kept = integrity.set_aside_ballots(store, s.id)
        self._show_set_aside(kept)
        if number is None:
            self.signs = {}
            self.signs_html.value = "<p>No round yet: there is nothing to check.</p>"
            self.per_minute_html.value = self.per_browser_html.value = ""
            self.suspect_select.options = []
            self.minute_chart.clear()
            show(self.minute_chart_button, False)
            return
        signs = integrity.stuffing_signs(store, s.id, number)
        self.signs = signs
        show(self.minute_chart_button, bool(signs["per_minute"]))
        if self.minute_chart.chart is not None:  # shown before: keep it up to date
            self._draw_chart(number)
        count = store.ballot_count(s.id, number)
        gone = sum(1 for k in kept if k.get("round") == number)
        lines = signs_sentences(number, signs, count, gone)
        self.signs_html.value = "".join(f"<p>{esc(line)}</p>" for line in lines)
        minutes = signs["per_minute"]
        busiest = signs["busiest_minute"]
        least = min((int(m["ballots"]) for m in minutes), default=0)
        self.per_minute_html.value = (
            scroll_table(
                html_table(
                    ["Minute (UTC)", "Ballots", "Sign"],
                    [
                        [
                            _minute_text(m["minute"]),
                            m["ballots"],
                            "busiest" if m["ballots"] == busiest > least else "",
                        ]
                        for m in minutes
                    ],
                    numeric=(1,),
                    caption=f"Round {number}: ballots per minute",
                ),
                f"Round {number}: ballots per minute",
            )
            if minutes
            else ""
        )
        all_browsers = signs["per_browser"]
        multi = [b for b in all_browsers if b["ballots"] > 1]
        single = [b for b in all_browsers if b["ballots"] <= 1]
        browsers = multi + single[:SINGLE_BROWSER_ROWS]
        unlisted = len(single) - len(single[:SINGLE_BROWSER_ROWS])
        note = (
            f"<p class='pt-muted'>{unlisted} more browser{'s' if unlisted != 1 else ''} with"
            " one ballot each not listed.</p>"
            if unlisted
            else ""
        )
        self.per_browser_html.value = (
            scroll_table(
                html_table(
                    ["Browser", "Ballots", "First", "Last", "Sign"],
                    [
                        [
                            b["browser"],
                            b["ballots"],
                            b["first"],
                            b["last"],
                            "more than one ballot" if b["ballots"] > 1 else "",
                        ]
                        for b in browsers
                    ],
                    numeric=(1,),
                    row_classes=["pt-suspect" if b["ballots"] > 1 else "" for b in browsers],
                    caption=f"Round {number}: ballots per browser (first 8 digits of its hash)",
                ),
                f"Round {number}: ballots per browser",
            )
            + note
            if browsers
            else "<p class='pt-muted'>No ballot in this round names a browser.</p>"
        )
        choices = [
            (
                f"Browser {b['browser']}: {b['ballots']} ballots",
                f"browser:{b['browser']}",
            )
            for b in browsers
            if b["ballots"] > 1
        ] + [
            (
                f"Minute {_minute_text(m['minute'])} UTC: {m['ballots']}"
                f" ballot{'s' if m['ballots'] != 1 else ''}",
                f"minute:{m['minute']}",
            )
            for m in minutes
        ]
        if list(self.suspect_select.options) != choices:
            self.suspect_select.options = choices

    @action("drawing the chart")
    def show_chart(self) -> Any:
        """Draw the chosen round's ballots per minute as bars (Altair loads only now)."""
        self.console.require()
        number = self.check_round.value
        if number is None or not self.signs.get("per_minute"):
            raise UIError("There are no ballots to draw yet.")
        return self._draw_chart(int(number))

    def _draw_chart(self, number: int) -> Any:
        from partnership_tools.charts.integrity import (
            ballots_per_minute_chart,
            ballots_per_minute_frame,
        )

        rows = self.signs.get("per_minute") or []
        if not rows:
            self.minute_chart.clear()
            show(self.minute_chart_button, False)
            return None
        chart = ballots_per_minute_chart(
            ballots_per_minute_frame(rows), title=f"Round {number}: ballots per minute"
        )
        self.minute_chart.set(chart)
        return chart

    def _show_set_aside(self, kept: Sequence[Mapping[str, Any]]) -> None:
        if not kept:
            self.set_aside_html.value = "<p class='pt-muted'>No ballot has been set aside.</p>"
            return
        rows = [
            [
                k.get("round", ""),
                k.get("ballot_id", ""),
                " > ".join((k.get("ballot") or {}).get("ranking") or []),
                k.get("by", ""),
                k.get("at", ""),
                k.get("why", ""),
            ]
            for k in kept
        ]
        self.set_aside_html.value = scroll_table(
            html_table(
                ["Round", "Ballot", "Ranking", "Set aside by", "When (UTC)", "Why"],
                rows,
                numeric=(0, 1),
                caption=f"{len(kept)} ballot(s) set aside, left out of every count",
            ),
            "Ballots set aside",
        )

    # -- setting aside ------------------------------------------------------------------------
    @action("setting ballots aside")
    def ask_set_aside(
        self,
        choices: Sequence[str] | None = None,
        by: str | None = None,
        why: str | None = None,
    ) -> list[int] | None:
        """Step one: check the choice, who and why; show "Set aside N ballots?" and return
        the ballot ids it would set aside."""
        s = self.console.require()
        number = self.check_round.value
        if number is None:
            raise UIError("There is no round to check yet.")
        picked = list(self.suspect_select.value if choices is None else choices)
        if not picked:
            raise UIError("Choose the minutes or browsers whose ballots are suspect.")
        who = " ".join((self.aside_by.value if by is None else by).split())
        reason = " ".join((self.aside_why.value if why is None else why).split())
        if not who:
            raise UIError("Say who is setting these ballots aside (Set aside by).")
        if not reason:
            raise UIError("Say why these ballots are set aside (Why).")
        store = self.console.store
        ids = suspect_ids(
            picked,
            store.ballots(s.id, number),
            integrity.ballots_per_browser(store, s.id, number),
            bool(self.keep_first.value),
        )
        if not ids:
            raise UIError(
                "The chosen ballots leave nothing to set aside (a browser's only ballot is"
                " kept while its first ballot is kept)."
            )
        self.pending = (int(number), ids, who, reason)
        n = len(ids)
        word = "ballot" if n == 1 else "ballots"
        count = store.ballot_count(s.id, number)
        self.aside_confirm_text.value = (
            f"<p class='pt-warning' role='alert'>Set aside {n} {word} of round {number}"
            f" (ids {esc(', '.join(str(i) for i in ids))})? Round {number} would then count"
            f" {count - n} ballots. They are kept, with your name and reason, in the saved"
            " session file.</p>"
        )
        self.aside_confirm_button.description = f"Yes, set {n} {word} aside"
        show(self.aside_confirm_box, True)
        return ids

    def cancel_set_aside(self) -> None:
        self.pending = None
        show(self.aside_confirm_box, False)

    @action("setting ballots aside")
    def confirm_set_aside(self) -> int | None:
        """Step two: set the confirmed ballots aside; returns how many."""
        s = self.console.require()
        if self.pending is None:
            raise UIError("Choose the ballots to set aside and press Set aside first.")
        number, ids, who, reason = self.pending
        store = self.console.store
        with busy(self.aside_confirm_button, self.aside_button):
            n = integrity.set_aside(store, s.id, ids, by=who, why=reason)
        self.cancel_set_aside()
        self.aside_why.value = ""
        self.suspect_select.value = ()
        self.console.refresh()
        count = store.ballot_count(s.id, number)
        self.feedback.success(
            f"Set aside {n} ballot{'s' if n != 1 else ''} of round {number}; it now counts {count}."
        )
        return n
