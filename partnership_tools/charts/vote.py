"""Charts of a Crowd Wise vote: frame builders and Altair chart functions.

Each ``*_frame`` helper turns a counted round (or a comparison of two rounds) into a long-form
:class:`pandas.DataFrame`; each ``*_chart`` function takes such a frame and returns an Altair chart
with explicit encoding types and the house theme. Everything people typed (option labels, group
names) travels as *data*, never as markup, so a label such as ``<b>x</b>`` is drawn literally.

Option names on the charts read ``"A: label"`` so that two options with the same label stay
apart; :func:`option_name` builds them.

Every number drawn as text (bar labels, cell values, tooltips) is formatted here, in pandas, by
:func:`partnership_tools.kernel.rounding.fixed` (half up at the precision shown), never by the
chart library's number format, so a chart and a table always show the same figure. Results by
group show only the groups :func:`partnership_tools.vote.disclosure.group_disclosure` allows.

>>> from partnership_tools.vote.count import count_rankings
>>> r = count_rankings(["A", "B"], [["B", "A"], ["B"]], labels={"A": "Alpha", "B": "Beta"})
>>> result_frame(r)[["option", "mbc", "consensus"]].values.tolist()  # B: 2 + 1, A: 1; of 2 x 2
[['B: Beta', 3, 0.75], ['A: Alpha', 1, 0.25]]
>>> mbc_chart(result_frame(r), threshold=0.6).to_dict()["layer"][0]["mark"]["type"]
'bar'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from partnership_tools.kernel.rounding import fixed
from partnership_tools.vote.disclosure import DEFAULT_MIN_GROUP_SIZE, group_disclosure

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from partnership_tools.vote.compare import RoundComparison
    from partnership_tools.vote.count import RoundResult

__all__ = [
    "COEFFICIENT_TICKS",
    "NOT_RANKED",
    "change_chart",
    "change_frame",
    "group_chart",
    "group_frame",
    "group_note",
    "lineage_name",
    "mbc_chart",
    "option_name",
    "ordinal",
    "pairwise_chart",
    "pairwise_frame",
    "rank_chart",
    "rank_colours",
    "rank_counts_frame",
    "result_frame",
    "stack",
]

NOT_RANKED = "Not ranked"
# Dark to light: earlier ranks are darker. Light enough at the end, dark enough to read on white.
_RANK_BLUES = [
    "#08306B",
    "#08519C",
    "#2171B5",
    "#4292C6",
    "#6BAED6",
    "#9ECAE1",
    "#C6DBEF",
]
DEFAULT_WIDTH = 420
#: Tick marks of a coefficient axis (0 to 1): tenths, exact, so no two ticks share a label (left
#: to itself the chart library ticks every 0.05 on a wide chart and shows 0.05 and 0.15 as 0.1).
COEFFICIENT_TICKS = [k / 10 for k in range(11)]


def ordinal(k: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ..., ``11th``, ``21st``.

    >>> [ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st']
    """
    if 10 <= k % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def option_name(option_id: str, label: str) -> str:
    """How charts name an option: ``"A: label"`` (or just the id when the label is the id)."""
    label = str(label)
    return option_id if label == option_id else f"{option_id}: {label}"


