"""Comparing waves: the change in each dimension's mean between two rounds of the review."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["STEADY", "compare_waves"]

#: Changes smaller than this (in scale points) are described as "held steady".
STEADY = 0.1


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
