"""Vega's JavaScript for charts drawn offline in Voilà, built once per machine.

``alt.JupyterChart.enable_offline(True)`` (the only way Altair draws in Voilà without a CDN)
bundles Vega's JavaScript with vl-convert: about a second of every kernel's start. The bundle
depends only on the versions of altair and vl-convert, so it is kept in the user's cache folder
under a name carrying both, and every later kernel reads it (``partnership-tools serve`` builds it
when it starts). Nothing here changes what is drawn.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["bundle_cache_path", "enable_offline", "prebuild"]


def bundle_cache_path() -> Path | None:
    """Where this machine keeps Vega's offline bundle for these versions of altair and
    vl-convert (``$XDG_CACHE_HOME`` or ``~/.cache``), or None when vl-convert is missing."""
    import altair as alt

    try:
        import vl_convert
    except ImportError:
        return None
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = f"altair-{alt.__version__}-vlc-{getattr(vl_convert, '__version__', 'x')}"
    return root / "partnership-tools" / f"vega-offline-{tag}.js"


def enable_offline() -> None:
    """``alt.JupyterChart.enable_offline(True)``, but with the JavaScript bundle it builds (about
    a second of every kernel's start) kept on disk and reused by later kernels.

    The bundle is the library's own output for these exact versions (the file name carries
    them); when altair's ``JupyterChart`` no longer has the ``_esm`` / ``_is_offline`` attributes
    this relies on, or the cache cannot be read or written, the library builds it as usual.
    """
    import altair as alt

    chart = alt.JupyterChart
    path = bundle_cache_path()
    if path is None or not hasattr(chart, "_esm") or not hasattr(chart, "_is_offline"):
        chart.enable_offline(True)
        return
    if chart._is_offline:
        return
    try:
        bundle = path.read_text(encoding="utf-8")
    except OSError:
        bundle = ""
    if bundle:
        chart._esm = bundle
        chart._is_offline = True
        return
    chart.enable_offline(True)
    try:
        from partnership_tools.kernel.files import atomic_write_text

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, chart._esm)
    except OSError:  # a read-only home: build it each time, as the library does
        pass


def prebuild() -> None:
    """Build the cached bundle now, if it is missing (for a server's start; never raises)."""
    try:
        path = bundle_cache_path()
        if path is not None and not path.exists():
            enable_offline()
    except Exception:  # noqa: BLE001 - a cache that cannot be made only costs time later
        pass
