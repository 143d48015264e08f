"""The house theme for every chart the kit draws, and the colours the charts share.

Call :func:`use_house_theme` once (the chart functions do it for you); it registers and enables
the ``partnership_tools`` theme with Altair.

>>> import altair as alt
>>> use_house_theme()
>>> alt.theme.active
'partnership_tools'
"""

from __future__ import annotations

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
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "labelLimit": 260},
            "header": {"labelFontSize": 13, "titleFontSize": 13},
            "range": {"category": PALETTE},
            "bar": {"color": ACCENT},
            "line": {"color": ACCENT, "strokeWidth": 2.5},
            "point": {"color": ACCENT, "filled": True, "size": 60},
        }
    }


def use_house_theme() -> None:
    """Register (once) and enable the house theme."""
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(_theme)
    alt.theme.enable(THEME_NAME)
