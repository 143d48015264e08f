"""The column types of the scored tables, and turning them into JSON-safe records and back.

>>> import pandas as pd
>>> spec = {"wave": "str", "n": "Int64", "mean": "float64"}
>>> df = _typed(pd.DataFrame({"wave": ["1"], "n": [3], "mean": [float("nan")]}), spec)
>>> _records(df)
[{'wave': '1', 'n': 3, 'mean': None}]
>>> _records(_from_records(_records(df), spec)) == _records(df)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

_COUNT_COLS = {"group_size", "respondents", "n", "dont_know", "not_applicable", "missing", "count"}

_COLUMNS: dict[str, dict[str, str]] = {
    "items": {
        "wave": "str",
        "by": "str",
        "group": "str",
        "overall": "bool",
        "group_size": "Int64",
        "dimension": "str",
        "item": "str",
        "text": "str",
        "reverse": "bool",
        "respondents": "Int64",
        "n": "Int64",
        "mean": "float64",
        "median": "float64",
        "sd": "float64",
        "pct_positive": "float64",
        "pct_negative": "float64",
        "dont_know": "Int64",
        "not_applicable": "Int64",
        "missing": "Int64",
        "band": "str",
        "band_label": "str",
        "suppressed": "bool",
        "suppressed_reason": "str",
    },
    "dimensions": {
        "wave": "str",
        "by": "str",
        "group": "str",
        "overall": "bool",
        "group_size": "Int64",
        "dimension": "str",
        "title": "str",
        "n_items": "int64",
        "respondents": "Int64",
        "n": "Int64",
        "mean": "float64",
        "median": "float64",
        "sd": "float64",
        "pct_positive": "float64",
        "pct_negative": "float64",
        "dont_know": "Int64",
        "not_applicable": "Int64",
        "missing": "Int64",
        "min_valid_answers": "int64",
        "met_minimum": "boolean",
        "band": "str",
        "band_label": "str",
        "suppressed": "bool",
        "suppressed_reason": "str",
    },
    "distribution": {
        "wave": "str",
        "by": "str",
        "group": "str",
        "overall": "bool",
        "group_size": "Int64",
        "dimension": "str",
        "item": "str",
        "text": "str",
        "reverse": "bool",
        "kind": "str",
        "position": "int64",
        "scored_value": "int64",
        "scored_label": "str",
        "answer_label": "str",
        "count": "Int64",
        "pct_of_valid": "float64",
        "pct_of_answers": "float64",
        "suppressed": "bool",
        "suppressed_reason": "str",
    },
    "gaps": {
        "wave": "str",
        "dimension": "str",
        "title": "str",
        "groups_compared": "Int64",
        "gap": "float64",
        "highest_group": "str",
        "highest_mean": "float64",
        "lowest_group": "str",
        "lowest_mean": "float64",
        "threshold": "float64",
        "flagged": "bool",
    },
    "changes": {
        "dimension": "str",
        "title": "str",
        "group": "str",
        "overall": "bool",
        "before": "str",
        "after": "str",
        "n_before": "Int64",
        "n_after": "Int64",
        "mean_before": "float64",
        "mean_after": "float64",
        "change": "float64",
        "direction": "str",
        "band_before": "str",
        "band_after": "str",
        "suppressed": "bool",
    },
    "coverage": {
        "wave": "str",
        "level": "str",
        "respondents": "Int64",
        "share": "float64",
        "status": "str",
    },
}


def _py(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(df.columns)
    return [
        {c: _py(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False, name=None)
    ]


def _typed(df: pd.DataFrame, spec: Mapping[str, str]) -> pd.DataFrame:
    out = df.reindex(columns=list(spec)).copy()
    for c, t in spec.items():
        if str(out[c].dtype) == t:
            continue
        if t == "str":
            col = out[c].astype(object)
            out[c] = col.where(col.notna(), None).astype("str")
        elif t == "bool":
            out[c] = out[c].fillna(False).astype(bool)
        else:
            out[c] = out[c].astype(t)
    return out.reset_index(drop=True)


def _from_records(rows: Sequence[Mapping[str, Any]], spec: Mapping[str, str]) -> pd.DataFrame:
    data = {c: [r.get(c) for r in rows] for c in spec}
    df = pd.DataFrame(data, columns=list(spec))
    for c, t in spec.items():
        if t in ("float64",):
            df[c] = pd.to_numeric(
                df[c].astype(object).where(df[c].notna(), np.nan), errors="coerce"
            )
        elif t in ("Int64", "int64"):
            df[c] = pd.array([None if v is None else int(v) for v in data[c]], dtype="Int64")
        elif t == "boolean":
            df[c] = pd.array(data[c], dtype="boolean")
    return _typed(df, spec)
