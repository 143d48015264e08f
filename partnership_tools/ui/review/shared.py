"""What the review app's panels share: the tab titles, the page's CSS and small pure helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from partnership_tools.ui.common import UIError, public_base_url

OVERALL = "All respondents"  # partnership_tools.review.OVERALL, without importing pandas here
SAMPLE_FILES = ("ten_lessons_wave1.csv", "ten_lessons_wave2.csv")
SAMPLE_INSTRUMENT = "ten_lessons"
FROM_FILE = "__file__"
NO_GROUPS = ""
TAB_TITLES = (
    "Profile",
    "Items",
    "Groups",
    "Waves",
    "Coverage",
    "Findings",
    "Action plan",
    "Data",
    "Response form",
    "Save",
)
CHART_TABS = ("Profile", "Items", "Groups", "Waves", "Coverage")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Width of the simple bar charts: narrow enough to stay legible on a phone.
CHART_WIDTH = 340
STATUS_LABELS = {"open": "Open", "in progress": "In progress", "done": "Done", "dropped": "Dropped"}
#: Shown on a chart tab, and under the action plan, when there is nothing to show yet.
NO_RESPONSES = "<p>No responses yet: import a file, open a review, or open the response form.</p>"
WIDE = {"description_width": "initial"}

REVIEW_CSS = """
.pt-review .widget-tab { margin-top: 8px; }
.pt-filters { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: center;
  background: #F5F7FA; border: 1px solid #E4E7EB; border-radius: 6px; padding: 6px 10px;
  margin: 6px 0; }
.pt-review .pt-band { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: 600; }
.pt-review .pt-finding { margin: 4px 0 8px; padding-left: 10px; border-left: 4px solid #9AA5B1; }
.pt-review .pt-finding-strength { border-left-color: #1A9850; }
.pt-review .pt-finding-discuss { border-left-color: #FDB863; }
.pt-review .pt-finding-concern { border-left-color: #D73027; }
.pt-review .pt-warning { background: #FFF4E5; border-left: 4px solid #D55E00; padding: 6px 10px;
  margin: 4px 0; }
.pt-review .pt-comment { white-space: pre-wrap; border-left: 3px solid #CBD2D9; padding: 2px 8px;
  margin: 4px 0; overflow-wrap: anywhere; }
.pt-review .pt-form-url a { font-size: 1.1em; word-break: break-all; }
.pt-review .pt-qr svg { width: 180px; height: auto; }
.pt-action-row { border-bottom: 1px solid #E4E7EB; padding: 4px 0; }
.pt-review .widget-textarea textarea { font-size: 14px; }
@media (max-width: 600px) {
  .pt-review .widget-inline-hbox { flex-wrap: wrap; }
  .pt-review .widget-text, .pt-review .widget-dropdown, .pt-review .widget-datepicker,
  .pt-review .widget-textarea, .pt-review .widget-select-multiple,
  .pt-review .widget-inttext { width: 100% !important; }
}
"""


def sample_paths() -> list[Path]:
    """The sample response files (two waves of the ``ten_lessons`` instrument).

    >>> [p.name for p in sample_paths()]
    ['ten_lessons_wave1.csv', 'ten_lessons_wave2.csv']
    """
    from partnership_tools import SAMPLE_DIR

    return [SAMPLE_DIR / "review" / name for name in SAMPLE_FILES]


def instrument_problem(exc: Exception) -> str:
    """The first problem of an :class:`InstrumentError` (or any error) as one sentence.

    >>> instrument_problem(ValueError("no such file"))
    'no such file'
    """
    problems = getattr(exc, "problems", None)
    if problems:
        return problems[0].describe(Path(getattr(exc, "source", "")).name or "the instrument")
    return str(exc)


def form_url(review_id: str, base: str | None = None) -> str:
    """The review form's address (only its path when no base address is known).

    >>> form_url("spring review", "http://host:8866")
    'http://host:8866/review-form/spring%20review'
    """
    from urllib.parse import quote

    path = f"/review-form/{quote(review_id, safe='')}"
    base = base if base is not None else public_base_url()
    return f"{base.rstrip('/')}{path}" if base else path


def is_missing(v: Any) -> bool:
    """True for None, NaN and ``pd.NA``.

    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    if v is None:
        return True
    try:
        return bool(v != v)
    except (TypeError, ValueError):  # pd.NA
        return True


def fmt(v: Any, spec: str = ".2f", missing: str = "–") -> str:
    """A number formatted with ``spec``; ``missing`` for a missing or non-numeric value.

    >>> fmt(3.14159), fmt(None), fmt(0.25, "+.2f"), fmt("x")
    ('3.14', '–', '+0.25', '–')
    """
    try:
        if is_missing(v):
            return missing
        return format(float(v), spec)
    except (TypeError, ValueError):
        return missing


def is_true(v: Any) -> bool:
    """True only for a real true value (``pd.NA`` and None are not).

    >>> is_true(True), is_true(None), is_true(float("nan")), is_true(0)
    (True, False, False, False)
    """
    return not is_missing(v) and bool(v)


def int_text(v: Any) -> str:
    """A whole number as text; "" when missing.

    >>> int_text(7.0), int_text(None)
    ('7', '')
    """
    return "" if is_missing(v) else str(int(v))


def text(v: Any) -> str:
    """A value as text; "" when missing.

    >>> text("Strength"), text(None)
    ('Strength', '')
    """
    return "" if is_missing(v) else str(v)


def uploads(upload: Any) -> list[dict[str, Any]]:
    """A ``FileUpload``'s files as ``{"name": str, "content": bytes}`` (dicts or objects).

    >>> class Up:
    ...     value = [{"name": "a.csv", "content": memoryview(b"x,y")}]
    >>> uploads(Up())
    [{'name': 'a.csv', 'content': b'x,y'}]
    """
    out = []
    for f in upload.value or ():
        content = f["content"] if isinstance(f, dict) else f.content
        name = f["name"] if isinstance(f, dict) else f.name
        out.append({"name": str(name), "content": bytes(content)})
    return out


def require_review(review_id: str | None, doing: str) -> str:
    """The review's id, or a :class:`UIError` saying to save it to the store first.

    >>> require_review("spring", "keep its action plan")
    'spring'
    >>> require_review(None, "keep its action plan")
    Traceback (most recent call last):
    ...
    partnership_tools.ui.common.UIError: Save this review to the store first (Data tab, “Save to the store”) to keep its action plan.
    """
    if not review_id:
        raise UIError(
            f"Save this review to the store first (Data tab, “Save to the store”) to {doing}."
        )
    return review_id


def stamp_text(iso: str) -> str:
    """An ISO UTC time as shown on the page.

    >>> stamp_text("2025-03-01T09:30:00Z")
    '2025-03-01 09:30:00 UTC'
    """
    return iso.replace("T", " ").replace("Z", " UTC")
