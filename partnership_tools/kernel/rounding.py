"""The one rounding rule for every figure the kit shows: half up, at the precision shown.

A coefficient or a points figure is shown by :func:`fixed`, everywhere: tables, summaries, chart
labels (made in pandas, never by the chart library's own number format), reports and the
participants' pages. The rule:

* the float is read as the shortest decimal that names it (its ``repr``: ``0.625`` is
  ``0.625``, ``0.285`` is ``0.285``, not the binary neighbour ``0.28499999...``);
* that decimal is rounded to ``places`` digits **half up** (a 5 in the first dropped digit
  rounds away from zero: ``0.625 -> 0.63``, ``-0.625 -> -0.63``), with
  :class:`decimal.Decimal` and ``ROUND_HALF_UP``;
* a result that rounds to zero is shown without a minus sign (``-0.001 -> 0.00``), and with
  ``sign=True`` every other result carries its sign (``+0.13``, ``-0.13``, ``+0.00``).

Python's own ``f"{0.625:.2f}"`` gives ``0.62`` (it rounds the binary value half to even) while
d3-format in a chart gives ``0.63``; this module is why the two can no longer disagree.

>>> fixed(0.625), fixed(0.625, 3), fixed(5 / 9), fixed(-0.125, sign=True), fixed(0.0, sign=True)
('0.63', '0.625', '0.56', '-0.13', '+0.00')
>>> fixed(2.5, 0), fixed(None), fixed(float("nan"))
('3', '—', '—')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["MISSING", "fixed", "half_up"]

MISSING = "—"
"""What :func:`fixed` shows for a missing figure (``None`` or not a number)."""


def half_up(x: float, places: int = 2) -> Decimal:
    """``x`` rounded half up (away from zero) to ``places`` decimal places, as a ``Decimal``.

    The float is taken at its shortest decimal form (``repr``), so what is rounded is the number
    a person would read, not its binary approximation.

    >>> half_up(0.625), half_up(0.285), half_up(-0.625), half_up(1 / 3, 3)
    (Decimal('0.63'), Decimal('0.29'), Decimal('-0.63'), Decimal('0.333'))
    """
    if places < 0:
        raise ValueError("Round to zero or more decimal places.")
    exact = Decimal(repr(float(x)))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fixed(x: float | int | None, places: int = 2, sign: bool = False) -> str:
    """``x`` as text with exactly ``places`` decimals, rounded by :func:`half_up`.

    ``sign`` writes ``+`` before a positive figure (a change between rounds). ``None`` and
    not-a-number show as ``—``; infinities as ``∞`` / ``-∞``.

    >>> fixed(0.125), fixed(0.125, 1), fixed(12), fixed(0.3333333333333333, 3, sign=True)
    ('0.13', '0.1', '12.00', '+0.333')
    >>> fixed(-0.004), fixed(-0.004, sign=True)
    ('0.00', '+0.00')
    """
    if x is None:
        return MISSING
    value = float(x)
    if math.isnan(value):
        return MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    d = half_up(value, places)
    if d == 0:
        d = abs(d)  # never "-0.00"
    return f"{d:+.{places}f}" if sign else f"{d:.{places}f}"
