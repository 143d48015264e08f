"""The projector screen: what the room sees during a Crowd Wise vote. Read-only.

While a round is open it shows the question, the address of the ballot page as text and as a QR
code, the options on the ballot paper (ids and labels, so that paper voters can write them),
whether a voting code is needed, what changed since the previous round ("F is new: merged from B
and D"; "G amends E") and the turnout: ballots so far, codes used of codes issued, and web and
paper ballots apart (one cheap query every couple of seconds, no ballot loaded). Once the round closes it shows the results: the MBC points
with each option's consensus coefficient against the threshold, how each option was ranked, the
pairwise matrix, support by stakeholder group (only groups of at least the minimum group size,
``session.settings["min_group_size"]``, default 5; the screen says which are hidden and why) and
the change since the previous round, following each option's lineage. Every figure is rounded
half up (:func:`partnership_tools.kernel.rounding.fixed`). The screen follows the session by itself (a poller checks the store every
couple of seconds), so the facilitator never has to touch it.

Under the charts, one small row of "Save chart as PNG / SVG" buttons
(:class:`~partnership_tools.ui.export.ChartExport`, ``app.chart_export.save(fmt)``) writes the
charts on screen to the export folder and offers them as a download.

No facilitator key is needed; the page sits behind the Jupyter token like every app.

>>> import tempfile, os
>>> app = ProjectorApp(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite"), poll_interval=None)
>>> app.phase
'pick'
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as widgets
import sqlalchemy as sa

from partnership_tools.kernel.rounding import fixed
from partnership_tools.store import Store
from partnership_tools.ui.common import (
    ChartSlot,
    Feedback,
    UIError,
    WidgetApp,
    action,
    button,
    esc,
    html_widget,
    join_url,
    public_base_url,
    qr_svg,
    session_from_query,
    show,
    style_widget,
    warm_up_altair,
)
from partnership_tools.ui.export import ChartExport, export_dir
from partnership_tools.ui.poller import StorePoller
from partnership_tools.ui.saving import SaveFlow, Snapshot
from partnership_tools.vote.model import Session

log = logging.getLogger("partnership_tools.ui")

CHART_WIDTH = 640

#: Shown under a join address that only this computer can open.
LOOPBACK_WARNING = (
    "Only this computer can open this address: phones in the room cannot. Start serve with the"
    " participants' listener on the network (see README)."
)


def loopback_url(url: str) -> bool:
    """Whether ``url``'s host is reachable only from this computer: an address in 127.0.0.0/8,
    ``::1``, or ``localhost`` (or a name under ``.localhost``). A bare path (no host) is not.

    >>> [loopback_url(u) for u in ("http://127.0.0.2:8867/vote/s", "http://[::1]:8867/vote/s",
    ...     "http://LocalHost:8866/vote/s", "http://192.168.1.20:8867/vote/s", "/vote/s")]
    [True, True, True, False, False]
    """
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


PROJECTOR_CSS = """
.pt-projector { max-width: 1400px; font-size: 18px; color: #111; background: #fff; }
.pt-projector .widget-html-content { font-size: 18px; }
.pt-projector .pt-question h1 { font-size: 2.1em; line-height: 1.2; margin: 0.3em 0; }
.pt-projector .pt-round-title p { font-size: 1.6em; font-weight: 700; color: #0B3C5D; }
.pt-projector .pt-join-url { font-size: 2.1em; font-weight: 700; word-break: break-all;
  font-family: ui-monospace, Menlo, Consolas, monospace; color: #000; }
.pt-projector .pt-join-label { font-size: 1.4em; }
.pt-projector .pt-join-url a { color: #000; text-decoration: none; }
.pt-projector .pt-join-url .pt-join-id { white-space: nowrap; }
.pt-projector .pt-live-count .pt-count-number { font-size: 4.5em; font-weight: 800;
  line-height: 1; font-variant-numeric: tabular-nums; color: #0B3C5D; }
.pt-projector .pt-live-count .pt-count-box { font-size: 1.5em; }
.pt-projector .pt-turnout p { margin: 0.2em 0; font-size: 1.15em; font-variant-numeric: tabular-nums; }
.pt-projector .pt-code-needed p { font-size: 1.25em; font-weight: 700; margin: 0.3em 0; }
.pt-projector .pt-option-list ol { list-style: none; padding: 0; margin: 0.3em 0;
  columns: 2 22em; column-gap: 2em; }
.pt-projector .pt-option-list li { font-size: 1.35em; margin: 0.15em 0; break-inside: avoid; }
.pt-projector .pt-option-id { display: inline-block; min-width: 2.2em; font-weight: 800;
  font-family: ui-monospace, Menlo, Consolas, monospace; color: #0B3C5D; }
.pt-projector .pt-changes ul { margin: 0.2em 0; padding-left: 1.2em; }
.pt-projector .pt-changes li { font-size: 1.2em; margin: 0.15em 0; }
.pt-projector .pt-group-note p { font-size: 1em; color: #323F4B; }
.pt-projector .pt-qr svg { width: 100%; height: auto; display: block; }
.pt-projector .pt-qr { min-width: 220px; max-width: 420px; flex: 1 1 300px; margin-right: 24px; }
.pt-projector .pt-headline p { margin: 0.15em 0; line-height: 1.25; }
.pt-projector .pt-headline-round { font-size: 1.1em; color: #323F4B; }
.pt-projector .pt-headline-top { font-size: 1.8em; font-weight: 800; }
.pt-projector .pt-headline-coef { font-size: 1.35em; }
.pt-projector .pt-coefficient { font-weight: 800; color: #0B3C5D; }
.pt-projector .pt-summary-text { font-size: 1.1em; line-height: 1.5; max-width: 60em; }
.pt-projector .pt-waiting p { font-size: 1.5em; color: #323F4B; }
.pt-projector .pt-chart-export { margin-top: 4px; }
.pt-projector .pt-chart-export button { font-size: 13px; height: 26px; line-height: 26px; }
.pt-projector .pt-chart-export .widget-html-content { font-size: 13px; }
@media (max-width: 600px) {
  .pt-projector, .pt-projector .widget-html-content { font-size: 15px; }
  .pt-projector .pt-question h1 { font-size: 1.6em; }
  .pt-projector .pt-join-url { font-size: 1.4em; }
  .pt-projector .pt-headline-top { font-size: 1.4em; }
  .pt-projector .pt-headline-coef { font-size: 1.1em; }
}
"""


class ProjectorApp(WidgetApp):
    """The projector screen. Build it and display it (``app.show()`` or ``display(app)``).

    Parameters: ``db_path`` (the store; default ``$PARTNERSHIP_TOOLS_DB``), ``session_id`` (the
    session to follow; without it the screen offers a list), ``store`` (an open :class:`Store`
    instead of a path), ``poll_interval`` (seconds between checks; ``None`` turns polling off, as
    in tests: call :meth:`check` yourself), ``base_url`` (the address participants use;
    default :func:`public_base_url`), ``charts`` (False skips drawing charts, for fast tests).

    ``phase`` is ``pick`` (no session chosen), ``waiting`` (no round yet), ``open`` (a round is
    open) or ``results`` (showing a closed round); ``shown_round`` the round on screen;
    ``count`` the live ballot count; ``turnout`` the open round's turnout (``ballots``, ``web``,
    ``paper``, ``import``, ``codes_used``, ``codes_issued``, from :meth:`Store.turnout`);
    ``chart`` the Altair chart on screen.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        session_id: str | None = None,
        store: Store | None = None,
        poll_interval: float | None = 2.0,
        base_url: str | None = None,
        charts: bool = True,
    ) -> None:
        self.feedback = Feedback()
        self.store = store or Store(db_path)
        self.db_path = self.store.path
        self.poll_interval = poll_interval
        self._base_url = base_url
        self.draw_charts = charts
        self.session_id: str | None = None
        self.session: Session | None = None
        self.phase = "pick"
        self.shown_round: int | None = None
        self.count: int | None = None
        self._signature: tuple | None = None
        self._lock = threading.RLock()
        self.poller = StorePoller(
            poll_interval, self._poll, db_path=self.db_path, name="pt-projector"
        )
        self._syncing = False
        self._chart_seq = 0
        self._build()
        if charts:
            warm_up_altair()
        # While the page is being built, charts are drawn in line: a chart widget made from a
        # thread as the browser connects can miss the browser, and the chart never appears.
        self._building = True
        try:
            self._start(session_id)
        finally:
            self._building = False

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        w = widgets
        self.pick_select = w.Dropdown(
            description="Session",
            options=[],
            style={"description_width": "initial"},
            layout=w.Layout(width="100%", max_width="40em"),
        )
        self.pick_select.add_class("pt-projector-pick")
        self.pick_button = button("Show on the projector", "pt-projector-show", "primary", "tv")
        self.pick_button.on_click(lambda _b: self.follow(self.pick_select.value))
        self.pick_box = w.VBox(
            [
                html_widget("<h1>Projector</h1><p>Choose the session to show.</p>"),
                self.pick_select,
                self.pick_button,
            ]
        )
        self.question = html_widget("", "pt-question")
        # Open round: join address, QR code, live count.
        self.round_title = html_widget("", "pt-round-title")
        self.join_html = html_widget("", "pt-join")
        self.qr_html = html_widget("", "pt-qr")
        self.count_html = html_widget("", "pt-live-count")
        self.turnout_html = html_widget("", "pt-turnout")
        self.code_html = html_widget("", "pt-code-needed")
        self.options_html = html_widget("", "pt-option-list")
        self.changes_html = html_widget("", "pt-changes")
        self.turnout: dict[str, int] | None = None
        self.open_view = w.VBox(
            [
                self.round_title,
                w.HBox(
                    [
                        self.qr_html,
                        w.VBox(
                            [self.join_html, self.code_html, self.count_html, self.turnout_html],
                            layout=w.Layout(flex="2 1 320px"),
                        ),
                    ],
                    layout=w.Layout(flex_flow="row wrap", align_items="center", width="100%"),
                ),
                self.changes_html,
                self.options_html,
            ]
        )
        self.open_view.add_class("pt-open-view")
        # Waiting for a first round.
        self.waiting_html = html_widget("", "pt-waiting")
        # Results.
        self.results_round = w.Dropdown(
            description="Round", options=[], style={"description_width": "initial"}
        )
        self.results_round.add_class("pt-projector-round")
        self.results_round.observe(self._on_round_choice, "value")
        self.headline = html_widget("", "pt-headline")
        self.summary_html = html_widget("", "pt-projector-summary")
        self.group_note_html = html_widget("", "pt-group-note")
        self.chart = ChartSlot("pt-projector-chart")
        # One small row under the charts: the room reads the screen, the facilitator saves it.
        self.chart_export = ChartExport(
            lambda: self.chart.chart,
            "chart",
            out_dir=export_dir(self.db_path),
            feedback=self.feedback,
        )
        show(self.chart_export.widget, False)
        # The report covers the session as it stands: it is saved (with its digest) first.
        self.saving = SaveFlow(
            self._snapshot,
            db_path=self.db_path,
            feedback=self.feedback,
            formats=("html",),
            report_from="fresh",
        )
        self.report = self.saving.report
        show(self.report.widget, False)
        self.results_view = w.VBox(
            [
                self.results_round,
                self.headline,
                self.summary_html,
                self.group_note_html,
                self.chart.box,
                self.chart_export.widget,
                self.report.widget,
            ]
        )
        self.results_view.add_class("pt-results-view")
        self.widget = w.VBox(
            [
                style_widget(PROJECTOR_CSS),
                self.feedback.message,
                self.pick_box,
                self.question,
                self.waiting_html,
                self.open_view,
                self.results_view,
            ],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("pt-app")
        self.widget.add_class("pt-projector")
        self._show_phase("pick")

    @classmethod
    def from_request(
        cls, db_path: str | os.PathLike[str] | None = None, session_id: str | None = None
    ) -> ProjectorApp:
        """The app for a Voilà page: ``session_id`` defaults to the URL's ``?session=``."""
        return cls(db_path=db_path, session_id=session_from_query(session_id))

    def _snapshot(self) -> Snapshot:
        """The session as it stands (results and digest recorded), for the report."""
        from partnership_tools.vote.sessionfile import session_to_json

        if not self.session_id:
            raise UIError("Pick a session first.")
        session = self.store.load_session(self.session_id)
        return Snapshot("session", session.id, session_to_json(session))

    @property
    def base_url(self) -> str | None:
        return self._base_url if self._base_url is not None else public_base_url()

    @property
    def chart_spec(self) -> Any:
        """The Altair chart on screen (``None`` when there is none)."""
        return self.chart.chart

    # -- choosing the session -------------------------------------------------------------------
    @action("opening the store")
    def _start(self, session_id: str | None) -> None:
        if session_id:
            if self.store.has_session(session_id):
                self.follow(session_id)
                return
            self.feedback.error(f"There is no session {session_id!r}; choose one below.")
        self._fill_pick()

    def _fill_pick(self) -> None:
        rows = self.store.list_sessions()
        opts = []
        for r in rows:
            q = " ".join(str(r["question"]).split())
            opts.append((f"{q[:70]}{'…' if len(q) > 70 else ''} ({r['id']})", r["id"]))
        self.pick_select.options = opts
        if opts:
            self.pick_select.value = opts[0][1]
        elif not self.feedback.last:
            self.feedback.info("There are no sessions yet; create one in the facilitator app.")
        self._show_phase("pick")

    @action("showing the session")
    def follow(self, session_id: str | None) -> None:
        """Follow a session: show whatever state it is in and keep up with it."""
        if not session_id:
            raise UIError("Choose a session first.")
        if not self.store.has_session(session_id):
            raise UIError(f"There is no session {session_id!r}.")
        self.session_id = session_id
        self.feedback.clear()
        self.check(force=True)
        self.start_polling()

    def _show_phase(self, phase: str) -> None:
        self.phase = phase
        show(self.pick_box, phase == "pick")
        show(self.question, phase != "pick")
        show(self.waiting_html, phase == "waiting")
        show(self.open_view, phase == "open")
        show(self.results_view, phase == "results")

    # -- following the session --------------------------------------------------------------
    def _state(self, store: Store) -> tuple:
        """A cheap signature of what the screen should show (no ballots loaded)."""
        sid = self.session_id
        assert sid is not None
        with store.db.read() as conn:
            rows = (
                conn.execute(
                    sa.text(
                        "SELECT number, status FROM rounds WHERE session_id = :sid ORDER BY number"
                    ),
                    {"sid": sid},
                )
                .mappings()
                .all()
            )
            # The settings hold the minimum group size: a change redraws the results by group.
            settings = conn.execute(
                sa.text("SELECT settings_json FROM sessions WHERE id = :sid"), {"sid": sid}
            ).first()
        open_round = next((r["number"] for r in rows if r["status"] == "open"), None)
        closed = tuple(r["number"] for r in rows if r["status"] == "closed")
        return (open_round, closed, settings[0] if settings else "")

    def check(self, force: bool = False, store: Store | None = None) -> str:
        """Bring the screen up to date with the store; returns the phase. The poller calls it."""
        if not self.session_id:
            return self.phase
        with self._lock:
            st = store or self.store
            state = self._state(st)
            if force or state != self._signature:
                self._signature = state
                self._render(state, st)
            elif state[0] is not None:
                self._show_turnout(st.turnout(self.session_id, state[0]))
            return self.phase

    def _render(self, state: tuple, store: Store) -> None:
        open_round, closed = state[0], state[1]
        s = store.load_session(self.session_id)  # type: ignore[arg-type]
        self.session = s
        self.question.value = f"<h1>{esc(s.question)}</h1>"
        if open_round is not None:
            self._render_open(s, open_round, store)
        elif closed:
            self._fill_round_choices(closed)
            self.show_round(closed[-1], session=s)
        else:
            self.waiting_html.value = "<p>Waiting for the facilitator to open round 1.</p>"
            self._show_phase("waiting")

    def _render_open(self, s: Session, number: int, store: Store | None = None) -> None:
        url = join_url(s.id, self.base_url)
        self.round_title.value = f"<p>Round {number}: vote now</p>"
        self.join_html.value = (
            "<p class='pt-join-label'>On your phone, scan the code or go to</p>"
            f"<p class='pt-join-url'><a href='{esc(url)}' target='_blank' rel='noopener'>"
            f"{esc(url.rpartition('/')[0])}/<wbr><span class='pt-join-id'>"
            f"{esc(url.rpartition('/')[2])}</span></a></p>"
        )
        if loopback_url(url):
            self.join_html.value += f"<p class='pt-join-warning'>{esc(LOOPBACK_WARNING)}</p>"
        if url.startswith("http"):
            self.qr_html.value = (
                f"<div role='img' aria-label='QR code for the ballot page'>{qr_svg(url)}</div>"
            )
        else:
            self.qr_html.value = ""
        self.shown_round = number
        self.code_html.value = (
            "<p>You need the voting code on your card to vote.</p>"
            if s.uses_codes
            else "<p>No code needed: anyone with the link can vote.</p>"
        )
        self.options_html.value = self.options_markup(s, number)
        self.changes_html.value = self.changes_markup(s, number)
        self._show_turnout((store or self.store).turnout(s.id, number), uses_codes=s.uses_codes)
        self._show_phase("open")

    @staticmethod
    def options_markup(s: Session, number: int) -> str:
        """The round's options as the room sees them: ``id label``, in ballot-paper order."""
        items = "".join(
            f"<li><span class='pt-option-id'>{esc(o.id)}</span> {esc(o.label)}</li>"
            for o in s.round_options(number)
        )
        return (
            f"<h2>On the ballot paper</h2><p>On a paper ballot, write each option's code (on the left) in your order.</p>"
            f"<ol aria-label='Options in round {number}'>{items}</ol>"
        )

    @staticmethod
    def changes_markup(s: Session, number: int) -> str:
        """What changed since the previous round ("" for the first round or no change)."""
        from partnership_tools.vote.changes import (
            changes_since_previous,
            gone_since_previous,
            previous_round_number,
        )

        before = previous_round_number(s, number)
        if before is None:
            return ""
        lines = [n.text() for n in changes_since_previous(s, number)]
        replaced = {src for n in changes_since_previous(s, number) for src, _ in n.sources}
        for oid, label in gone_since_previous(s, number):
            if oid not in replaced:
                lines.append(f"{oid} “{label}” is no longer on the ballot.")
        if not lines:
            return f"<h2>Since round {before}</h2><p>The options are the same as in round {before}.</p>"
        items = "".join(f"<li>{esc(t)}</li>" for t in lines)
        return f"<h2>Since round {before}</h2><ul>{items}</ul>"

    def _show_turnout(self, turnout: dict[str, int], uses_codes: bool | None = None) -> None:
        """The live count and, under it, codes used of codes issued and web and paper apart."""
        self._show_count(int(turnout["ballots"]))
        if turnout == self.turnout and self.turnout_html.value:
            return
        self.turnout = dict(turnout)
        if uses_codes is None:
            uses_codes = bool(self.session.uses_codes) if self.session else False
        parts = [
            f"From phones and computers: {turnout['web']:,}",
            f"on paper: {turnout['paper']:,}",
        ]
        if turnout.get("import"):
            parts.append(f"imported from a file: {turnout['import']:,}")
        lines = [" · ".join(parts)]
        if uses_codes or turnout.get("codes_issued"):
            lines.append(
                f"Codes used: {turnout['codes_used']:,} of {turnout['codes_issued']:,} issued"
            )
        self.turnout_html.value = "".join(f"<p>{esc(t)}</p>" for t in lines)

    def _show_count(self, count: int) -> None:
        if count == self.count and self.count_html.value:
            return
        self.count = count
        word = "ballot" if count == 1 else "ballots"
        self.count_html.value = (
            f"<div class='pt-count-box' aria-live='polite'><span class='pt-count-number'>{count}</span>"
            f"<br>{word} so far</div>"
        )

    def _fill_round_choices(self, closed: tuple[int, ...]) -> None:
        opts = [(f"Round {n}", n) for n in closed]
        self._syncing = True
        try:
            if list(self.results_round.options) != opts:
                self.results_round.options = opts
            self.results_round.value = closed[-1]
        finally:
            self._syncing = False
        show(self.results_round, len(closed) > 1)

    def _on_round_choice(self, change: dict) -> None:
        if self._syncing or not change.get("new"):
            return
        with self._lock:
            self.show_round(change["new"])

    # -- results ----------------------------------------------------------------------------------
    @action("showing the results")
    def show_round(self, number: int, session: Session | None = None) -> Any:
        """Show the results of a closed round (and its change since the previous closed round)."""
        from partnership_tools.vote.ballots import BallotMatrix
        from partnership_tools.vote.count import count_round
        from partnership_tools.vote.disclosure import group_disclosure, min_group_size
        from partnership_tools.vote.summary import summarise

        s = session or self.store.load_session(self.session_id)  # type: ignore[arg-type]
        rnd = s.round(number)
        if rnd.status != "closed":
            raise UIError(f"Round {number} is still open.")
        labels = s.labels

        def count(r):
            m = BallotMatrix.from_rankings(r.option_ids, r.rankings, r.groups)
            return count_round(m, labels=labels)

        result = count(rnd)
        closed_before = [r for r in s.rounds if r.status == "closed" and r.number < number]
        previous = count(closed_before[-1]) if closed_before else None
        self.shown_round = number
        self.headline.value = self._headline(number, result, s.threshold)
        self.summary_html.value = (
            # Focusable, so keyboard users can reach (and scroll) the results.
            "<div class='pt-summary-text' tabindex='0' role='region' aria-label='Summary of the"
            f" results'>{esc(summarise(result, s.threshold, labels, min_group_size(s)))}</div>"
        )
        hidden = group_disclosure(result, min_group_size(s)).note()
        self.group_note_html.value = f"<p>{esc(hidden)}</p>" if hidden else ""
        self._show_phase("results")
        if self.draw_charts:
            prev_number = closed_before[-1].number if previous is not None else None
            self._chart_seq += 1
            args = (self._chart_seq, s, number, result, previous, prev_number)
            if self.poll_interval and not self._building:
                # A live page already on screen: show the text now, draw the charts off-thread.
                threading.Thread(target=self._draw_chart, args=args, daemon=True).start()
            else:
                self._draw_chart(*args)
        return result

    def _draw_chart(
        self, seq: int, session: Session, number: int, result: Any, previous: Any, prev: Any
    ) -> None:
        try:
            chart = self.build_chart(session, number, result, previous, prev)
            with self._lock:
                if seq == self._chart_seq:  # a later round was chosen meanwhile: skip this one
                    self.chart.set(chart)
                    self.chart_export.set_chart(
                        lambda: self.chart.chart, f"{session.id}-round-{number}"
                    )
                    show(self.chart_export.widget, True)
                    show(self.report.widget, True)
        except Exception as exc:  # noqa: BLE001 - one sentence on the page, details in the log
            self.feedback.fail(exc, "drawing the charts")

    @staticmethod
    def _headline(number: int, result: Any, threshold: float) -> str:
        head = f"<p class='pt-headline-round'>Round {number} · {result.ballots} ballots</p>"
        if not result.ballots or not result.winners:
            return head + "<p class='pt-headline-top'>No ballot ranked any option.</p>"
        top = result.options[0]
        names = [f"{w}: {result.option(w).label}" for w in result.winners]
        where = "at or above" if top.consensus >= threshold - 1e-9 else "below"
        winners = " and ".join(f"<span class='pt-winner'>{esc(n)}</span>" for n in names)
        lead = "Top" if len(names) == 1 else "Tied at the top"
        return (
            f"{head}<p class='pt-headline-top'>{lead}: {winners}</p>"
            f"<p class='pt-headline-coef'>Consensus coefficient <span class='pt-coefficient'>"
            f"{fixed(top.consensus)}</span>, {where} the threshold of {fixed(threshold)}</p>"
        )

    def build_chart(
        self: ProjectorApp | None,
        session: Session,
        number: int,
        result: Any,
        previous: Any = None,
        previous_number: int | None = None,
    ) -> Any:
        """The results charts, stacked: MBC and threshold, ranks, pairwise, groups, change.

        Uses nothing of the instance, so other apps call it without one:
        ``ProjectorApp.build_chart(None, session, number, result, ...)`` (the replay app does).
        """
        from partnership_tools.charts import vote
        from partnership_tools.vote.disclosure import min_group_size

        labels = session.labels
        k = min_group_size(session)
        parts: list[Any] = [
            vote.mbc_chart(
                vote.result_frame(result, labels),
                session.threshold,
                width=CHART_WIDTH,
                title=f"Round {number}: consensus coefficient (MBC points)",
            ),
            vote.rank_chart(
                vote.rank_counts_frame(result, labels),
                width=CHART_WIDTH,
                title="How each option was ranked",
            ),
            vote.pairwise_chart(vote.pairwise_frame(result, labels), title="Head to head"),
        ]
        groups = vote.group_frame(result, labels, k)
        if len(groups):
            parts.append(
                vote.group_chart(
                    groups,
                    session.threshold,
                    title="Support by group (consensus coefficient)",
                    note=vote.group_note(result, k),
                )
            )
        if previous is not None:
            from partnership_tools.vote.compare import compare_rounds

            comparison = compare_rounds(session, previous, result)
            parts.append(
                vote.change_chart(
                    vote.change_frame(comparison, f"Round {previous_number}", f"Round {number}"),
                    session.threshold,
                    width=CHART_WIDTH,
                    title=f"Change since round {previous_number}",
                )
            )
        # Larger type than the house default: the room reads this from across the room.
        return (
            vote.stack(*parts)
            .configure_axis(labelFontSize=15, titleFontSize=15)
            .configure_title(fontSize=20)
            .configure_legend(labelFontSize=14, titleFontSize=14)
        )

    # -- polling ----------------------------------------------------------------------------------
    def _poll(self, store: Store) -> None:
        self.check(store=store)

    def start_polling(self) -> None:
        """Follow the store every ``poll_interval`` seconds (nothing when polling is off)."""
        self.poller.start()

    def stop_polling(self) -> None:
        self.poller.stop()
