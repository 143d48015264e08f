"""The facilitator's console: run a Crowd Wise session from one Voilà page.

Create or open a session (facilitator key checked once per opened session), list the options,
open a round, type paper ballots from the keyboard (``CAB`` or ``C>A>B``, checked as you type,
stored on Enter, with undo), watch the ballot count rise, close the round, read the results and
the plain-English summary, amend or merge options (starting from the old wording; undone while
no ballot was cast on the new option), open the next round, compare rounds, export the session
file and download the ballots and results (CSV, Excel, PrefLib, BLT), issue one-time participant
codes, publish or hide results and the list of receipts, and edit or delete options (with who
proposed them and why) before they are voted on. The Session tab also copies the opened session
for a follow-up meeting and archives or deletes it, each after a confirmation. The Codes tab
chooses the ballot mode (open, one ballot per browser, one per code; shown on the Round tab),
and the Check ballots tab shows the signs of stuffing (ballots per minute and per browser) and
sets suspect ballots aside, with who and why, after a confirmation
(:mod:`~partnership_tools.ui.facilitator.integrity_panel`).

Each tab is a small panel in its own module (``session_panel``, ``options_panel``,
``round_panel``, ``results_panel``, ``amend_panel``, ``compare_panel``, ``export_panel``,
``codes_panel``, ``integrity_panel``), sharing one :class:`~partnership_tools.ui.facilitator.console.Console`;
:mod:`~partnership_tools.ui.facilitator.app` assembles them. The live count uses the apps' one
poller (:mod:`partnership_tools.ui.poller`), the export and report the one save flow
(:mod:`partnership_tools.ui.saving`).

Every button calls a method of :class:`FacilitatorApp` (``create_session``, ``open_session``,
``add_options``, ``open_round``, ``enter_paper_ballot``, ``undo_last``, ``close_round``,
``show_results``, ``set_published``, ``amend_option``, ``merge_options``, ``open_next_round``,
``compare``, ``export_session``, ``issue_codes``; the panels' own ``options_panel.save_option``,
``options_panel.delete_option``, ``amend_panel.undo_change``, ``export_panel.export_table``,
``codes_panel.set_receipts_published``, ``session_panel.copy_session``,
``session_panel.confirm``, ``mode_panel.set_mode``, ``check_panel.check``,
``check_panel.show_chart``, ``check_panel.ask_set_aside`` and ``check_panel.confirm_set_aside``; "Download report" and "Save chart as PNG /
SVG" are :class:`~partnership_tools.ui.export.ReportDownload` and
:class:`~partnership_tools.ui.export.ChartExport`, ``app.report.make()`` and
``app.chart_export.save(fmt)``); tests call the same methods. Altair and
pandas are imported only when the facilitator asks for charts or a comparison.

>>> import tempfile, os
>>> app = FacilitatorApp(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite"), poll_interval=None)
>>> app.new_question.value = "Where should the hub go?"
>>> app.new_key.value = "sesame"
>>> app.create_session() is not None
True
>>> app.options_text.value = "Town hall\\nLibrary | next to the station"
>>> [o.label for o in app.add_options()]
['Town hall', 'Library']
"""

from __future__ import annotations

from partnership_tools.ui.facilitator.app import FACILITATOR_CSS, TAB_TITLES, FacilitatorApp
from partnership_tools.ui.facilitator.helpers import (
    MAX_LABEL_LENGTH,
    MIN_KEY_LENGTH,
    codes_sheet_html,
    lineage_text,
    next_round_options,
    option_display,
    parse_option_lines,
    superseded_ids,
)

__all__ = [
    "FACILITATOR_CSS",
    "MAX_LABEL_LENGTH",
    "MIN_KEY_LENGTH",
    "TAB_TITLES",
    "FacilitatorApp",
    "codes_sheet_html",
    "lineage_text",
    "next_round_options",
    "option_display",
    "parse_option_lines",
    "superseded_ids",
]
