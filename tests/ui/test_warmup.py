"""The apps' warm-up: work done by a preheated kernel before any page asks for it, and nothing
anywhere else."""

from __future__ import annotations

import logging
import sys

import pytest

from partnership_tools.ui import warmup


@pytest.fixture
def probe_module(tmp_path, monkeypatch):
    """A module nothing has imported yet, on the path."""
    (tmp_path / "pt_warmup_probe.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "pt_warmup_probe", raising=False)
    yield "pt_warmup_probe"
    sys.modules.pop("pt_warmup_probe", None)


def test_outside_a_preheated_kernel_it_does_nothing(probe_module, monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert warmup.preheating() is False
    assert warmup.warm_up(modules=[probe_module]) is None
    assert probe_module not in sys.modules
    monkeypatch.setenv("VOILA_PREHEAT", "False")  # what Voila sets once the page has come
    warmup.warm_up(modules=[probe_module])
    assert probe_module not in sys.modules


def test_a_preheated_kernel_imports_what_the_first_screen_needs(probe_module, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    assert warmup.preheating() is True
    warmup.warm_up(modules=[probe_module])
    assert sys.modules[probe_module].LOADED is True


def test_charts_and_instruments_are_prepared(monkeypatch):
    from partnership_tools.review import instrument
    from partnership_tools.ui import common

    calls = []
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(common, "enable_altair", lambda: calls.append("charts"))
    monkeypatch.setattr(instrument, "list_instruments", lambda: calls.append("instruments"))
    warmup.warm_up(charts=True, instruments=True)
    assert calls == ["charts", "instruments"]
    calls.clear()
    warmup.warm_up()
    assert calls == []


def test_a_failure_is_logged_never_raised(monkeypatch, caplog):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    log = logging.getLogger("partnership_tools.ui")
    monkeypatch.setattr(log, "propagate", True)  # the UI logger writes to the terminal only
    with caplog.at_level(logging.WARNING, logger="partnership_tools.ui"):
        warmup.warm_up(modules=["pt_no_such_module_anywhere", "json"])
    assert "json" in sys.modules
    assert [r.getMessage() for r in caplog.records] == [
        "Warm-up: importing pt_no_such_module_anywhere failed."
    ]
