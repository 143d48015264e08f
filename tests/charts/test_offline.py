"""Vega's offline bundle is built by the library once, kept on disk, and reused as it was."""

from __future__ import annotations

import altair as alt
import pytest

from partnership_tools.charts import offline


@pytest.fixture
def fresh_chart_class(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", alt.JupyterChart._esm)
    return tmp_path


def test_the_bundle_is_built_once_then_read_from_the_cache(fresh_chart_class, monkeypatch):
    path = offline.bundle_cache_path()
    assert path is not None and str(path).startswith(str(fresh_chart_class))
    assert alt.__version__ in path.name
    offline.enable_offline()
    built = alt.JupyterChart._esm
    assert alt.JupyterChart._is_offline and path.read_text(encoding="utf-8") == built
    assert "vega" in built.lower() and len(built) > 100_000

    # a later kernel: the library's builder must not run again
    import vl_convert

    def refuse(*_a, **_k):
        raise AssertionError("the bundle was built again")

    monkeypatch.setattr(vl_convert, "javascript_bundle", refuse)
    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", "")
    offline.enable_offline()
    assert alt.JupyterChart._is_offline and alt.JupyterChart._esm == built


def test_prebuild_never_raises_on_an_unwritable_cache(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", alt.JupyterChart._esm)
    offline.prebuild()  # builds in memory, cannot keep it: no exception
    assert alt.JupyterChart._is_offline
