"""The house theme for every chart the kit draws, and the colours the charts share.

Call :func:`use_house_theme` once (the chart functions do it for you); it registers and enables
the ``partnership_tools`` theme with Altair.

Two rules every chart of the kit keeps:

* **Counts of people are whole numbers.** An axis of counts (respondents, ballots, answers) uses
  :func:`count_axis`: ticks at whole numbers only, labelled as integers (``tickMinStep=1``,
  ``format="d"`` and explicit tick ``values``), so no chart ever shows 0.2 of a respondent.
* **Legends sit below the chart** (``orient="bottom"``, the theme's default and set explicitly on
  each legend of the review charts), never to the right, so a label drawn at the end of a bar has
  the space to the right of the plot to itself and cannot run into a legend.

>>> import altair as alt
>>> use_house_theme()
>>> alt.theme.active
'partnership_tools'
>>> count_axis().to_dict()
{'format': 'd', 'tickMinStep': 1}
"""

from __future__ import annotations

from typing import Any, Literal

import altair as alt

THEME_NAME = "partnership_tools"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

# Colour-blind-safe categorical palette (Okabe-Ito order, black last).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ACCENT = "#0072B2"
MUTED = "#9AA5B1"
THRESHOLD_COLOUR = "#D55E00"
SUPPRESSED_COLOUR = "#D9D9D9"

# Review bands: strength, worth discussing, concern.
BAND_COLOURS = {"strength": "#1A9850", "discuss": "#FDB863", "concern": "#D73027"}
# Diverging agreement scale, most negative first.
DIVERGING = ["#B2182B", "#EF8A62", "#E0E0E0", "#67A9CF", "#2166AC"]
# Sequential scheme for heatmaps.
SEQUENTIAL_SCHEME = "blues"
# Where legends go: below the chart, never beside labels drawn at the ends of bars.
LEGEND_ORIENT: Literal["bottom"] = "bottom"


def count_ticks(max_count: int, most: int = 8) -> list[int]:
    """Whole-number tick values from 0 past ``max_count``, at most ``most`` + 1 of them, one
    apart or a "nice" step (1, 2, 5, 10, 20, 50, ...).

    >>> count_ticks(2), count_ticks(0), count_ticks(23)
    ([0, 1, 2], [0, 1], [0, 5, 10, 15, 20, 25])
    """
    top = max(int(max_count), 1)
    step, base = 1, 1
    while True:
        for m in (1, 2, 5):
            step = m * base
            if -(-top // step) <= most:
                n = -(-top // step)
                return [i * step for i in range(n + 1)]
        base *= 10


def count_axis(max_count: int | None = None, **kwargs: Any) -> alt.Axis:
    """An axis for counts of people: integer ticks only (``tickMinStep=1``, ``format="d"``, and
    with ``max_count`` the tick ``values`` themselves, from :func:`count_ticks`, since Vega may
    still put ticks at halves); ``kwargs`` are passed on to :class:`altair.Axis`.

    >>> count_axis(2).to_dict()
    {'format': 'd', 'tickMinStep': 1, 'values': [0, 1, 2]}
    """
    if max_count is not None:
        kwargs["values"] = count_ticks(max_count)
    return alt.Axis(tickMinStep=1, format="d", **kwargs)


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "view": {"stroke": None, "continuousWidth": 420, "continuousHeight": 260},
            "title": {"fontSize": 16, "fontWeight": 600, "anchor": "start", "color": "#1F2933"},
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "titleFontWeight": 500,
                "labelColor": "#323F4B",
                "titleColor": "#323F4B",
                "gridColor": "#E4E7EB",
                "domainColor": "#9AA5B1",
                "labelLimit": 260,
            },
            "legend": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "labelLimit": 260,
                "orient": LEGEND_ORIENT,
            },
            "header": {"labelFontSize": 13, "titleFontSize": 13},
            "range": {"category": PALETTE},
            "bar": {"color": ACCENT},
            "line": {"color": ACCENT, "strokeWidth": 2.5},
            "point": {"color": ACCENT, "filled": True, "size": 60},
        }
    }


_registered = False


def use_house_theme() -> None:
    """Register (once) and enable the house theme.

    Registering through ``alt.theme.register(..., enable=True)`` rather than asking
    ``alt.theme.names()`` first: ``names()`` scans every installed package's entry points, which
    took a second of the review app's start on a full environment.
    """
    global _registered
    if not _registered:
        alt.theme.register(THEME_NAME, enable=True)(_theme)
        _registered = True
    elif alt.theme.active != THEME_NAME:
        alt.theme.enable(THEME_NAME)
