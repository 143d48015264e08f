"""The replay app: open a saved vote or review, recompute it and show whether it verifies.

The page shows the verification verdict first and prominently, saying exactly what was checked
(green "Verified: signed, and the recount matches" or "Verified: unsigned, the recount matches",
amber "Verified, but by an unknown key" or "Not verifiable", red "Differences found" with the
reason, then one line per check: the signature, each round, or each dimension and wave), then the
same results the live apps show: for a vote, the projector's headline, plain-English summary and
charts for each round (drawn by :class:`~partnership_tools.ui.projector.ProjectorApp`'s own
functions); for a review, the findings, the dimension table and the profile, heatmap and change
charts of each wave. Below them: "Download report" and "Save chart as PNG / SVG"
(:mod:`partnership_tools.ui.export`).

Which file: ``session_path`` (the notebook's papermill parameter) when given; else the page's
``?session=`` query naming one of the saved files (see :func:`saved_files`: a sample file such as
``county_joint_working.json`` or ``review/ten_lessons_review.json``, or the name of a file in the
export folder); else a drop-down list of the saved files to pick from. The query can only name a
file in that list, never an arbitrary path.

Displayed in a notebook run headless (papermill, nbval), the app's output also carries a plain-text
version of the verdict and summaries (``text/plain``), which :meth:`ReplayApp.text` returns.

>>> app = ReplayApp(charts=False)
>>> app.replay is None, len(app.pick.options) > 2
(True, True)
>>> app.open(app.files[0].path).verdict.ok
True
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import (
    ChartSlot,
    Feedback,
    UIError,
    action,
    esc,
    html_table,
    html_widget,
    show,
    style_widget,
)
from partnership_tools.ui.export import ChartExport, ReportDownload, export_dir

log = logging.getLogger("partnership_tools.ui")

__all__ = ["ReplayApp", "SavedFile", "locate", "resolve_saved", "saved_files"]

MAX_EXPORTS = 200
#: Verdicts with at most this many checks list them all; longer ones fold the matching lines.
SHORT_VERDICT = 8
REPLAY_CSS = """
.pt-replay .pt-verdict { border-radius: 6px; padding: 10px 16px; margin: 8px 0 12px; }
.pt-replay .pt-verdict-ok { background: #E8F5EC; border: 2px solid #1A7F3C; color: #0B3D1E; }
.pt-replay .pt-verdict-bad { background: #FDECEA; border: 2px solid #C62828; color: #5F1111; }
.pt-replay .pt-verdict-none, .pt-replay .pt-verdict-warn {
  background: #FFF4E5; border: 2px solid #B26A00; color: #4D2E00; }
.pt-replay .pt-verdict-head { font-size: 1.7em; font-weight: 800; margin: 0.1em 0 0.2em; }
.pt-replay .pt-verdict ul { margin: 0.3em 0 0.2em; padding-left: 1.2em; columns: 2 22em; }
.pt-replay .pt-verdict li { margin: 0.1em 0; break-inside: avoid; }
.pt-replay .pt-check-bad { font-weight: 700; }
.pt-replay .pt-verdict summary { cursor: pointer; margin: 0.2em 0; }
.pt-replay .pt-file-meta { color: #52606D; font-size: 0.95em; }
.pt-replay .pt-headline p { margin: 0.15em 0; line-height: 1.3; }
.pt-replay .pt-headline-top { font-size: 1.4em; font-weight: 800; }
.pt-replay .pt-coefficient { font-weight: 800; color: #0B3C5D; }
.pt-replay .pt-summary-text { font-size: 1.05em; line-height: 1.5; max-width: 60em; }
.pt-replay .pt-findings li { margin: 0.2em 0; line-height: 1.4; }
"""


# -- the saved files ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SavedFile:
    """A saved session or review the app can open: ``key`` is how ``?session=`` names it."""

    key: str
    path: Path
    label: str
    kind: str  # "session", "review" or "" when the file could not be read


def _peek(path: Path) -> tuple[str, str]:
    """The kind and title of a saved file, cheaply ("" when it is not one)."""
    from partnership_tools.kernel.limits import MAX_FILE_BYTES, load_json

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return "", ""
        data = load_json(path.read_bytes(), path.name)  # bounded: depth, digits, size
    except (OSError, ValueError):  # unreadable, not JSON, or past a bound: not listed
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    kind = str(data.get("kind") or "")
    if kind.endswith("/session"):
        return "session", str((data.get("session") or {}).get("question") or "")
    if kind.endswith("/review"):
        return "review", str(data.get("title") or "")
    return "", ""


def _entry(key: str, path: Path, where: str) -> SavedFile | None:
    kind, title = _peek(path)
    if not kind:
        return None
    title = " ".join(title.split())
    if len(title) > 70:
        title = title[:69] + "…"
    what = "Vote" if kind == "session" else "Review"
    return SavedFile(key, path, f"{what}: {title} ({where}{key})", kind)


def saved_files(
    db_path: str | os.PathLike[str] | None = None,
    sample_dir: str | os.PathLike[str] | None = None,
    exports: str | os.PathLike[str] | None = None,
) -> list[SavedFile]:
    """The saved sessions and reviews: ``sample_data/*.json`` and ``sample_data/review/*.json``
    (keys relative to ``sample_data``), then the ``.json`` files in the export folder
    (:func:`~partnership_tools.ui.export.export_dir`; keys are their names), newest first."""
    from partnership_tools import SAMPLE_DIR

    out: list[SavedFile] = []
    sample = Path(sample_dir) if sample_dir is not None else SAMPLE_DIR
    for folder in (sample, sample / "review"):
        if folder.is_dir():
            for p in sorted(folder.glob("*.json")):
                e = _entry(p.relative_to(sample).as_posix(), p, "sample: ")
                if e:
                    out.append(e)
    folder = Path(exports) if exports is not None else export_dir(db_path)
    if folder.is_dir():
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        taken = {e.key for e in out}
        for p in files[:MAX_EXPORTS]:
            e = _entry(p.name if p.name not in taken else f"exports/{p.name}", p, "saved: ")
            if e:
                out.append(e)
    return out


def resolve_saved(name: str | None, files: list[SavedFile]) -> SavedFile | None:
    """The saved file a ``?session=`` value names: its key, ``sample_data/<key>``, or a unique
    file name. Anything else (a path elsewhere, ``..``) names nothing."""
    if not name:
        return None
    wanted = name.strip().replace("\\", "/")
    for prefix in ("sample_data/", "exports/"):
        bare = wanted[len(prefix) :] if wanted.startswith(prefix) else None
        if bare:
            for f in files:
                if f.key == bare:
                    return f
    for f in files:
        if f.key == wanted:
            return f
    named = [f for f in files if f.path.name == wanted or f.path.stem == wanted]
    return named[0] if len(named) == 1 else None


def locate(path: str | os.PathLike[str]) -> Path:
    """A saved file's path: as given when it exists (relative to the working folder), else
    relative to the kit's own folder (so ``sample_data/...`` works from anywhere)."""
    from partnership_tools import SAMPLE_DIR

    p = Path(path).expanduser()
    if p.exists() or p.is_absolute():
        return p
    beside_kit = SAMPLE_DIR.parent / p
    return beside_kit if beside_kit.exists() else p


# -- the app -------------------------------------------------------------------------------------
class ReplayApp:
    """Replay a saved vote or review. Build it and display it (``app.show()``).

    Parameters: ``session_path`` (a saved file to open now; any path), ``db_path`` (the store,
    whose export folder is listed; default ``$PARTNERSHIP_TOOLS_DB``), ``files`` (the list to
    offer, default :func:`saved_files`), ``charts`` (False skips drawing, for fast tests),
    ``out_dir`` (where reports and charts are written; default the export folder).

    ``replay`` is the :class:`~partnership_tools.reports.replay.Replay` shown (None before a file is
    opened), ``path`` its file, ``kind`` ``session`` or ``review``, ``chart`` the Altair chart on
    screen, ``shown`` the round number or wave on screen.
    """

    def __init__(
        self,
        session_path: str | os.PathLike[str] | None = None,
        db_path: str | os.PathLike[str] | None = None,
        files: list[SavedFile] | None = None,
        charts: bool = True,
        out_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.feedback = Feedback()
        self.db_path = db_path
        self.draw_charts = charts
        self.files = files if files is not None else saved_files(db_path)
        self.replay: Any = None
        self.path: Path | None = None
        self.kind: str | None = None
        self.shown: Any = None
        self._data: Any = None  # the Session, or (Review, ReviewResult)
        self._texts: dict[Any, str] = {}
        self._syncing = False
        self._build(out_dir)
        if session_path:
            self.open(session_path)

    @classmethod
    def from_request(
        cls,
        session_path: str | os.PathLike[str] | None = None,
        db_path: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> ReplayApp:
        """The app for a page: ``session_path`` when given, else the URL's ``?session=``."""
        if session_path:
            return cls(session_path=locate(session_path), db_path=db_path, **kwargs)
        app = cls(db_path=db_path, **kwargs)
        from partnership_tools.ui.common import query_value

        try:
            name = query_value("session")
        except Exception:  # noqa: BLE001 - the page still works without the query
            log.warning("Could not read the page's URL query.", exc_info=True)
            name = None
        if name:
            found = resolve_saved(name, app.files)
            if found is None:
                app.feedback.error(f"There is no saved file {name!r}; choose one below.")
            else:
                app.open_key(found.key)
        return app

    # -- construction ---------------------------------------------------------------------------
    def _build(self, out_dir: Any) -> None:
        w = widgets
        self.pick = w.Dropdown(
            description="Saved file",
            options=[("Choose a saved vote or review…", "")]
            + [(f.label, f.key) for f in self.files],
            value="",
            style={"description_width": "initial"},
            layout=w.Layout(width="100%", max_width="48em"),
        )
        self.pick.add_class("pt-replay-pick")
        self.pick.observe(self._on_pick, "value")
        self.file_html = html_widget("", "pt-file-meta")
        self.verdict_html = html_widget("", "pt-replay-verdict")
        self.title_html = html_widget("", "pt-replay-title")
        self.part = w.Dropdown(
            description="Round", options=[], style={"description_width": "initial"}
        )
        self.part.add_class("pt-replay-part")
        self.part.observe(self._on_part, "value")
        self.headline = html_widget("", "pt-headline")
        self.summary_html = html_widget("", "pt-replay-summary")
        self.table_html = html_widget("", "pt-replay-table")
        self.chart = ChartSlot("pt-replay-chart")
        self.chart_export = ChartExport(
            lambda: self.chart.chart, "chart", out_dir=out_dir, feedback=self.feedback
        )
        self.report = ReportDownload(lambda: self.path, out_dir=out_dir, feedback=self.feedback)
        self.results_view = w.VBox(
            [
                self.title_html,
                self.part,
                self.headline,
                self.summary_html,
                self.chart.box,
                self.chart_export.widget,
                self.table_html,
            ]
        )
        self.results_view.add_class("pt-replay-results")
        self.export_box = w.VBox(
            [html_widget("<h2>Report</h2>"), self.report.widget], layout=w.Layout(width="100%")
        )
        self.widget = w.VBox(
            [
                style_widget(REPLAY_CSS),
                html_widget(
                    "<h1>Replay a saved vote or review</h1><p class='pt-muted'>Everything is"
                    " recomputed from the file's inputs and compared with the results it"
                    " recorded when it was saved, and a signed file's signature is checked.</p>"
                ),
                self.pick,
                self.feedback.message,
                self.file_html,
                self.verdict_html,
                self.results_view,
                self.export_box,
            ],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("pt-app")
        self.widget.add_class("pt-replay")
        show(self.results_view, False)
        show(self.export_box, False)

    def show(self) -> None:
        from IPython.display import display

        display(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget for a live page, with the verdict and summaries as text for headless runs."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.text()
        return bundle

    # -- choosing a file ------------------------------------------------------------------------
    def _on_pick(self, change: dict) -> None:
        if self._syncing or not change.get("new"):
            return
        self.open_key(change["new"])

    def open_key(self, key: str) -> Any:
        """Open the saved file listed under ``key``."""
        found = next((f for f in self.files if f.key == key), None)
        if found is None:
            self.feedback.error(f"There is no saved file {key!r}.")
            return None
        self._syncing = True
        try:
            self.pick.value = key
        finally:
            self._syncing = False
        return self.open(found.path)

    @action("replaying the file")
    def open(self, path: str | os.PathLike[str]) -> Any:
        """Replay a saved session or review file and show its verdict and results."""
        from partnership_tools.reports.replay import replay_file

        p = Path(path)
        result = replay_file(p)
        self.replay, self.path, self.kind = result, p, result.kind
        self._texts = {}
        self.feedback.clear()
        meta = f"{esc(p.name)} · a saved {'vote' if result.kind == 'session' else 'review'}"
        if result.kit_version:
            meta += f" · saved by Partnership Tools {esc(result.kit_version)}"
        if result.migrated_from is not None:
            meta += f" · read through the migration from schema_version {result.migrated_from}"
        self.file_html.value = f"<p>{meta}</p>"
        self.verdict_html.value = self.verdict_html_text(result)
        if result.kind == "session":
            self._open_session(p)
        else:
            self._open_review(p)
        self.report.link.value = ""
        show(self.results_view, True)
        show(self.export_box, True)
        return result

    @staticmethod
    def verdict_html_text(result: Any) -> str:
        """The verdict box: headline and one line per check (every text escaped)."""
        v = result.verdict
        status = getattr(result, "status", "unsigned" if v.ok else "differs")
        heads = {
            "signed": ("ok", "Verified: signed, and the recount matches"),
            "signed-unknown": ("warn", "Verified, but by an unknown key"),
            "unsigned": ("ok", "Verified: unsigned, the recount matches"),
            "not-recorded": ("none", "Not verifiable"),
            "differs": ("bad", "Differences found"),
        }
        cls, head = heads.get(status, heads["differs"])
        headline = result.headline()
        say = f"{headline[:1].upper()}{headline[1:]}. {result.explanation()}"

        def item(c: Any) -> str:
            mark = "✓ match" if c.ok else "✗ DIFFERS"
            detail = f" — {esc(c.detail)}" if c.detail else ""
            return (
                f"<li class='pt-check-{'ok' if c.ok else 'bad'}'>{mark}: {esc(c.part)}{detail}</li>"
            )

        bad = [item(c) for c in v.checks if not c.ok]
        good = [item(c) for c in v.checks if c.ok]
        if len(v.checks) <= SHORT_VERDICT:
            lists = f"<ul>{''.join(bad + good)}</ul>" if v.checks else ""
        else:
            lists = f"<ul>{''.join(bad)}</ul>" if bad else ""
            if good:
                lists += (
                    f"<details><summary>{len(good)} of {len(v.checks)} checks match"
                    f"</summary><ul>{''.join(good)}</ul></details>"
                )
        role = "status" if v.ok else "alert"
        return (
            f"<div class='pt-verdict pt-verdict-{cls}' role='{role}'>"
            f"<p class='pt-verdict-head'>{head}</p><p>{esc(say)}</p>{lists}</div>"
        )

    def _fill_parts(self, description: str, options: list[tuple[str, Any]], value: Any) -> None:
        self._syncing = True
        try:
            self.part.description = description
            self.part.options = options
            self.part.value = value
        finally:
            self._syncing = False
        show(self.part, len(options) > 1)

    def _on_part(self, change: dict) -> None:
        if self._syncing or change.get("new") is None:
            return
        if self.kind == "session":
            self.show_round(change["new"])
        elif self.kind == "review":
            self.show_wave(change["new"])

    # -- a vote ---------------------------------------------------------------------------------
    def _open_session(self, path: Path) -> None:
        from partnership_tools.vote.sessionfile import read_session

        s = read_session(path)
        self._data = s
        self.title_html.value = f"<h2>{esc(s.question)}</h2>"
        rounds = [r.number for r in s.rounds if r.status == "closed" or r.ballots]
        if not rounds:
            self._fill_parts("Round", [], None)
            self.headline.value = "<p>No round of this session has ballots yet.</p>"
            self.summary_html.value = self.table_html.value = ""
            self.chart.clear()
            return
        for n in rounds:
            self._texts[n] = self._round_text(s, n)
        self._fill_parts("Round", [(f"Round {n}", n) for n in rounds], rounds[-1])
        self.show_round(rounds[-1])

    def _round_text(self, s: Any, number: int) -> str:
        from partnership_tools.vote.summary import summarise
        from partnership_tools.vote.tally import tally_round

        result = tally_round(s, number)
        return f"Round {number}: {summarise(result, s.threshold, labels=s.labels)}"

    @action("showing the round")
    def show_round(self, number: int) -> Any:
        """Show one round as the projector does: headline, summary, charts, results table."""
        from partnership_tools.kernel.rounding import fixed
        from partnership_tools.ui.projector import ProjectorApp
        from partnership_tools.vote.summary import summarise
        from partnership_tools.vote.tally import tally_round

        s = self._data
        if self.kind != "session" or s is None:
            raise UIError("Open a saved vote first.")
        result = tally_round(s, number)
        counted = [r.number for r in s.rounds if r.status == "closed" or r.ballots]
        earlier = [n for n in counted if n < number]
        previous = tally_round(s, earlier[-1]) if earlier else None
        self.shown = number
        self.headline.value = ProjectorApp._headline(number, result, s.threshold)
        self.summary_html.value = (
            f"<p class='pt-summary-text'>{esc(summarise(result, s.threshold, labels=s.labels))}</p>"
        )
        self.table_html.value = html_table(
            ["Option", "MBC points", "Consensus", "Classic Borda", "First preferences"],
            [
                [f"{o.id}: {o.label}", o.mbc, fixed(o.consensus, 3), o.borda, o.first_preferences]
                for o in result.options
            ],
            numeric=(1, 2, 3, 4),
            row_classes=["pt-win" if o.id in result.winners else "" for o in result.options],
            caption=f"Round {number}, in order of MBC points",
        )
        if self.draw_charts:
            # The projector's own charts: build_chart uses nothing of the projector instance.
            chart = ProjectorApp.build_chart(
                None,
                s,
                number,
                result,
                previous,
                earlier[-1] if earlier else None,
            )
            self.chart.set(chart)
            self.chart_export.set_chart(lambda: self.chart.chart, f"{s.id}-round-{number}")
        return result

    # -- a review -------------------------------------------------------------------------------
    def _open_review(self, path: Path) -> None:
        from partnership_tools.review import read_review

        review = read_review(path)
        result = review.score()
        self._data = (review, result)
        inst = review.instrument
        self.title_html.value = (
            f"<h2>{esc(review.title or inst.title)}</h2><p class='pt-muted'>{esc(inst.title)},"
            f" version {esc(inst.version)} · {esc(inst.licence)}</p>"
        )
        waves = list(result.waves)
        if not waves:
            self._fill_parts("Wave", [], None)
            self.headline.value = "<p>This review has no responses yet.</p>"
            self.summary_html.value = self.table_html.value = ""
            self.chart.clear()
            return
        for w in waves:
            self._texts[w] = self._wave_text(review, result, w)
        focus = result.focus_wave or waves[-1]
        self._fill_parts("Wave", [(w, w) for w in waves], focus)
        self.show_wave(focus)

    @staticmethod
    def _findings(review: Any, result: Any, wave: str) -> list[dict[str, Any]]:
        """The wave's findings grouped as in the report: strengths, worth discussing, concerns..."""
        from partnership_tools.reports.review_report import wave_findings

        return wave_findings(result, review.instrument, wave)

    def _wave_text(self, review: Any, result: Any, wave: str) -> str:
        lines = [f"Wave {wave}:"]
        for r in result.dimension_table(wave).itertuples():
            if r.suppressed:
                lines.append(f"  {r.title}: suppressed")
            elif r.met_minimum:
                lines.append(f"  {r.title}: {r.mean:.2f} ({r.band_label})")
            else:
                lines.append(f"  {r.title}: too few answers")
        for group in self._findings(review, result, wave):
            lines.append(f"  {group['heading']}:")
            lines += [f"  - {t}" for t in group["texts"]]
        return "\n".join(lines)

    @action("showing the wave")
    def show_wave(self, wave: str) -> Any:
        """Show one wave of the review: findings, dimension table and charts."""
        if self.kind != "review" or self._data is None:
            raise UIError("Open a saved review first.")
        review, result = self._data
        waves = list(result.waves)
        if wave not in waves:
            raise UIError(f"There is no wave {wave!r}.")
        self.shown = wave
        d = result.dimension_table(wave)
        n = int((review.responses.frame["wave"] == wave).sum())
        self.headline.value = f"<p class='pt-headline-round'>Wave {esc(wave)} · {n} respondents</p>"
        self.summary_html.value = "".join(
            f"<h3>{esc(g['heading'])}</h3><ul class='pt-findings pt-findings-{esc(g['kind'])}'>"
            + "".join(f"<li>{esc(t)}</li>" for t in g["texts"])
            + "</ul>"
            for g in self._findings(review, result, wave)
        )
        rows = []
        for r in d.itertuples():
            if r.suppressed:
                rows.append([r.title, "", "", "", "suppressed"])
            else:
                rows.append(
                    [
                        r.title,
                        int(r.n) if r.n == r.n else "",
                        f"{r.mean:.2f}" if r.mean == r.mean else "",
                        f"{r.pct_positive:.0f}%" if r.pct_positive == r.pct_positive else "",
                        r.band_label if r.met_minimum else "too few answers",
                    ]
                )
        self.table_html.value = html_table(
            ["Dimension", "Valid answers", "Mean", "% positive", "Band"],
            rows,
            numeric=(1, 2, 3),
            caption=f"Dimension scores, all respondents ({wave})",
        )
        if self.draw_charts:
            self.chart.set(self.review_chart(review, result, wave))
            self.chart_export.set_chart(
                lambda: self.chart.chart, f"{review.id}-{wave}".replace(" ", "-")
            )
        return d

    @staticmethod
    def review_chart(review: Any, result: Any, wave: str) -> Any:
        """Profile, heatmap by group and (for a later wave) the change, stacked."""
        import altair as alt

        from partnership_tools.charts import review as rc

        inst = review.instrument
        rng = (inst.scale.low, inst.scale.high)
        parts: list[Any] = [rc.profile_chart(result.dimensions, wave=wave, scale_range=rng)]
        if result.settings.by:
            parts.append(rc.group_heatmap_chart(result.dimensions, wave=wave, scale_range=rng))
        c = result.changes
        if len(c) and wave in set(c["after"]):
            parts.append(rc.wave_change_chart(c[c["after"] == wave]))
        return alt.vconcat(*parts, spacing=36).resolve_scale(color="independent")

    # -- text -----------------------------------------------------------------------------------
    def text(self) -> str:
        """The verdict and the summaries as plain text (what a headless run shows)."""
        if self.replay is None:
            if self.feedback.last:
                return self.feedback.last
            return f"Choose a saved vote or review: {len(self.files)} file(s) are listed."
        lines = list(self.replay.report_lines())
        if self._texts:
            lines.append("")
            lines += list(self._texts.values())
        if self.feedback.kind == "error":
            lines.append(f"Error: {self.feedback.last}")
        return "\n".join(lines)
