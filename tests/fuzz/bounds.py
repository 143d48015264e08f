"""What the fuzz and attack tests share: a time and memory bound around a call, and builders of
hostile files (a workbook written by hand, so its declared size can lie).

:func:`bounded` runs a block under a wall-clock alarm and an address-space ceiling (so a reader
that blows up raises ``MemoryError`` here instead of taking the machine down) and measures its
Python allocations with :mod:`tracemalloc` (numpy's arrays are traced too); the block fails when
it took longer or allocated more at its peak than allowed.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import time
import tracemalloc
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from partnership_tools.kernel.errors import PlainError
from partnership_tools.review.schema import InstrumentError
from partnership_tools.vote.ballots_csv import BallotFileError

#: The errors a reader may raise for bad input: each is one plain sentence (per problem).
PLAIN_ERRORS: tuple[type[BaseException], ...] = (PlainError, BallotFileError, InstrumentError)


@dataclass
class Measured:
    seconds: float = 0.0
    peak_mb: float = 0.0


def _vm_bytes() -> int:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[0])
    return pages * resource.getpagesize()


class Overtime(Exception):
    """The block ran past its time bound."""


@contextlib.contextmanager
def bounded(seconds: float = 10.0, megabytes: float = 200.0) -> Iterator[Measured]:
    """Run the block within ``seconds`` and ``megabytes`` of traced allocations at its peak.

    The address space may grow by at most 2 GB more than now (a hard ceiling the block cannot
    pass even if it allocates outside tracemalloc's view), restored afterwards.
    """
    measured = Measured()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = _vm_bytes() + 2 * 1024**3
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))

    def alarm(signum: int, frame: object) -> None:
        raise Overtime(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds * 3)  # the hang stop; the bound is checked below
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        yield measured
    finally:
        measured.seconds = time.perf_counter() - start
        measured.peak_mb = (tracemalloc.get_traced_memory()[1] - base) / 1e6
        if not tracing:
            tracemalloc.stop()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert measured.seconds < seconds, f"took {measured.seconds:.1f} s (bound {seconds} s)"
    assert measured.peak_mb < megabytes, f"peaked at {measured.peak_mb:.0f} MB (bound {megabytes})"


def one_sentence(exc: BaseException) -> str:
    """The error's text, checked to be plain sentences (no traceback, no Python repr noise)."""
    text = str(exc)
    assert text.strip(), f"{type(exc).__name__} with no message"
    assert "Traceback" not in text
    assert text.rstrip().endswith((".", ")", "?")), text
    return text


# -- workbooks written by hand ----------------------------------------------------------------------
_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def column_letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA, 16384 -> XFD."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sheet_xml(rows: Sequence[Sequence[str]], dimension: str | None = None, extra: str = "") -> str:
    """A worksheet holding ``rows`` as inline strings, declaring ``dimension`` (any text: it may
    lie) and ending with ``extra`` rows of raw XML."""
    body = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{column_letters(j)}{i}" t="inlineStr"><is><t>{_escape(v)}</t></is></c>'
            for j, v in enumerate(row, start=1)
        )
        body.append(f'<row r="{i}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{''.join(body)}{extra}</sheetData></worksheet>"
    )


def write_xlsx(path: Path, sheet: str | bytes, shared_strings: bytes | None = None) -> Path:
    """A minimal workbook at ``path`` whose one sheet's XML is ``sheet``, compressed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", shared_strings)
    return path


def write_big_member(
    path: Path, member: str, head: bytes, unit: bytes, count: int, tail: bytes
) -> Path:
    """A workbook whose ``member`` is ``head + unit * count + tail``, streamed into the zip so the
    test never holds it whole (a zip bomb: megabytes compressed, hundreds uncompressed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        if member != "xl/worksheets/sheet1.xml":
            z.writestr("xl/worksheets/sheet1.xml", sheet_xml([["a"]]))
        with z.open(member, "w", force_zip64=True) as fh:
            fh.write(head)
            block = unit * max(1, (1 << 20) // len(unit))
            per = (1 << 20) // len(unit) or 1
            left = count
            while left > 0:
                n = min(left, per)
                fh.write(block if n == per else unit * n)
                left -= n
            fh.write(tail)
    return path
