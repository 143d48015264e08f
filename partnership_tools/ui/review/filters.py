"""The filter bar above the tabs: the wave on show, the grouping, the group on show and the
smallest group shown."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ipywidgets as widgets

from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE
from partnership_tools.ui.review.shared import NO_GROUPS, OVERALL, WIDE


def default_wave(responses: Any, min_size: int) -> str | None:
    """The last wave with at least ``min_size`` respondents (else the last wave; None with no
    responses)."""
    waves = list(responses.waves) if responses is not None else []
    if not waves:
        return None
    counts = responses.frame["wave"].value_counts()
    enough = [w for w in waves if int(counts.get(w, 0)) >= min_size]
    return enough[-1] if enough else waves[-1]


class FiltersPanel:
    """``wave``, ``by``, ``group`` and ``min_size`` in one bar (``box``, ``pt-filters``).

    ``on_change`` runs when the user changes the wave, the grouping or the smallest group;
    ``on_group`` when the group on show changes. Changes made by :meth:`fill`,
    :meth:`fill_groups` and :meth:`set_min_size` run neither.
    """

    def __init__(
        self,
        on_change: Callable[[], None] = lambda: None,
        on_group: Callable[[], None] = lambda: None,
    ) -> None:
        w = widgets
        self._on_change = on_change
        self._on_group = on_group
        self._quiet = False
        self.wave = w.Dropdown(description="Wave", options=[], style=WIDE)
        self.wave.add_class("pt-wave")
        self.by = w.Dropdown(description="Compare groups by", options=[], style=WIDE)
        self.by.add_class("pt-by")
        self.group = w.Dropdown(description="Show group", options=[OVERALL], style=WIDE)
        self.group.add_class("pt-group")
        self.min_size = w.BoundedIntText(
            value=DEFAULT_MIN_GROUP_SIZE,
            min=1,
            max=1000,
            description="Smallest group shown",
            style=WIDE,
            layout=w.Layout(width="19em"),
        )
        self.min_size.add_class("pt-min-size")
        for control in (self.wave, self.by, self.min_size):
            control.observe(self._changed, "value")
        self.group.observe(self._group_changed, "value")
        self.box = w.HBox([self.wave, self.by, self.group, self.min_size])
        self.box.add_class("pt-filters")

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Change the controls without running the callbacks."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def _changed(self, _change: dict) -> None:
        if not self._quiet:
            self._on_change()

    def _group_changed(self, _change: dict) -> None:
        if not self._quiet:
            self._on_group()

    @property
    def group_shown(self) -> str:
        """The group on show (all respondents when none is chosen)."""
        return self.group.value or OVERALL

    @property
    def smallest(self) -> int:
        """The smallest group shown (5 when blank)."""
        return int(self.min_size.value or DEFAULT_MIN_GROUP_SIZE)

    def set_min_size(self, k: int) -> None:
        with self.quiet():
            self.min_size.value = k

    def fill(
        self,
        waves: Sequence[str],
        fields: Sequence[tuple[str, str]],
        by: str,
        focus: str | None,
        default: str | None,
    ) -> None:
        """Offer ``waves`` and the grouping ``fields`` (label, id); show ``focus`` when it is a
        wave (else ``default``), group by ``by``, and show all respondents."""
        waves = list(waves)
        with self.quiet():
            self.wave.options = waves
            self.wave.value = focus if focus in waves else default
            self.by.options = [("No groups", NO_GROUPS), *fields]
            self.by.value = by
            self.group.options = [OVERALL]
            self.group.value = OVERALL

    def fill_groups(self, result: Any) -> None:
        """Offer the groups of the result's focus wave (keeping the one on show if it is there)."""
        groups = [OVERALL]
        d = result.dimensions
        if self.by.value:
            w = d[d["wave"] == result.focus_wave]
            groups += [g for g in dict.fromkeys(w["group"]) if g != OVERALL]
        current = self.group.value
        with self.quiet():
            self.group.options = groups
            self.group.value = current if current in groups else OVERALL
