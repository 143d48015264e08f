"""Comparing waves: the change in each dimension's mean between two rounds of the review."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["STEADY", "compare_waves", "direction_of", "wave_figures"]

#: Changes smaller than this (in scale points) are described as "held steady".
STEADY = 0.1


def direction_of(change: float) -> str | None:
    """``up``, ``down`` or ``steady`` (a change smaller than :data:`STEADY` points either way);
    None for a change that could not be worked out (NaN).

    >>> direction_of(0.25), direction_of(-0.05), direction_of(-0.3), direction_of(float("nan"))
    ('up', 'steady', 'down', None)
    """
    if np.isnan(change):
        return None
    return "steady" if abs(change) < STEADY else ("up" if change > 0 else "down")


def compare_waves(
    dimensions: pd.DataFrame, before: str | None = None, after: str | None = None
) -> pd.DataFrame:
    """The change in each dimension's mean between two waves, overall and per group.

    ``before``/``after`` default to the first and last waves in the table. ``change = mean_after -
    mean_before``; a row is ``suppressed`` when either wave's row is. ``direction`` is ``up``,
    ``down`` or ``steady`` (a change smaller than :data:`STEADY` points either way).
    """
    cols = [
        "dimension",
        "title",
        "group",
        "overall",
        "before",
        "after",
        "n_before",
        "n_after",
        "mean_before",
        "mean_after",
        "change",
        "direction",
        "band_before",
        "band_after",
        "suppressed",
    ]
    waves = list(pd.unique(dimensions["wave"])) if not dimensions.empty else []
    before = before if before is not None else (waves[0] if waves else None)
    after = after if after is not None else (waves[-1] if waves else None)
    for w in (before, after):
        if w is not None and w not in waves:
            raise ValueError(
                f"There is no wave {w!r}; the waves are: {', '.join(waves) or 'none'}."
            )
    if before is None or after is None or before == after:
        return pd.DataFrame(columns=cols)
    keys = ["dimension", "group"]
    b = dimensions[dimensions["wave"] == before].set_index(keys)
    a = dimensions[dimensions["wave"] == after].set_index(keys)
    idx = a.index.intersection(b.index, sort=False) if len(a) else a.index
    order = [k for k in a.index if k in set(idx)]
    rows = []
    for k in order:
        rb, ra = b.loc[k], a.loc[k]
        supp = bool(rb["suppressed"]) or bool(ra["suppressed"])
        mb = np.nan if supp or pd.isna(rb["mean"]) else float(rb["mean"])
        ma = np.nan if supp or pd.isna(ra["mean"]) else float(ra["mean"])
        change = ma - mb
        direction = (
            None
            if np.isnan(change)
            else ("steady" if abs(change) < STEADY else ("up" if change > 0 else "down"))
        )
        rows.append(
            [
                k[0],
                ra.get("title", k[0]),
                k[1],
                bool(ra["overall"]),
                before,
                after,
                pd.NA if supp else rb["n"],
                pd.NA if supp else ra["n"],
                mb,
                ma,
                change,
                direction,
                None if supp else rb["band"],
                None if supp else ra["band"],
                supp,
            ]
        )
    out = pd.DataFrame(rows, columns=cols)
    for c in ("n_before", "n_after"):
        out[c] = out[c].astype("Int64")
    for c in (
        "dimension",
        "title",
        "group",
        "before",
        "after",
        "direction",
        "band_before",
        "band_after",
    ):
        out[c] = out[c].astype("str")
    out["overall"] = out["overall"].astype(bool)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


_FIGURE_COLUMNS = [
    "dimension",
    "title",
    "group",
    "overall",
    "before",
    "after",
    "mean_before",
    "mean_after",
    "change",
    "direction",
    "shown_before",
    "shown_after",
    "reason_before",
    "reason_after",
    "suppressed",
]


def wave_figures(
    dimensions: pd.DataFrame, before: str, after: str, group: str = "All respondents"
) -> pd.DataFrame:
    """Each dimension's mean in two waves for one group, each wave judged on its own.

    Unlike :func:`compare_waves` (which hides a row when either wave is hidden), a wave's mean is
    shown wherever that wave's own row of ``dimensions`` is not suppressed: ``shown_before`` /
    ``shown_after`` say so and ``reason_before`` / ``reason_after`` give the row's
    ``suppressed_reason`` (None when shown, or when the wave has no row for the dimension).
    ``change = mean_after - mean_before`` only when both are shown (else NaN, ``direction`` None);
    ``suppressed`` is True when the change cannot be shown. One row per dimension, in the order
    of the ``after`` wave (then any only in ``before``).

    >>> d = pd.DataFrame({"wave": ["one", "two"], "group": "All respondents", "overall": True,
    ...     "dimension": "H", "title": "Health", "mean": [None, 3.5],
    ...     "suppressed": [True, False], "suppressed_reason": ["small_total", None]})
    >>> row = wave_figures(d, "one", "two").iloc[0]
    >>> bool(row["shown_before"]), bool(row["shown_after"]), float(row["mean_after"]), row["reason_before"]
    (False, True, 3.5, 'small_total')
    >>> bool(row["suppressed"]), row["direction"]
    (True, None)
    """
    d = dimensions[dimensions["group"] == group]
    b = d[d["wave"] == before].drop_duplicates("dimension").set_index("dimension")
    a = d[d["wave"] == after].drop_duplicates("dimension").set_index("dimension")
    order = list(a.index) + [k for k in b.index if k not in set(a.index)]
    rows = []
    for k in order:
        figures: list[tuple[bool, float, str | None]] = []
        for part in (b, a):
            if k not in part.index:
                figures.append((False, np.nan, None))
                continue
            r = part.loc[k]
            hidden = bool(r["suppressed"])
            mean = np.nan if hidden or pd.isna(r["mean"]) else float(r["mean"])
            reason = r.get("suppressed_reason") if hidden else None
            reason = None if reason is None or pd.isna(reason) else str(reason)
            figures.append((not hidden, mean, reason))
        (sb, mb, rb), (sa, ma, ra) = figures
        change = ma - mb if sb and sa else np.nan
        src = a.loc[k] if k in a.index else b.loc[k]
        rows.append(
            [
                k,
                str(src.get("title", k)),
                group,
                bool(src.get("overall", group == "All respondents")),
                before,
                after,
                mb,
                ma,
                change,
                direction_of(change),
                sb,
                sa,
                rb,
                ra,
                bool(np.isnan(change)),
            ]
        )
    out = pd.DataFrame(rows, columns=_FIGURE_COLUMNS)
    for c in ("mean_before", "mean_after", "change"):
        out[c] = out[c].astype("float64")
    for c in ("shown_before", "shown_after", "overall", "suppressed"):
        out[c] = out[c].astype(bool)
    return out
