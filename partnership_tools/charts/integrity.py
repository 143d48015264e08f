"""Charts of the signs of stuffing: a round's ballots per minute of arrival.

:func:`ballots_per_minute_frame` turns the store's table
(:func:`partnership_tools.store.integrity.ballots_per_minute`) into a long-form
:class:`pandas.DataFrame`; :func:`ballots_per_minute_chart` draws it as bars with the house
theme, the busiest minute(s) in the accent colour. Minutes without ballots are not in the
store's table and are added here with 0, so a burst stands out against the quiet minutes
around it.

>>> rows = [{"minute": "2026-01-01T10:00", "ballots": 3}, {"minute": "2026-01-01T10:02", "ballots": 1}]
>>> ballots_per_minute_frame(rows)[["minute", "ballots", "busiest"]].values.tolist()
[['10:00', 3, True], ['10:01', 0, False], ['10:02', 1, False]]
>>> ballots_per_minute_chart(ballots_per_minute_frame(rows)).to_dict()["mark"]["type"]
'bar'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

__all__ = ["MAX_FILLED_MINUTES", "ballots_per_minute_chart", "ballots_per_minute_frame"]

#: Gaps are filled with 0 only while the span is at most this many minutes (a round left open
#: over a day keeps just the minutes with ballots).
MAX_FILLED_MINUTES = 240


def _parse(minute: str) -> datetime | None:
    try:
        return datetime.strptime(str(minute)[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None


def ballots_per_minute_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per minute: ``minute`` (``HH:MM``, or ``YYYY-MM-DD HH:MM`` when the ballots
    span more than one day), ``at`` (the full minute), ``ballots`` and ``busiest`` (True for
    the minute(s) with the most ballots). Empty minutes between the first and the last are
    filled with 0 when the span is at most :data:`MAX_FILLED_MINUTES`."""
    counts: dict[str, int] = {str(r["minute"])[:16]: int(r["ballots"]) for r in rows}
    keys = sorted(counts)
    times = [_parse(k) for k in keys]
    if keys and all(t is not None for t in times):
        first, last = times[0], times[-1]
        assert first is not None and last is not None
        span = int((last - first).total_seconds() // 60)
        if span <= MAX_FILLED_MINUTES:
            keys = [
                (first + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M") for i in range(span + 1)
            ]
    days = {k[:10] for k in keys}
    most = max(counts.values(), default=0)
    data = [
        {
            "minute": k[11:16] if len(days) == 1 else k.replace("T", " "),
            "at": k.replace("T", " "),
            "ballots": counts.get(k, 0),
            "busiest": most > 0 and counts.get(k, 0) == most,
        }
        for k in keys
    ]
    return pd.DataFrame(data, columns=["minute", "at", "ballots", "busiest"])


def ballots_per_minute_chart(frame: pd.DataFrame, title: str | None = None) -> alt.Chart:
    """Bars of ballots per minute (``frame`` from :func:`ballots_per_minute_frame`), the
    busiest minute(s) in the accent colour, the rest muted."""
    import altair as alt

    from partnership_tools.charts import theme

    theme.use_house_theme()
    order = frame["minute"].tolist()
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("minute:N", sort=order, title="Minute (UTC)"),
            y=alt.Y("ballots:Q", title="Ballots", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "busiest:N",
                scale=alt.Scale(domain=[True, False], range=[theme.ACCENT, theme.MUTED]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("at:N", title="Minute (UTC)"),
                alt.Tooltip("ballots:Q", title="Ballots"),
            ],
        )
        .properties(width=max(240, min(720, 18 * len(order))), height=160)
    )
    if title:
        chart = chart.properties(title=title)
    return chart
