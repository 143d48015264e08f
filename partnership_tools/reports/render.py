"""What every report is rendered with: the templates, inline SVG charts, the stylesheet, PDF.

>>> "report_session.html" in environment().list_templates()
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup


class ReportError(ValueError):
    """A report that cannot be written, with one plain sentence."""


def score_text(v: Any) -> str:
    """A rule's score as shown: whole numbers as they are, fractions to 3 decimal places.

    >>> score_text(7), score_text(1.5), score_text(4 / 3)
    ('7', '1.500', '1.333')
    """
    if v is None:
        return ""
    return str(v) if isinstance(v, int) else f"{float(v):.3f}"


def environment() -> Environment:
    """The Jinja2 environment of the report templates (autoescaping on)."""
    env = Environment(
        loader=PackageLoader("partnership_tools.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * float(v):.0f}%"
    env.filters["num"] = lambda v, d=2: "" if v is None else f"{float(v):.{d}f}"
    env.filters["score"] = score_text
    return env


def inline_svg(chart: Any) -> Markup:
    """The chart as inline SVG markup (vl-convert renders it; its text nodes are escaped XML)."""
    from partnership_tools.charts.export import chart_svg

    svg = chart_svg(chart)
    start = svg.find("<svg")
    return Markup(svg[start:] if start >= 0 else svg)


def css() -> str:
    """The reports' stylesheet (screen and A4 print)."""
    return (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")


def html_to_pdf(html: str) -> bytes:
    """Lay the HTML report out on A4 with WeasyPrint (no network: remote URLs are refused)."""
    from weasyprint import HTML

    def no_fetch(url: str, *a: Any, **k: Any) -> dict:
        raise ReportError(f"The report tried to load {url}; reports must be self-contained.")

    return HTML(string=html, url_fetcher=no_fetch).write_pdf()
