"""The scoring engine: figures per item and per dimension, as long-form pandas tables.

**Scores.** Answers are *scored* before anything is counted: a reverse-worded item's answer ``x``
scores ``Scale.reverse(x)`` = ``low + high - x`` (on a 1-5 scale, 5 scores 1). "Don't know" and "not applicable" are
counted apart and never averaged; blanks (and cells that could not be read) are missing, never 0.

For an item, over the valid answers ``x_1..x_n`` of the respondents in a row (a wave and a group):

* ``n`` = number of valid answers, ``mean`` = sum(x) / n, ``median`` as usual (the average of the two
  middle answers when n is even), ``sd`` = sqrt(sum((x - mean)^2) / (n - 1)) (None when n < 2);
* ``pct_positive`` = 100 x (answers scored in the scale's positive values) / n, likewise ``pct_negative``;
* ``dont_know``, ``not_applicable`` and ``missing`` (blank) are counts of answers.

A dimension pools every valid answer to its items in the same way (so ``n`` counts answers, not
people); ``respondents`` counts the people who gave any answer to at least one of its items. It
``met_minimum`` when ``n >= min_valid_answers`` and only then gets a ``band`` (strength, discuss or
concern: :meth:`Bands.band <partnership_tools.review.instrument.Bands.band>`). Groups too small
to show are hidden by :func:`.anonymity.suppress`.

>>> from partnership_tools.review.instrument import load_instrument
>>> inst = load_instrument("ten_lessons")
>>> from partnership_tools.review.responses import Responses
>>> r = Responses.from_records(inst, [{"ud1": 4, "ud3": 5}, {"ud1": 5, "ud3": "Don't know"},
...                                   {"ud1": 2, "ud3": 2}])
>>> t = score_items(r, inst, min_group_size=1)
>>> row = t.set_index("item").loc["ud1"]
>>> int(row["n"]), round(float(row["mean"]), 4), float(row["median"]), round(float(row["pct_positive"]), 2)
(3, 3.6667, 4.0, 66.67)
>>> row = t.set_index("item").loc["ud3"]  # reverse-worded: 5 scores 1 and 2 scores 4
>>> int(row["n"]), float(row["mean"]), int(row["dont_know"])
(2, 2.5, 1)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from partnership_tools.review.instrument import Instrument, Scale
from partnership_tools.review.responses import Responses
from partnership_tools.review.scoring.anonymity import NOT_STATED, OVERALL, hide_rows, suppress
from partnership_tools.review.scoring.disclosure import LinkedPlan, atoms_of, linked_plan
from partnership_tools.review.scoring.tables import _COUNT_COLS
from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE

__all__ = ["group_gaps", "item_distribution", "score_dimensions", "score_items"]


# -- tallying --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Tally:
    """Counts of scored answers: ``counts[w, g, i, c]`` for wave w, group g (0 = overall), item i and
    category c (scale positions 0..K-1 as scored, then don't know, not applicable, blank)."""

    instrument: Instrument
    by: str | None
    waves: tuple[str, ...]
    groups: tuple[str, ...]  # index 0 is OVERALL
    counts: np.ndarray
    sizes: np.ndarray  # (W, G1) respondents
    dim_respondents: np.ndarray  # (W, G1, D)
    item_respondents: np.ndarray  # (W, G1, I)
    # For disclosure control across every grouping (:mod:`.disclosure`): each respondent's wave,
    # every grouping field, and which statements they gave a scale answer to.
    wave_idx: np.ndarray | None = None  # (N,)
    people: pd.DataFrame | None = None  # (N, fields)
    valid: np.ndarray | None = None  # (N, I) bool
    plans: dict = dataclasses.field(default_factory=dict)  # memo of the linked plans


def _as_responses(responses: Responses | pd.DataFrame, instrument: Instrument) -> Responses:
    if isinstance(responses, Responses):
        if responses.instrument_id != instrument.id:
            raise ValueError(
                f"These responses are to {responses.instrument_id!r}, not {instrument.id!r}."
            )
        return responses
    return Responses.from_frame(responses, instrument)


def _wave_list(waves: str | Sequence[str] | None) -> tuple[str, ...]:
    if waves is None:
        return ()
    if isinstance(waves, str):
        return (waves,)
    return tuple(waves)


def _group_values(
    frame: pd.DataFrame, instrument: Instrument, by: str
) -> tuple[list[str], np.ndarray]:
    try:
        fld = instrument.field(by)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    col = frame[by]
    present = [v for v in pd.unique(col.dropna())]
    order = [v for v in fld.values if v in set(present)] + sorted(
        v for v in present if v not in set(fld.values)
    )
    cat = pd.Categorical(col, categories=order)
    codes = np.asarray(cat.codes, dtype=np.int64)
    if (codes < 0).any():
        order.append(NOT_STATED)
        codes = np.where(codes < 0, len(order) - 1, codes)
    return order, codes


def _reversed_positions(scale: Scale) -> np.ndarray:
    """Position ``p`` on the scale maps to the position of ``scale.reverse(values[p])``.

    >>> from partnership_tools.review.instrument import Scale
    >>> _reversed_positions(Scale((1, 2, 3, 4), ("a", "b", "c", "d"), (4,), (1,))).tolist()
    [3, 2, 1, 0]
    """
    values = list(scale.values)
    try:
        return np.array([values.index(int(scale.reverse(v))) for v in values], dtype=np.int64)
    except ValueError:
        raise ValueError(
            "Reverse-worded items need a scale whose reversed values are on the scale."
        ) from None


def _tally(
    responses: Responses | pd.DataFrame, instrument: Instrument, by: str | None, waves: Any
) -> _Tally:
    r = _as_responses(responses, instrument)
    frame = r.frame
    wanted = _wave_list(waves)
    all_waves = r.waves
    if wanted:
        unknown = [w for w in wanted if w not in all_waves]
        if unknown:
            raise ValueError(
                f"There is no wave {unknown[0]!r}; the waves are: {', '.join(all_waves) or 'none'}."
            )
        frame = frame[frame["wave"].isin(wanted)]
        wave_order = tuple(w for w in all_waves if w in wanted)
    else:
        wave_order = all_waves
    wave_idx = np.asarray(
        pd.Categorical(frame["wave"], categories=list(wave_order)).codes, dtype=np.int64
    )
    if by:
        groups, group_idx = _group_values(frame, instrument, by)
        group_idx = group_idx + 1
    else:
        groups, group_idx = [], np.zeros(len(frame), dtype=np.int64)
    W, G1 = len(wave_order), len(groups) + 1

    scale = instrument.scale
    values = np.array(scale.values)
    K = len(values)
    C = K + 3
    item_ids = instrument.item_ids
    n_items = len(item_ids)
    cols = [c for c in item_ids]
    X = frame[cols].to_numpy(dtype=np.float64) if len(frame) else np.empty((0, n_items))

    allowed = list(scale.values) + list(scale.codes)
    lo_all, hi_all = min(allowed), max(allowed)
    lut = np.full(hi_all - lo_all + 1, -1, dtype=np.int16)
    for k, v in enumerate(scale.values):
        lut[v - lo_all] = k
    if scale.dont_know is not None:
        lut[scale.dont_know - lo_all] = K
    if scale.not_applicable is not None:
        lut[scale.not_applicable - lo_all] = K + 1
    nan = np.isnan(X)
    Xf = np.where(nan, lo_all, X)
    Xi = Xf.astype(np.int64)
    bad = (Xi != Xf) | (Xi < lo_all) | (Xi > hi_all)
    cat = lut[np.clip(Xi - lo_all, 0, len(lut) - 1)]
    bad |= (cat < 0) & ~nan
    if bad.any():
        rr, cc = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(
            f"{int(bad.sum())} answer(s) are neither on the scale nor a code, "
            f"e.g. {X[rr, cc]:g} for item {item_ids[cc]} in row {rr + 1}."
        )
    cat[nan] = K + 2
    rev = np.array([instrument.item(i).reverse for i in item_ids], dtype=bool)
    if rev.any():  # a reverse-worded item's answer at position p scores scale.reverse(its value)
        flip = np.append(_reversed_positions(scale), np.arange(K, K + 3)).astype(cat.dtype)
        cat[:, rev] = flip[cat[:, rev]]

    key = wave_idx * G1 + group_idx  # (N,)
    flat = (key[:, None] * n_items + np.arange(n_items)[None, :]) * C + cat
    counts = np.bincount(flat.ravel(), minlength=W * G1 * n_items * C).reshape(W, G1, n_items, C)
    sizes = np.bincount(key, minlength=W * G1).reshape(W, G1)
    answered = cat != K + 2
    item_resp = counts[..., : K + 2].sum(-1)
    dim_resp = np.zeros((W, G1, len(instrument.dimensions)), dtype=np.int64)
    pos = {iid: j for j, iid in enumerate(item_ids)}
    for d, dim in enumerate(instrument.dimensions):
        any_ans = answered[:, [pos[i] for i in dim.item_ids]].any(axis=1)
        dim_resp[:, :, d] = np.bincount(key[any_ans], minlength=W * G1).reshape(W, G1)
    if by:  # overall = sum over groups
        counts[:, 0] = counts[:, 1:].sum(axis=1)
        sizes[:, 0] = sizes[:, 1:].sum(axis=1)
        dim_resp[:, 0] = dim_resp[:, 1:].sum(axis=1)
        item_resp[:, 0] = item_resp[:, 1:].sum(axis=1)
    fields = [f for f in instrument.field_ids if f in frame.columns]
    return _Tally(
        instrument,
        by,
        tuple(wave_order),
        (OVERALL, *groups),
        counts,
        sizes,
        dim_resp,
        item_resp,
        wave_idx=wave_idx,
        people=frame[fields].reset_index(drop=True),
        valid=cat < K,
    )


def _linked_plans(t: _Tally, k: int, kind: str) -> dict[tuple[str, str], LinkedPlan]:
    """The linked plan (:func:`.disclosure.linked_plan`) of every wave and statement (``kind``
    ``item``) or theme (``dimension``): by respondents, then by who answered where some skipped."""
    key = (k, kind)
    if key in t.plans:
        return t.plans[key]
    inst = t.instrument
    assert t.people is not None and t.valid is not None and t.wave_idx is not None
    fields = list(t.people.columns)
    pos = {iid: j for j, iid in enumerate(inst.item_ids)}
    units = (
        [(it.id, [pos[it.id]]) for it in inst.items]
        if kind == "item"
        else [(d.id, [pos[i] for i in d.item_ids]) for d in inst.dimensions]
    )
    out: dict[tuple[str, str], LinkedPlan] = {}
    for w, wave in enumerate(t.waves):
        rows = t.wave_idx == w
        people = t.people[rows].reset_index(drop=True)
        atoms = t.plans.get(("atoms", wave))
        if atoms is None:
            atoms = atoms_of(people, fields)
            t.plans[("atoms", wave)] = atoms
        base = t.plans.get((k, "wave", wave))
        if base is None:
            base = linked_plan(people, fields, k, atoms=atoms)
            t.plans[(k, "wave", wave)] = base
        valid = t.valid[rows]
        for uid, cols in units:
            answered = valid[:, cols].any(axis=1)
            out[(wave, uid)] = (
                base
                if answered.all()
                else linked_plan(people, fields, k, answered, base, atoms=atoms)
            )
    t.plans[key] = out
    return out


def _stats(cnt: np.ndarray, instrument: Instrument) -> dict[str, np.ndarray]:
    """Figures from counts of scored categories (last axis)."""
    scale = instrument.scale
    v = np.array(scale.values, dtype=np.float64)
    K = len(v)
    valid = cnt[..., :K].astype(np.float64)
    n = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (valid * v).sum(-1) / n
        dev = (v - mean[..., None]) ** 2
        sd = np.sqrt((valid * dev).sum(-1) / (n - 1))
        sd = np.where(n > 1, sd, np.nan)
        cum = valid.cumsum(-1)
        lo = np.floor((n - 1) / 2)
        hi = np.floor(n / 2)
        i_lo = (cum > lo[..., None]).argmax(-1)
        i_hi = (cum > hi[..., None]).argmax(-1)
        median = np.where(n > 0, (v[i_lo] + v[i_hi]) / 2, np.nan)
        pos_idx = [scale.values.index(x) for x in scale.positive]
        neg_idx = [scale.values.index(x) for x in scale.negative]
        pct_pos = 100 * valid[..., pos_idx].sum(-1) / n
        pct_neg = 100 * valid[..., neg_idx].sum(-1) / n
    return {
        "n": n.astype(np.int64),
        "mean": mean,
        "median": median,
        "sd": sd,
        "pct_positive": pct_pos,
        "pct_negative": pct_neg,
        "dont_know": cnt[..., K].astype(np.int64),
        "not_applicable": cnt[..., K + 1].astype(np.int64),
        "missing": cnt[..., K + 2].astype(np.int64),
    }


def _grid(t: _Tally, units: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W, G1 = t.sizes.shape
    grid = np.meshgrid(np.arange(W), np.arange(G1), np.arange(units), indexing="ij")
    w, g, u = (axis.ravel() for axis in grid)
    keep = t.sizes[w, g] > 0
    return w[keep], g[keep], u[keep]


def _frame(t: _Tally, w: np.ndarray, g: np.ndarray) -> dict[str, Any]:
    return {
        "wave": pd.Series(np.array(t.waves, dtype=object)[w], dtype="str"),
        "by": pd.Series([t.by] * len(w), dtype="str"),
        "group": pd.Series(np.array(t.groups, dtype=object)[g], dtype="str"),
        "overall": g == 0,
        "group_size": t.sizes[w, g],
    }


def _finish(
    df: pd.DataFrame,
    min_group_size: int,
    t: _Tally | None = None,
    kind: str = "item",
    disclosure: str = "linked",
) -> pd.DataFrame:
    for c in df.columns:
        if c in _COUNT_COLS:
            df[c] = df[c].astype("Int64")
    df["suppressed"] = False
    df["suppressed_reason"] = pd.Series([None] * len(df), dtype="str")
    if disclosure == "linked" and t is not None and t.people is not None:
        plans = _linked_plans(t, int(min_group_size), kind)
        unit = df["item"] if kind == "item" else df["dimension"]
        df = hide_rows(
            df,
            [
                plans[(w, u)].reason(t.by, g)
                for w, u, g in zip(df["wave"], unit, df["group"], strict=True)
            ],
        )
    else:
        df = suppress(df, min_group_size)
    for c in df.columns:
        if c in _COUNT_COLS:
            df[c] = df[c].astype("Int64")
    return df.reset_index(drop=True)


def _band_cols(df: pd.DataFrame, instrument: Instrument, ok: np.ndarray) -> None:
    bands = [
        instrument.bands.band(m) if good else None for m, good in zip(df["mean"], ok, strict=True)
    ]
    df["band"] = pd.Series(bands, dtype="str")
    df["band_label"] = pd.Series(
        [instrument.bands.label(b) if b else None for b in bands], dtype="str"
    )


def _score_items(t: _Tally, min_group_size: int, disclosure: str = "linked") -> pd.DataFrame:
    inst = t.instrument
    items = inst.items
    w, g, u = _grid(t, len(items))
    st = _stats(t.counts[w, g, u], inst)
    df = pd.DataFrame(_frame(t, w, g))
    df["dimension"] = pd.Series([inst.dimension_of(items[i].id).id for i in u], dtype="str")
    df["item"] = pd.Series([items[i].id for i in u], dtype="str")
    df["text"] = pd.Series([items[i].text for i in u], dtype="str")
    df["reverse"] = np.array([items[i].reverse for i in u], dtype=bool)
    df["respondents"] = t.item_respondents[w, g, u]
    for k, v in st.items():
        df[k] = v
    _band_cols(df, inst, st["n"] > 0)
    return _finish(df, min_group_size, t, "item", disclosure)


def _dim_counts(t: _Tally) -> np.ndarray:
    pos = {iid: j for j, iid in enumerate(t.instrument.item_ids)}
    return np.stack(
        [t.counts[:, :, [pos[i] for i in d.item_ids]].sum(axis=2) for d in t.instrument.dimensions],
        axis=2,
    )


def _score_dimensions(t: _Tally, min_group_size: int, disclosure: str = "linked") -> pd.DataFrame:
    inst = t.instrument
    dims = inst.dimensions
    w, g, u = _grid(t, len(dims))
    st = _stats(_dim_counts(t)[w, g, u], inst)
    df = pd.DataFrame(_frame(t, w, g))
    df["dimension"] = pd.Series([dims[i].id for i in u], dtype="str")
    df["title"] = pd.Series([dims[i].title for i in u], dtype="str")
    df["n_items"] = np.array([len(dims[i].items) for i in u], dtype=np.int64)
    df["respondents"] = t.dim_respondents[w, g, u]
    for k, v in st.items():
        df[k] = v
    df["min_valid_answers"] = np.array([dims[i].min_valid_answers for i in u], dtype=np.int64)
    met = st["n"] >= df["min_valid_answers"].to_numpy()
    df["met_minimum"] = pd.array(met, dtype="boolean")
    _band_cols(df, inst, met)
    return _finish(df, min_group_size, t, "dimension", disclosure)


def _distribution(t: _Tally, min_group_size: int, disclosure: str = "linked") -> pd.DataFrame:
    inst = t.instrument
    scale = inst.scale
    items = inst.items
    K = len(scale.values)
    positions = list(range(K))
    kinds = ["scale"] * K
    for code, code_kind, code_pos in (
        (scale.dont_know, "dont_know", K),
        (scale.not_applicable, "not_applicable", K + 1),
    ):
        if code is not None:
            positions.append(code_pos)
            kinds.append(code_kind)
    w, g, u = _grid(t, len(items))
    cnt = t.counts[w, g, u]  # (R, C)
    n_valid = cnt[:, :K].sum(-1)
    n_answers = cnt[:, : K + 2].sum(-1)
    P = len(positions)
    r = np.repeat(np.arange(len(w)), P)
    pos = np.tile(np.array(positions), len(w))
    kind = np.tile(np.array(kinds, dtype=object), len(w))
    rev = np.array([it.reverse for it in items], dtype=bool)[u[r]]
    df = pd.DataFrame(_frame(t, w[r], g[r]))
    df["dimension"] = pd.Series(
        [inst.dimension_of(i.id).id for i in items], dtype=object
    ).to_numpy()[u[r]]
    df["item"] = np.array(inst.item_ids, dtype=object)[u[r]]
    df["text"] = np.array([i.text for i in items], dtype=object)[u[r]]
    df["reverse"] = rev
    df["kind"] = kind
    df["position"] = pos
    code_of = {K: scale.dont_know, K + 1: scale.not_applicable}
    value_of = np.array(
        [scale.values[p] if p < K else code_of[p] for p in range(max(positions) + 1)]
        if positions
        else []
    )
    label_of: np.ndarray = np.array(
        [
            scale.labels[p] if p < K else scale.label_for(int(code_of[p]))  # type: ignore[arg-type]
            for p in range(max(positions) + 1)
        ],
        dtype=object,
    )
    df["scored_value"] = value_of[pos]
    df["scored_label"] = label_of[pos]
    raw: np.ndarray = np.asarray(pos)
    if rev.any():
        flip = np.append(_reversed_positions(scale), np.arange(K, K + 2))
        raw = np.where(rev, flip[raw], raw)
    df["answer_label"] = label_of[raw]
    c = cnt[r, pos]
    df["count"] = c
    with np.errstate(invalid="ignore", divide="ignore"):
        df["pct_of_valid"] = np.where(pos < K, 100 * c / n_valid[r], np.nan)
        df["pct_of_answers"] = 100 * c / n_answers[r]
    for col in (
        "wave",
        "group",
        "dimension",
        "item",
        "text",
        "kind",
        "scored_label",
        "answer_label",
    ):
        df[col] = df[col].astype("str")
    return _finish(df, min_group_size, t, "item", disclosure)


# -- public scoring functions ------------------------------------------------------------------------
def score_items(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    by: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    waves: str | Sequence[str] | None = None,
    disclosure: str = "linked",
) -> pd.DataFrame:
    """Figures per item, per wave, overall and per group of the respondent field ``by``.

    One row per (wave, group, item); the overall rows have ``overall`` True and group
    :data:`OVERALL`. Columns: ``wave, by, group, overall, group_size, dimension, item, text, reverse,
    respondents, n, mean, median, sd, pct_positive, pct_negative, dont_know, not_applicable,
    missing, band, band_label, suppressed, suppressed_reason``.
    """
    t = _tally(responses, instrument, by, waves)
    return _score_items(t, min_group_size, disclosure)


def score_dimensions(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    by: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    waves: str | Sequence[str] | None = None,
    disclosure: str = "linked",
) -> pd.DataFrame:
    """Figures per dimension (pooling the valid answers to its items), per wave and group.

    Columns: ``wave, by, group, overall, group_size, dimension, title, n_items, respondents, n, mean,
    median, sd, pct_positive, pct_negative, dont_know, not_applicable, missing, min_valid_answers,
    met_minimum, band, band_label, suppressed, suppressed_reason``.
    """
    t = _tally(responses, instrument, by, waves)
    return _score_dimensions(t, min_group_size, disclosure)


def item_distribution(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    by: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    waves: str | Sequence[str] | None = None,
    disclosure: str = "linked",
) -> pd.DataFrame:
    """How the answers to each item are spread over the scale, for diverging bar charts.

    One row per (wave, group, item, answer category). ``kind`` is ``scale``, ``dont_know`` or
    ``not_applicable``; scale rows are in scored order (``position`` 0 = least favourable), with
    ``scored_label`` the label of the scored value and ``answer_label`` what respondents actually
    chose (they differ on reverse-worded items). ``pct_of_valid`` = count / valid answers (scale rows
    only); ``pct_of_answers`` = count / (valid + don't know + not applicable).
    """
    t = _tally(responses, instrument, by, waves)
    return _distribution(t, min_group_size, disclosure)


def group_gaps(dimensions: pd.DataFrame, threshold: float = 1.0) -> pd.DataFrame:
    """The largest difference between groups' means, per wave and dimension.

    Only groups that are shown (not suppressed), stated (not :data:`NOT_STATED`) and that met the
    dimension's minimum valid answers are compared. ``gap = highest mean - lowest mean``;
    ``flagged`` when ``gap >= threshold``. With fewer than two groups to compare, ``gap`` is None.

    >>> d = pd.DataFrame({"wave": "1", "dimension": "power", "title": "Power",
    ...     "group": ["All respondents", "A", "B", "C"], "overall": [True, False, False, False],
    ...     "mean": [3.5, 4.25, 2.5, 3.0], "suppressed": False, "met_minimum": True})
    >>> g = group_gaps(d, threshold=1.5).iloc[0]
    >>> float(g["gap"]), g["highest_group"], g["lowest_group"], bool(g["flagged"])
    (1.75, 'A', 'B', True)
    """
    cols = [
        "wave",
        "dimension",
        "title",
        "groups_compared",
        "gap",
        "highest_group",
        "highest_mean",
        "lowest_group",
        "lowest_mean",
        "threshold",
        "flagged",
    ]
    if dimensions.empty:
        return pd.DataFrame(columns=cols)
    d = dimensions
    ok = (
        ~d["overall"].astype(bool)
        & ~d["suppressed"].astype(bool)
        & (d["group"] != NOT_STATED)
        & d["met_minimum"].fillna(False).astype(bool)
        & d["mean"].notna()
    )
    keys = d[["wave", "dimension"]].drop_duplicates()
    titles = d.drop_duplicates(["wave", "dimension"]).set_index(["wave", "dimension"])
    p = d[ok].assign(mean=lambda x: x["mean"].astype(float))
    grouped = p.groupby(["wave", "dimension"], sort=False)["mean"]
    hi_idx, lo_idx, count = grouped.idxmax(), grouped.idxmin(), grouped.size()
    rows = []
    for wave, dim in keys.itertuples(index=False, name=None):
        title = titles.loc[(wave, dim), "title"] if "title" in titles else dim
        k = (wave, dim)
        n = int(count.get(k, 0))
        if n >= 2:
            hi, lo = p.loc[hi_idx[k]], p.loc[lo_idx[k]]
            gap = float(hi["mean"]) - float(lo["mean"])
            rows.append(
                [
                    wave,
                    dim,
                    title,
                    n,
                    gap,
                    hi["group"],
                    float(hi["mean"]),
                    lo["group"],
                    float(lo["mean"]),
                    float(threshold),
                    gap >= threshold,
                ]
            )
        else:
            rows.append(
                [wave, dim, title, n, np.nan, None, np.nan, None, np.nan, float(threshold), False]
            )
    out = pd.DataFrame(rows, columns=cols)
    out["groups_compared"] = out["groups_compared"].astype("Int64")
    out["flagged"] = out["flagged"].astype(bool)
    for c in ("wave", "dimension", "title", "highest_group", "lowest_group"):
        out[c] = out[c].astype("str")
    return out
