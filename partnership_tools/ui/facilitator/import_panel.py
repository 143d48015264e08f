"""Import ballots from a file into the open round (on the Round tab, under the paper ballots).

Paper forms typed into Excel, an online form's download, a PrefLib or BLT file: the facilitator
uploads the file (or types its path on the server) and presses **Preview**. The file is read
through :func:`partnership_tools.vote.reading.read_ballots` against the open round's ballot paper
(table files get the round's options, so their ids line up; PrefLib and BLT files name their own
options, matched to the round's by label with
:func:`~partnership_tools.kernel.headers.header_key`). The preview shows the import report, the
first ballots as they will be stored, the counts (valid, rejected with rows and reasons, blank)
and a **Group column** choice that re-reads the file. Nothing is stored until **Add N ballots to
round K**, which stores them all in one transaction (:meth:`Store.add_ballots`): all or none.
Importing the same file (same SHA-256 of its bytes) into the same round again is warned about.

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = ImportPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.preview() is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.kernel.headers import header_key
from partnership_tools.ui.common import (
    UIError,
    action,
    busy,
    button,
    esc,
    html_table,
    html_widget,
    safe_filename,
    show,
)
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.vote.model import Ballot, Option, Session

log = logging.getLogger("partnership_tools.ui")

__all__ = ["NO_GROUP_COLUMN", "ImportPanel", "ImportPreview", "prepare_import"]

#: The group dropdown's value for "no group column".
NO_GROUP_COLUMN = ""
#: The largest file the panel reads (an upload larger than this is surely the wrong file).
MAX_BALLOT_FILE_BYTES = 50 * 1024 * 1024
#: How many ballots the preview table shows.
PREVIEW_ROWS = 8


@dataclass(frozen=True)
class ImportPreview:
    """A read file, ready to store in round ``round_number``: ``rankings`` (round option ids,
    first choice first) and ``groups`` (one per ballot, None when not given), with the file's
    ``name``, ``digest`` (SHA-256 of its bytes), ``rows`` (file rows of the ballots),
    ``rejected`` (``(row, reason)``), ``blank_rows``, ``report_lines``, the report's
    ``columns`` (``(header, use)``), ``unknown_groups`` (groups not among the session's) and
    ``group_column`` (the header the groups came from, or None)."""

    name: str
    digest: str
    round_number: int
    rankings: tuple[tuple[str, ...], ...]
    groups: tuple[str | None, ...]
    rows: tuple[int, ...]
    rejected: tuple[tuple[int, str], ...]
    blank_rows: tuple[int, ...]
    report_lines: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    unknown_groups: tuple[str, ...]
    group_column: str | None = None

    @property
    def n_ballots(self) -> int:
        return len(self.rankings)


def label_map(file_options: Sequence[Option], round_options: Sequence[Option]) -> dict[str, str]:
    """File option id -> round option id, matching labels (or ids) by header key.

    Raises :class:`UIError` naming every file label not on the round's ballot paper.

    >>> label_map([Option("1", "ALPHA "), Option("2", "Beta")],
    ...           [Option("A", "Alpha"), Option("B", "Beta")])
    {'1': 'A', '2': 'B'}
    >>> label_map([Option("1", "Gamma")], [Option("A", "Alpha")])
    Traceback (most recent call last):
    ...
    partnership_tools.ui.common.UIError: The file names 'Gamma', which is not on this round's ballot paper (Alpha); import a file of this round's options.
    """
    by_key: dict[str, str] = {}
    for o in round_options:
        by_key.setdefault(header_key(o.label), o.id)
    for o in round_options:
        by_key.setdefault(header_key(o.id), o.id)
    out: dict[str, str] = {}
    missing: list[str] = []
    for o in file_options:
        target = by_key.get(header_key(o.label)) or by_key.get(header_key(o.id))
        if target is None:
            missing.append(o.label or o.id)
        else:
            out[o.id] = target
    if missing:
        names = ", ".join(repr(m) for m in missing)
        paper = ", ".join(o.label for o in round_options)
        which = "names" if len(missing) == 1 else "name"
        was = "which is" if len(missing) == 1 else "which are"
        raise UIError(
            f"The file {which} {names}, {was} not on this round's ballot paper ({paper});"
            " import a file of this round's options."
        )
    return out


def prepare_import(
    imp: Any,
    round_options: Sequence[Option],
    round_number: int,
    session_groups: Sequence[str],
    *,
    name: str,
    digest: str,
    own_options: bool,
    group_column: str | None = None,
    no_group: bool = False,
) -> ImportPreview:
    """The :class:`ImportPreview` of a read file (a
    :class:`~partnership_tools.vote.ballots_csv.BallotImport`).

    ``own_options``: the file named its own options (PrefLib, BLT): they are mapped to the
    round's by label (:func:`label_map`); otherwise every id must already be on the round's
    ballot paper. Raises :class:`UIError` (one sentence) when the file has no valid ballot or
    names an option not on the ballot paper. ``group_column``: the header chosen as the group
    (else the one the reader recognised); ``no_group``: the ballots carry no group.
    """
    allowed = {o.id for o in round_options}
    if own_options:
        mapping = label_map(imp.options, round_options)
    else:
        mapping = {oid: oid for oid in imp.option_ids if oid in allowed}
        stray = [o.label for o in imp.options if o.id not in allowed]
        if stray:
            mapping = label_map(imp.options, round_options)
    rankings = tuple(tuple(mapping[oid] for oid in r) for r in imp.rankings)
    report = imp.report
    if no_group:
        groups: tuple[str | None, ...] = (None,) * len(rankings)
        group_column = None
    else:
        groups = tuple(g or None for g in imp.groups)
        if group_column is None and report is not None:
            group_column = next((c.header for c in report.columns if c.use == "group"), None)
    known = set(session_groups)
    unknown = tuple(sorted({g for g in groups if g is not None and g not in known}))
    if not rankings:
        raise UIError(
            f"{name} has no valid ballot to add ({imp.summary()[:-1]}); check that it is a ballot"
            " file of this round."
        )
    return ImportPreview(
        name=name,
        digest=digest,
        round_number=round_number,
        rankings=rankings,
        groups=groups,
        rows=tuple(imp.rows),
        rejected=tuple((r.row, r.reason) for r in imp.rejected),
        blank_rows=tuple(imp.abstentions),
        report_lines=tuple(report.lines()) if report is not None else (),
        columns=tuple((c.header, c.use) for c in report.columns) if report is not None else (),
        unknown_groups=unknown,
        group_column=group_column,
    )


def preview_html(p: ImportPreview, labels: dict[str, str], again: bool) -> str:
    """The preview: counts, the first ballots as they will be stored, rejected rows, the report
    (every text escaped)."""
    n = p.n_ballots
    parts = [
        f"<p class='pt-import-counts'><b>{n} valid ballot{'' if n == 1 else 's'}</b>,"
        f" {len(p.rejected)} rejected, {len(p.blank_rows)} blank, in {esc(p.name)}.</p>"
    ]
    if again:
        parts.append(
            "<div class='pt-msg-error' role='status'>This file (the same bytes) was already"
            f" imported into round {p.round_number}; adding it again counts its ballots"
            " twice.</div>"
        )
    if p.unknown_groups:
        parts.append(
            "<div class='pt-msg-info' role='status'>Not among this session's groups: "
            f"{esc(', '.join(p.unknown_groups))}. They are stored as written; choose another"
            " group column, or (none), if that column is not the stakeholder group.</div>"
        )
    rows = []
    for i in range(min(PREVIEW_ROWS, n)):
        ranking = p.rankings[i]
        rows.append(
            [
                p.rows[i] if i < len(p.rows) else "",
                " > ".join(ranking),
                " > ".join(labels.get(o, o) for o in ranking),
                p.groups[i] or "",
            ]
        )
    more = f" (first {PREVIEW_ROWS} of {n})" if n > PREVIEW_ROWS else ""
    parts.append(
        html_table(
            ["Row", "Ranking", "Options", "Group"],
            rows,
            numeric=[0],
            caption=f"Ballots as they will be stored{more}",
        )
    )
    if p.rejected:
        parts.append(
            html_table(
                ["Row", "Why it is not counted"],
                [[r, why] for r, why in p.rejected[:50]],
                numeric=[0],
                caption=f"{len(p.rejected)} rejected",
            )
        )
    if p.blank_rows:
        shown = ", ".join(str(r) for r in p.blank_rows[:50])
        parts.append(f"<p class='pt-muted'>Blank ballots (not counted), rows: {esc(shown)}.</p>")
    if p.report_lines:
        items = "".join(f"<li>{esc(line)}</li>" for line in p.report_lines)
        parts.append(
            "<details class='pt-import-report' open><summary>How the file was read</summary>"
            f"<ul>{items}</ul></details>"
        )
    return "".join(parts)


class ImportPanel:
    """The "Import ballots from a file" section. ``pane`` is its box; ``on_added(count)`` is
    called with the round's new ballot count after ballots were stored; ``pending`` is the
    preview waiting for confirmation (None when there is none)."""

    WIDGETS = (
        "import_upload",
        "import_path",
        "import_preview_button",
        "import_group_column",
        "import_preview",
        "import_add_button",
        "import_cancel_button",
    )

    def __init__(self, console: Console) -> None:
        from partnership_tools.vote.reading import BALLOT_SUFFIXES

        self.console = console
        self.feedback = console.feedback
        self.on_added: Callable[[int], object] = lambda _n: None
        self.pending: ImportPreview | None = None
        #: per (session id, round number): the digests of files imported from this page.
        self.imported: dict[tuple[str, int], set[str]] = {}
        self._source: tuple[str, bytes] | None = None
        self._rereading = False
        w = widgets
        self.import_upload = w.FileUpload(
            accept=",".join(BALLOT_SUFFIXES),
            multiple=False,
            description="Choose file",
            layout=w.Layout(width="auto"),
        )
        self.import_upload.add_class("pt-import-upload")
        self.import_path = w.Text(
            description="Or a path",
            placeholder="a ballot file on the server",
            style={"description_width": "initial"},
            layout=w.Layout(width="100%", max_width="28em"),
        )
        self.import_path.add_class("pt-import-path")
        self.import_preview_button = button("Preview", "pt-import-preview", "info", "eye")
        self.import_preview_button.on_click(lambda _b: self.preview())
        self.import_group_column = w.Dropdown(
            description="Group column",
            options=[("(none)", NO_GROUP_COLUMN)],
            style={"description_width": "initial"},
        )
        self.import_group_column.add_class("pt-import-group-column")
        self.import_group_column.observe(self._on_group_column, "value")
        self.import_preview = html_widget("", "pt-import-preview-html")
        self.import_add_button = button("Add ballots", "pt-import-add", "primary", "plus")
        self.import_add_button.on_click(lambda _b: self.add_ballots())
        self.import_cancel_button = button("Cancel", "pt-import-cancel")
        self.import_cancel_button.on_click(lambda _b: self.clear())
        self.confirm_box = w.VBox(
            [
                self.import_group_column,
                self.import_preview,
                w.HBox(
                    [self.import_add_button, self.import_cancel_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        show(self.confirm_box, False)
        suffixes = " ".join(BALLOT_SUFFIXES)
        self.pane = w.VBox(
            [
                html_widget(
                    "<h3>Import ballots from a file</h3><p class='pt-muted'>Paper forms typed"
                    " into a spreadsheet, an online form's download, or a PrefLib or BLT file"
                    f" ({esc(suffixes)}). Preview it first: nothing is added until you"
                    " confirm.</p>"
                ),
                w.HBox(
                    [self.import_upload, self.import_path, self.import_preview_button],
                    layout=w.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.confirm_box,
            ]
        )
        self.pane.add_class("pt-import-ballots")

    # -- state -----------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget the preview (nothing was stored)."""
        self.pending = None
        self._source = None
        self.import_preview.value = ""
        self._set_group_options(())
        show(self.confirm_box, False)

    def reset(self) -> None:
        """Another session was opened."""
        self.clear()

    def refresh(self, s: Session) -> None:
        """A round closed or another opened: a preview for another round is dropped."""
        rnd = s.open_round
        if self.pending is not None and (rnd is None or rnd.number != self.pending.round_number):
            self.clear()

    def _set_group_options(self, headers: Sequence[str], value: str | None = None) -> None:
        headers = list(dict.fromkeys(headers))
        opts = [("(none)", NO_GROUP_COLUMN)] + [(h, h) for h in headers]
        show(self.import_group_column, bool(headers))
        self._rereading = True
        try:
            if list(self.import_group_column.options) != opts:
                self.import_group_column.options = opts
            self.import_group_column.value = value if value in headers else NO_GROUP_COLUMN
        finally:
            self._rereading = False

    # -- reading ---------------------------------------------------------------------------
    def _take_source(self, path: str | os.PathLike[str] | None) -> tuple[str, bytes]:
        if path is not None:
            p = Path(path).expanduser()
        else:
            files = list(self.import_upload.value or ())
            if files:
                f = files[0]
                content = bytes(f["content"])
                if len(content) > MAX_BALLOT_FILE_BYTES:
                    raise UIError(f"{f['name']} is larger than 50 MB; is it the right file?")
                return str(f["name"]), content
            typed = self.import_path.value.strip()
            if not typed:
                raise UIError("Choose a ballot file to import, or type its path on the server.")
            p = Path(typed).expanduser()
        if not p.is_file():
            raise UIError(f"There is no file {str(p)!r}.")
        if p.stat().st_size > MAX_BALLOT_FILE_BYTES:
            raise UIError(f"{p.name} is larger than 50 MB; is it the right file?")
        return p.name, p.read_bytes()

    def _read(self, group_column: str | None, no_group: bool = False) -> ImportPreview:
        from partnership_tools.vote.ballots_csv import BallotFileError
        from partnership_tools.vote.reading import read_ballots, sniff_format

        s = self.console.require()
        rnd = self.console.store.open_round_of(s.id)
        if rnd is None:
            raise UIError("No round is open; open one first.")
        assert self._source is not None
        name, content = self._source
        digest = hashlib.sha256(content).hexdigest()
        round_options = [s.option(i) for i in rnd.option_ids]
        with tempfile.TemporaryDirectory(prefix="pt-ballots-") as tmp:
            suffix = Path(name).suffix.lower()
            stem = safe_filename(Path(name).stem, "ballots")
            path = Path(tmp) / f"{stem}{suffix}"
            path.write_bytes(content)
            own = sniff_format(path) in ("preflib", "blt")
            kwargs: dict[str, Any] = {}
            if group_column:
                kwargs["group_column"] = group_column
            try:
                imp = read_ballots(path, options=None if own else round_options, **kwargs)
            except BallotFileError as exc:
                raise UIError(str(exc).replace(str(path), name).replace(path.name, name)) from None
        return prepare_import(
            imp,
            round_options,
            rnd.number,
            s.groups,
            name=name,
            digest=digest,
            own_options=own,
            group_column=group_column,
            no_group=no_group,
        )

    def _show(self, p: ImportPreview) -> None:
        s = self.console.session
        labels = s.labels if s is not None else {}
        sid = self.console.session_id or ""
        again = p.digest in self.imported.get((sid, p.round_number), set())
        self.pending = p
        self._set_group_options([h for h, _use in p.columns if h], p.group_column)
        self.import_preview.value = preview_html(p, labels, again)
        n = p.n_ballots
        self.import_add_button.description = (
            f"Add {n} ballot{'' if n == 1 else 's'} to round {p.round_number}"
            + (" again" if again else "")
        )
        self.import_add_button.tooltip = self.import_add_button.description
        show(self.confirm_box, True)
        if again:
            self.feedback.info(
                f"{p.name} was already imported into round {p.round_number}; adding it again"
                " counts its ballots twice."
            )
        else:
            self.feedback.info(
                f"Read {p.name}: {n} valid ballot{'' if n == 1 else 's'},"
                f" {len(p.rejected)} rejected, {len(p.blank_rows)} blank. Check the preview,"
                " then add them."
            )

    @action("reading the ballot file")
    def preview(self, path: str | os.PathLike[str] | None = None) -> ImportPreview | None:
        """Read the uploaded file (or ``path``, or the typed path) and show what would be
        added; nothing is stored."""
        self.console.require()
        self.clear()
        self._source = self._take_source(path)
        with busy(self.import_preview_button):
            p = self._read(None)
        self._show(p)
        self.import_upload.value = ()
        return p

    @action("re-reading the ballot file")
    def set_group_column(self, header: str | None) -> ImportPreview | None:
        """Re-read the previewed file with ``header`` as the group column (None: no group)."""
        if self._source is None:
            raise UIError("Preview a ballot file first.")
        p = self._read(header or None, no_group=not header)
        self._show(p)
        return p

    def _on_group_column(self, change: dict) -> None:
        if self._rereading or self.pending is None:
            return
        value = change["new"] or None
        if value == self.pending.group_column:
            return
        self.set_group_column(value)

    # -- storing ---------------------------------------------------------------------------
    @action("adding the imported ballots")
    def add_ballots(self) -> int | None:
        """Store the previewed ballots in the open round (all in one transaction); returns how
        many were added."""
        s = self.console.require()
        p = self.pending
        if p is None:
            raise UIError("Preview a ballot file first.")
        store = self.console.store
        rnd = store.open_round_of(s.id)
        if rnd is None or rnd.number != p.round_number:
            self.clear()
            raise UIError(f"Round {p.round_number} is no longer open; nothing was added.")
        ballots = [
            Ballot(ranking=r, group=g, source="import")
            for r, g in zip(p.rankings, p.groups, strict=True)
        ]
        with busy(self.import_add_button, self.import_cancel_button):
            store.add_ballots(s.id, p.round_number, ballots)
        self.imported.setdefault((s.id, p.round_number), set()).add(p.digest)
        self.clear()
        count = store.ballot_count(s.id, p.round_number)
        self.on_added(count)
        self.console.refresh()
        n = len(ballots)
        self.feedback.success(
            f"Added {n} ballot{'' if n == 1 else 's'} from {p.name} to round {p.round_number}"
            f" ({count} ballots in the round)."
        )
        return n
