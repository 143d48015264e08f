"""The filter bar: its defaults, filling it without side effects, and the events it raises."""

from __future__ import annotations

from partnership_tools.ui.review.filters import FiltersPanel, default_wave
from partnership_tools.ui.review.shared import OVERALL

LEVELS = {"Citizen or community activist", "Front-line worker", "Manager", "Policy maker"}


def test_default_wave_is_the_last_with_enough_respondents(sample):
    # phase one has 40 respondents, phase two 39 (counted from the sample files)
    assert default_wave(sample, 5) == "phase two"
    assert default_wave(sample, 40) == "phase one"
    assert default_wave(sample, 41) == "phase two"  # none has enough: the last
    assert default_wave(None, 5) is None


def test_filling_raises_no_events_but_the_user_does(state):
    changes, groups = [], []
    panel = FiltersPanel(on_change=lambda: changes.append(1), on_group=lambda: groups.append(1))
    panel.fill(state.waves, [("Level", "level")], "level", "nope", "phase one")
    panel.fill_groups(state.result)
    panel.set_min_size(7)
    assert changes == [] and groups == []
    assert panel.wave.options == ("phase one", "phase two")
    assert panel.wave.value == "phase one"  # the focus is not a wave: the default
    assert [v for _, v in panel.by.options] == ["", "level"] and panel.by.value == "level"
    assert panel.group.options[0] == OVERALL and set(panel.group.options[1:]) == LEVELS
    assert panel.smallest == 7
    panel.wave.value = "phase two"
    panel.min_size.value = 6
    assert changes == [1, 1]
    panel.group.value = "Manager"
    assert groups == [1] and panel.group_shown == "Manager"


def test_groups_keep_the_one_shown_and_drop_a_grouping(state):
    panel = FiltersPanel()
    panel.fill(state.waves, [("Level", "level")], "level", None, "phase two")
    panel.fill_groups(state.result)
    panel.group.value = "Manager"
    panel.fill_groups(state.result)
    assert panel.group.value == "Manager"
    panel.by.value = ""
    panel.fill_groups(state.result)
    assert panel.group.options == (OVERALL,) and panel.group_shown == OVERALL
