"""Render charts to files without a browser or network (vl-convert).

>>> import altair as alt, pandas as pd
>>> c = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:Q")
>>> chart_svg(c).startswith("<svg")
True
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt

from partnership_tools.kernel.files import atomic_write_bytes

FORMATS = ("svg", "png", "pdf")


def _spec(chart: alt.TopLevelMixin) -> dict:
    return chart.to_dict()


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as a standalone SVG document (text stays text, so labels are escaped XML)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_spec(chart))


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(_spec(chart), scale=scale)


def chart_bytes(chart: alt.TopLevelMixin, fmt: str) -> bytes:
    """The chart as ``svg``, ``png`` or ``pdf`` bytes."""
    import vl_convert as vlc

    fmt = fmt.lower()
    if fmt == "svg":
        return chart_svg(chart).encode("utf-8")
    if fmt == "png":
        return chart_png(chart)
    if fmt == "pdf":
        return vlc.vegalite_to_pdf(_spec(chart))
    raise ValueError(f"Charts can be saved as {', '.join(FORMATS)}, not {fmt!r}.")


def save_chart(
    chart: alt.TopLevelMixin, path: str | os.PathLike[str], fmt: str | None = None
) -> Path:
    """Write the chart to ``path`` atomically; the format comes from ``fmt`` or the file suffix."""
    p = Path(path)
    fmt = (fmt or p.suffix.lstrip(".")).lower()
    atomic_write_bytes(p, chart_bytes(chart, fmt))
    return p
