"""The review app: score a partnership review and agree what to do about it, on one Voilà page.

Choose an instrument (a shipped one, or a YAML file) and the responses (a review in the store, or
CSV/Excel files: an import report lists the columns not used and the cells that could not be
read), filter by wave and by group, and read the results tab by tab:

* **Profile**: each dimension's mean, coloured by band, with a table of the figures;
* **Items**: a diverging stacked bar per statement, "don't know" and "not applicable" apart;
* **Groups**: a dimension-by-group heatmap (groups too small to show are greyed and marked), and
  the gaps between groups to talk through;
* **Waves**: the change in each dimension between two waves;
* **Coverage**: who took part, level by level (the vertical slice), with a warning for a level
  nobody spoke for;
* **Findings**: strengths, concerns and the rest in plain English, and the comments people made;
* **Action plan**: dimension, action, owner and due date, row by row, saved with the review;
* **Data**, **Response form** (open a wave of the kit's review form, ``/review-form/<review>``,
  and see its address) and **Save** (the review file, written atomically to the downloads folder,
  with its figures and their digest so a replay can check it, and a "Download report" of it).

Each tab is a panel in a module of its own (``profile``, ``items``, ``groups``, ``waves``,
``coverage``, ``findings``, ``actions``, ``data``, ``form``, ``save``; ``header`` and ``filters``
above the tabs); :class:`ReviewApp` (``app``) assembles them and wires their events, and they
share one :class:`~partnership_tools.ui.review.state.ReviewState`.

Under each chart, "Save chart as PNG / SVG" (:class:`~partnership_tools.ui.export.ChartExport`;
``app.chart_exports[tab]``, or :meth:`ReviewApp.save_chart` for the tab on show).

Every button calls a method of :class:`ReviewApp` (``use_instrument``, ``load_instrument_file``,
``open_review``, ``import_files``, ``load_sample``, ``store_review``, ``refresh``,
``add_action``, ``remove_action``, ``save_actions``, ``open_form``, ``close_form``,
``reload_responses``, ``save_file``, ``report.make``, ``save_chart``); tests call the same methods. Altair is imported only
when a chart is drawn, and only the chart of the tab on show is drawn.

>>> import tempfile, os
>>> app = ReviewApp(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> app.responses.n, app.waves
(79, ('phase one', 'phase two'))
>>> app.result.focus_wave
'phase two'
"""

from __future__ import annotations

from partnership_tools.ui.review.actions import ActionRow
from partnership_tools.ui.review.app import ReviewApp
from partnership_tools.ui.review.shared import (
    CHART_TABS,
    CHART_WIDTH,
    FROM_FILE,
    MAX_UPLOAD_BYTES,
    NO_GROUPS,
    OVERALL,
    REVIEW_CSS,
    SAMPLE_FILES,
    SAMPLE_INSTRUMENT,
    STATUS_LABELS,
    TAB_TITLES,
    form_url,
    instrument_problem,
    sample_paths,
)

__all__ = [
    "CHART_TABS",
    "CHART_WIDTH",
    "FROM_FILE",
    "MAX_UPLOAD_BYTES",
    "NO_GROUPS",
    "OVERALL",
    "REVIEW_CSS",
    "SAMPLE_FILES",
    "SAMPLE_INSTRUMENT",
    "STATUS_LABELS",
    "TAB_TITLES",
    "ActionRow",
    "ReviewApp",
    "form_url",
    "instrument_problem",
    "sample_paths",
]