def rank_colours(n: int) -> list[str]:
    """``n`` blues from dark (1st) to light (n-th), evenly picked from the house ramp.

    >>> rank_colours(1), len(rank_colours(5)), rank_colours(2)
    (['#08306B'], 5, ['#08306B', '#C6DBEF'])
    """
    ramp = _RANK_BLUES
    if n <= 0:
        return []
    if n == 1:
        return [ramp[0]]
    if n <= len(ramp):
        return [ramp[round(i * (len(ramp) - 1) / (n - 1))] for i in range(n)]
    # More ranks than colours: repeat the lightest shades (still ordered dark to light).
    return [ramp[min(len(ramp) - 1, i * len(ramp) // n)] for i in range(n)]


def _labels(result: RoundResult, labels: Mapping[str, str] | None) -> dict[str, str]:
    out = {o.id: o.label for o in result.options}
    out.update(labels or {})
    return out


# ------------------------------------------------------------------------------------------
# Frames
# ------------------------------------------------------------------------------------------
def result_frame(result: RoundResult, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per option, in MBC order (most points first).

    Columns: ``option_id``, ``label``, ``option`` (``"A: label"``), ``position`` (1 = most
    points; tied options share it), ``mbc``, ``consensus``, ``ballots``, ``n_options``,
    ``winner`` (bool), ``text`` (``"12 pts · 0.80"``, the bar label) and ``consensus_text``
    (3 decimals, for tooltips).
    """
    names = _labels(result, labels)
    rows = []
    for o in result.options:
        rows.append(
            {
                "option_id": o.id,
                "label": names[o.id],
                "option": option_name(o.id, names[o.id]),
                "position": 1 + sum(1 for p in result.options if p.mbc > o.mbc),
                "mbc": o.mbc,
                "consensus": o.consensus,
                "ballots": result.ballots,
                "n_options": result.n_options,
                "winner": o.id in result.winners,
                "text": f"{o.mbc:,} pt{'' if o.mbc == 1 else 's'} · {fixed(o.consensus)}",
                "consensus_text": fixed(o.consensus, 3),
            }
        )
    columns = [
        "option_id",
        "label",
        "option",
        "position",
        "mbc",
        "consensus",
        "ballots",
        "n_options",
        "winner",
        "text",
        "consensus_text",
    ]
    return pd.DataFrame(rows, columns=columns)


def rank_counts_frame(
    result: RoundResult, labels: Mapping[str, str] | None = None, include_unranked: bool = True
) -> pd.DataFrame:
    """Long form: one row per (option, place), options in MBC order, places 1st .. n-th, then
    (with ``include_unranked``) ``"Not ranked"`` as place ``n + 1``.

    Columns: ``option_id``, ``option``, ``rank`` (1-based; ``n + 1`` = not ranked),
    ``rank_label`` (``"1st"`` ... or ``"Not ranked"``), ``count``, ``share`` (of all ballots).
    """
    names = _labels(result, labels)
    n = result.n_options
    rows = []
    for o in result.options:
        counts = list(o.rank_counts) + [0] * (n - len(o.rank_counts))
        places = [(k, ordinal(k), c) for k, c in enumerate(counts[:n], start=1)]
        if include_unranked:
            places.append((n + 1, NOT_RANKED, result.ballots - sum(counts[:n])))
        for k, lab, c in places:
            rows.append(
                {
                    "option_id": o.id,
                    "option": option_name(o.id, names[o.id]),
                    "rank": k,
                    "rank_label": lab,
                    "count": int(c),
                    "share": (c / result.ballots) if result.ballots else 0.0,
                }
            )
    return pd.DataFrame(
        rows, columns=["option_id", "option", "rank", "rank_label", "count", "share"]
    )


def pairwise_frame(result: RoundResult, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Long form: one row per ordered pair of different options (ballot-paper order).

    ``count`` is how many ballots rank ``option`` above ``against``; ``wins`` is True when that is
    more than the other way round. Columns: ``option_id``, ``against_id``, ``option``,
    ``against``, ``count``, ``reverse``, ``wins``.
    """
    names = _labels(result, labels)
    rows = []
    for x in result.option_ids:
        for y in result.option_ids:
            if x == y:
                continue
            above, below = result.pairwise[x][y], result.pairwise[y][x]
            rows.append(
                {
                    "option_id": x,
                    "against_id": y,
                    "option": option_name(x, names[x]),
                    "against": option_name(y, names[y]),
                    "count": int(above),
                    "reverse": int(below),
                    "wins": above > below,
                }
            )
    return pd.DataFrame(
        rows,
        columns=["option_id", "against_id", "option", "against", "count", "reverse", "wins"],
    )


def group_frame(
    result: RoundResult,
    labels: Mapping[str, str] | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Long form: one row per (group, option) for the groups that may be shown (they cast at
    least ``min_group_size`` ballots and do not give a smaller group away, see
    :func:`~partnership_tools.vote.disclosure.group_disclosure`); options in MBC order.
    :func:`group_note` says which groups are left out and why.

    Columns: ``group`` (the name as typed), ``group_label`` (``"name (4)"`` with its ballot
    count), ``ballots``, ``option_id``, ``option``, ``mbc``, ``consensus``, ``consensus_text``
    (2 decimals, the cell label) and ``consensus_tip`` (3 decimals, the tooltip).
    """
    names = _labels(result, labels)
    shown = set(group_disclosure(result, min_group_size).shown)
    rows = []
    for g in result.groups:
        if not g.ballots or g.group not in shown:
            continue
        for o in result.options:
            rows.append(
                {
                    "group": g.group,
                    "group_label": f"{g.group} ({g.ballots})",
                    "ballots": g.ballots,
                    "option_id": o.id,
                    "option": option_name(o.id, names[o.id]),
                    "mbc": g.mbc[o.id],
                    "consensus": g.consensus[o.id],
                    "consensus_text": fixed(g.consensus[o.id]),
                    "consensus_tip": fixed(g.consensus[o.id], 3),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "group",
            "group_label",
            "ballots",
            "option_id",
            "option",
            "mbc",
            "consensus",
            "consensus_text",
            "consensus_tip",
        ],
    )


def group_note(result: RoundResult, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> str:
    """The sentence(s) saying which groups :func:`group_frame` leaves out and why ("" if none).

    >>> from partnership_tools.vote.count import count_rankings
    >>> r = count_rankings(["A"], [["A"]] * 6, groups=["Police"] + [None] * 5)
    >>> group_note(r, 5)
    'Police is not shown: fewer than 5 ballots (the minimum group size).'
    """
    return group_disclosure(result, min_group_size).note()


def lineage_name(option_id: str, label: str, kind: str, predecessors: Sequence[str]) -> str:
    """An option's chart name with where it came from.

    >>> lineage_name("F", "Joint hub", "merged", ("C", "D"))
    'F: Joint hub (from C + D)'
    >>> lineage_name("B2", "Pool budgets", "amended", ("B",))
    'B2: Pool budgets (amended from B)'
    >>> lineage_name("A", "Alpha", "carried", ("A",)), lineage_name("G", "New", "new", ())
    ('A: Alpha', 'G: New (new)')
    """
    base = option_name(option_id, label)
    if kind == "merged":
        return f"{base} (from {' + '.join(predecessors)})"
    if kind == "amended":
        return f"{base} (amended from {' + '.join(predecessors)})"
    if kind == "new":
        return f"{base} (new)"
    return base


def change_frame(
    comparison: RoundComparison, before_label: str = "Before", after_label: str = "After"
) -> pd.DataFrame:
    """Long form for the change between two rounds: per later option, one row for its
    predecessor(s)' coefficient (``stage`` = ``before_label``; missing for a new option) and one
    for its own (``stage`` = ``after_label``). Options keep the later round's MBC order.

    Columns: ``option_id``, ``option`` (with lineage, see :func:`lineage_name`), ``kind``,
    ``predecessors`` (``"C + D"``), ``stage``, ``stage_order`` (0 before, 1 after),
    ``consensus``, ``mbc``, ``change`` (after - before coefficient, on both rows; ``None`` for
    new options), ``change_text`` (``"+0.12"``, on the after row only), ``consensus_text``
    (3 decimals, the tooltip) and ``label_x`` (where the change label goes: right of both dots).
    """
    rows = []
    for o in comparison.options:
        name = lineage_name(o.id, o.label, o.kind, o.predecessors)
        common = {
            "option_id": o.id,
            "option": name,
            "kind": o.kind,
            "predecessors": " + ".join(o.predecessors),
            "change": o.consensus_change,
        }
        if o.before_consensus is not None:
            rows.append(
                {
                    **common,
                    "stage": before_label,
                    "stage_order": 0,
                    "consensus": o.before_consensus,
                    "mbc": o.before_mbc,
                    "change_text": "",
                    "consensus_text": fixed(o.before_consensus, 3),
                    "label_x": o.before_consensus,
                }
            )
        text = "new" if o.consensus_change is None else fixed(o.consensus_change, sign=True)
        label_x = max(o.consensus, o.before_consensus or 0.0)
        rows.append(
            {
                **common,
                "stage": after_label,
                "stage_order": 1,
                "consensus": o.consensus,
                "mbc": o.mbc,
                "change_text": text,
                "consensus_text": fixed(o.consensus, 3),
                "label_x": label_x,
            }
        )
    columns = [
        "option_id",
        "option",
        "kind",
        "predecessors",
        "stage",
        "stage_order",
        "consensus",
        "mbc",
        "change",
        "change_text",
        "consensus_text",
        "label_x",
    ]
    return pd.DataFrame(rows, columns=columns)


# ------------------------------------------------------------------------------------------
# Charts (Altair is imported on first use: the frame builders need only pandas)
# ------------------------------------------------------------------------------------------
def _altair():
    """Altair, with the house theme enabled, and the theme module (for its colours)."""
    import altair as alt

    from partnership_tools.charts import theme

    theme.use_house_theme()
    return alt, theme


def stack(*charts: alt.TopLevelMixin, spacing: int = 36) -> alt.VConcatChart:
    """Charts one above the other, each keeping its own colour scale and legend."""
    alt, _ = _altair()
    return alt.vconcat(*charts, spacing=spacing).resolve_scale(color="independent")


def _order(frame: pd.DataFrame, column: str = "option") -> list[str]:
    """Distinct values of ``column`` in frame order (for an explicit axis sort)."""
    return list(dict.fromkeys(frame[column].tolist()))


def _height(n_rows: int, per_row: int = 34, minimum: int = 80) -> int:
    return max(minimum, per_row * max(n_rows, 1))


def mbc_chart(
    frame: pd.DataFrame, threshold: float, width: int = DEFAULT_WIDTH, title: str | None = None
) -> alt.LayerChart:
    """Horizontal bars of each option's consensus coefficient (MBC points / (ballots x n)),
    labelled with points and coefficient, winners highlighted, and a rule at the facilitator's
    consensus ``threshold``. ``frame`` comes from :func:`result_frame`.
    """
    alt, theme = _altair()
    order = _order(frame)
    base = alt.Chart(frame).encode(
        y=alt.Y("option:N", sort=order, title=None),
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        x=alt.X(
            "consensus:Q",
            title="Consensus coefficient (MBC points ÷ (ballots × options))",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format=".1f", values=COEFFICIENT_TICKS),
        ),
        color=alt.Color(
            "winner:N",
            scale=alt.Scale(domain=[True, False], range=[theme.ACCENT, theme.MUTED]),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("option:N", title="Option"),
            alt.Tooltip("mbc:Q", title="MBC points"),
            alt.Tooltip("consensus_text:N", title="Coefficient"),
        ],
    )
    label = {"align": "left", "dx": 5, "fontSize": 13}
    label_enc = {"x": alt.X("consensus:Q"), "text": alt.Text("text:N")}
    # A white halo under each bar label keeps it readable where the threshold rule crosses it.
    halo = base.mark_text(**label, stroke="white", strokeWidth=4, strokeJoin="round").encode(
        **label_enc
    )
    text = base.mark_text(**label, color="#1F2933").encode(**label_enc)
    rule_data = pd.DataFrame(
        {"threshold": [float(threshold)], "text": [f"threshold {fixed(threshold)}"]}
    )
    rule = (
        alt.Chart(rule_data)
        .mark_rule(color=theme.THRESHOLD_COLOUR, strokeWidth=2.5, strokeDash=[6, 4])
        .encode(x=alt.X("threshold:Q"))
    )
    rule_text = (
        alt.Chart(rule_data)
        .mark_text(
            align="left", baseline="top", dx=4, y=-14, color=theme.THRESHOLD_COLOUR, fontSize=12
        )
        .encode(x=alt.X("threshold:Q"), text=alt.Text("text:N"))
    )
    chart = alt.layer(bars, rule, rule_text, halo, text).properties(
        width=width, height=_height(len(order))
    )
    if title:
        chart = chart.properties(title=title)
    return chart


def rank_chart(
    frame: pd.DataFrame, width: int = DEFAULT_WIDTH, title: str | None = None
) -> alt.Chart:
    """Stacked horizontal bars: how many ballots put each option 1st, 2nd, ... (dark to light),
    then "Not ranked" in grey. ``frame`` comes from :func:`rank_counts_frame`."""
    alt, theme = _altair()
    order = _order(frame)
    places = (
        frame[["rank", "rank_label"]].drop_duplicates().sort_values("rank")["rank_label"].tolist()
    )
    ranked = [p for p in places if p != NOT_RANKED]
    colours = rank_colours(len(ranked)) + (
        [theme.SUPPRESSED_COLOUR] if NOT_RANKED in places else []
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("option:N", sort=order, title=None),
            x=alt.X(
                "count:Q",
                title="Ballots",
                stack="zero",
                axis=theme.count_axis(int(frame.groupby("option")["count"].sum().max() or 0)),
            ),
            color=alt.Color(
                "rank_label:O",
                sort=places,
                scale=alt.Scale(domain=places, range=colours),
                legend=alt.Legend(title="Ranked", orient="bottom", direction="horizontal"),
            ),
            order=alt.Order("rank:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("option:N", title="Option"),
                alt.Tooltip("rank_label:O", title="Ranked"),
                alt.Tooltip("count:Q", title="Ballots"),
            ],
        )
        .properties(width=width, height=_height(len(order)))
    )
    if title:
        chart = chart.properties(title=title)
    return chart


def pairwise_chart(
    frame: pd.DataFrame, width: int | None = None, title: str | None = None
) -> alt.LayerChart:
    """Heatmap of the pairwise matrix: the cell in row X, column Y holds the number of ballots
    ranking X above Y (darker = more). ``frame`` comes from :func:`pairwise_frame`."""
    alt, theme = _altair()
    order = _order(frame)
    n = len(order)
    side = width or max(200, min(DEFAULT_WIDTH, 70 * n))
    max_count = int(frame["count"].max()) if len(frame) else 0
    base = alt.Chart(frame).encode(
        y=alt.Y("option:N", sort=order, title=None),
        x=alt.X(
            "against:N",
            sort=order,
            title="Ballots ranking the row option above the column option",
            axis=alt.Axis(orient="top", labelAngle=-35, labelLimit=160),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "count:Q",
            scale=alt.Scale(scheme=theme.SEQUENTIAL_SCHEME, domain=[0, max(max_count, 1)]),
            legend=alt.Legend(title="Ballots", orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("option:N", title="Option"),
            alt.Tooltip("against:N", title="Against"),
            alt.Tooltip("count:Q", title="Ballots ranking it above"),
            alt.Tooltip("reverse:Q", title="The other way round"),
        ],
    )
    text = base.mark_text(fontSize=15, fontWeight="bold").encode(
        text=alt.Text("count:Q"),
        color=alt.condition(
            alt.datum.count > max_count / 2, alt.value("white"), alt.value("#1F2933")
        ),
    )
    chart = alt.layer(cells, text).properties(width=side, height=max(120, 44 * n))
    if title:
        chart = chart.properties(title=title)
    return chart


def group_chart(
    frame: pd.DataFrame,
    threshold: float | None = None,
    width: int | None = None,
    title: str | None = None,
    note: str = "",
) -> alt.LayerChart:
    """Support by stakeholder group: a heatmap of each group's consensus coefficient for each
    option (rows: options in MBC order; columns: groups with their ballot counts). Cells at or
    above ``threshold`` are outlined. ``frame`` comes from :func:`group_frame`; ``note`` (from
    :func:`group_note`: the groups left out and why) is shown under the title."""
    alt, theme = _altair()
    order = _order(frame)
    groups = _order(frame, "group_label")
    base = alt.Chart(frame).encode(
        y=alt.Y("option:N", sort=order, title=None),
        x=alt.X(
            "group_label:N",
            sort=groups,
            title="Group (ballots)",
            # Slanted so long group names never run into each other.
            axis=alt.Axis(orient="top", labelAngle=-30, labelAlign="left", labelLimit=200),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "consensus:Q",
            scale=alt.Scale(scheme=theme.SEQUENTIAL_SCHEME, domain=[0, 1]),
            legend=alt.Legend(title="Coefficient", orient="bottom", format=".1f"),
        ),
        tooltip=[
            alt.Tooltip("group:N", title="Group"),
            alt.Tooltip("option:N", title="Option"),
            alt.Tooltip("consensus_tip:N", title="Coefficient"),
            alt.Tooltip("mbc:Q", title="MBC points"),
        ],
    )
    text = base.mark_text(fontSize=14, fontWeight="bold").encode(
        text=alt.Text("consensus_text:N"),
        color=alt.condition(alt.datum.consensus > 0.55, alt.value("white"), alt.value("#1F2933")),
    )
    layers = [cells, text]
    if threshold is not None:
        outline = (
            base.mark_rect(filled=False, stroke=theme.THRESHOLD_COLOUR, strokeWidth=3)
            .encode()
            .transform_filter(alt.datum.consensus >= float(threshold) - 1e-9)
        )
        layers.append(outline)
    side = width or max(160, min(DEFAULT_WIDTH + 80, 120 * max(len(groups), 1)))
    chart = alt.layer(*layers).properties(width=side, height=max(100, 40 * len(order)))
    if title or note:
        chart = chart.properties(
            title=alt.TitleParams(title or "", subtitle=note) if note else title
        )
    return chart


def change_chart(
    frame: pd.DataFrame,
    threshold: float | None = None,
    width: int = DEFAULT_WIDTH,
    title: str | None = None,
) -> alt.LayerChart:
    """Dumbbell chart of the change between rounds: for each later option (named with its
    lineage), a grey line from its predecessor(s)' coefficient (open circle) to its own (filled
    dot), labelled with the change. ``frame`` comes from :func:`change_frame`."""
    alt, theme = _altair()
    order = _order(frame)
    stages = (
        frame[["stage", "stage_order"]]
        .drop_duplicates()
        .sort_values("stage_order")["stage"]
        .tolist()
    )
    y = alt.Y("option:N", sort=order, title=None)
    x = alt.X(
        "consensus:Q",
        title="Consensus coefficient",
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format=".1f", values=COEFFICIENT_TICKS),
    )
    base = alt.Chart(frame)
    line = base.mark_line(color=theme.MUTED, strokeWidth=4).encode(
        y=y, x=x, detail=alt.Detail("option:N"), order=alt.Order("stage_order:Q")
    )
    points = base.mark_point(size=160, filled=True, opacity=1).encode(
        y=y,
        x=x,
        color=alt.Color(
            "stage:N",
            sort=stages,
            scale=alt.Scale(
                domain=stages, range=[theme.MUTED, theme.ACCENT][: len(stages)] or [theme.ACCENT]
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("option:N", title="Option"),
            alt.Tooltip("stage:N", title="Round"),
            alt.Tooltip("consensus_text:N", title="Coefficient"),
        ],
    )
    labels = (
        base.transform_filter(alt.datum.stage_order == 1)
        .mark_text(align="left", dx=12, fontSize=13, fontWeight="bold", color="#1F2933")
        .encode(y=y, x=alt.X("label_x:Q"), text=alt.Text("change_text:N"))
    )
    layers = [line, points, labels]
    if threshold is not None:
        rule = (
            alt.Chart(pd.DataFrame({"threshold": [float(threshold)]}))
            .mark_rule(color=theme.THRESHOLD_COLOUR, strokeWidth=2, strokeDash=[6, 4])
            .encode(x=alt.X("threshold:Q"))
        )
        layers.insert(0, rule)
    chart = alt.layer(*layers).properties(width=width, height=_height(len(order), 40))
    if title:
        chart = chart.properties(title=title)
    return chart
