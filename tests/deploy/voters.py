"""Simulated voters for the deployment tests and benchmarks: each one a phone with its own cookies.

:func:`vote` loads the ballot page, reads its form token, signature and options, ranks a random
choice of options (from its own seeded ``random.Random``, so the test knows what it chose
without asking the server) and casts once. When a request fails (no connection, a reset, or the
proxy's 502/503/504 because the process it reached died), the voter sends the SAME request again,
as a person pressing the button again would: the same form token, the same cookies.
"""

from __future__ import annotations

import html
import http.client
import random
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
RANK_FIELD = re.compile(r'name="rank-([^"]+)"')
RECEIPT = re.compile(r'id="receipt-code">([^<]+)<')
REPEATED = "This form had already been cast"
RETRY_STATUSES = (502, 503, 504)


class VoteFailed(AssertionError):
    """A voter gave up (the message says at which step and why)."""


@dataclass
class Voter:
    number: int
    ranking: tuple[str, ...] = ()
    receipt: str = ""
    repeated: bool = False
    retries: int = 0
    failures: list[str] = field(default_factory=list)


def _request(
    host: str, port: int, method: str, path: str, body: str | None, headers: dict[str, str]
) -> tuple[int, list[tuple[str, str]], str]:
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read().decode("utf-8", errors="replace")
    finally:
        conn.close()


def _with_retries(voter: Voter, step: str, attempts: int, send) -> tuple[int, list, str]:
    last = ""
    for attempt in range(attempts):
        try:
            status, headers, text = send()
        except (OSError, http.client.HTTPException) as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if status not in RETRY_STATUSES:
                return status, headers, text
            last = f"HTTP {status}"
        voter.failures.append(f"{step}: {last}")
        if attempt + 1 < attempts:
            voter.retries += 1
    raise VoteFailed(f"voter {voter.number} gave up at {step} after {attempts} tries ({last})")


def vote(
    host: str,
    port: int,
    session_id: str,
    number: int,
    base: str = "",
    attempts: int = 8,
    before_cast: threading.Event | None = None,
) -> Voter:
    """One voter through ``host:port`` (``base``: a path prefix such as ``/pt``); returns what
    it ranked and the receipt it was shown. ``before_cast`` (set by the caller) is waited for
    between loading the page and casting, so a test can act while forms are out."""
    voter = Voter(number)
    rng = random.Random(number)
    path = f"{base}/vote/{urllib.parse.quote(session_id, safe='')}"
    status, headers, page = _with_retries(
        voter, "ballot page", attempts, lambda: _request(host, port, "GET", path, None, {})
    )
    if status != 200:
        raise VoteFailed(f"voter {number}: the ballot page answered {status}")
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    cookie = "; ".join(f"{k}={m.value}" for k, m in jar.items())
    hidden = {k: html.unescape(v) for k, v in HIDDEN.findall(page)}
    options = [html.unescape(o) for o in RANK_FIELD.findall(page)]
    if not {"form_token", "form_sig"} <= hidden.keys() or not options:
        raise VoteFailed(f"voter {number}: the ballot page had no form token or no options")
    chosen = rng.sample(options, rng.randint(1, len(options)))
    voter.ranking = tuple(chosen)
    fields = [("form_token", hidden["form_token"]), ("form_sig", hidden["form_sig"])]
    fields += [(f"rank-{o}", str(chosen.index(o) + 1) if o in chosen else "") for o in options]
    fields.append(("action", "cast"))
    body = urllib.parse.urlencode(fields)
    post_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie,
    }
    if before_cast is not None:
        before_cast.wait(120)
    status, _headers, page = _with_retries(
        voter, "cast", attempts, lambda: _request(host, port, "POST", path, body, post_headers)
    )
    found = RECEIPT.search(page)
    if status != 200 or not found:
        raise VoteFailed(f"voter {number}: casting answered {status} without a receipt")
    voter.receipt = found.group(1).strip()
    voter.repeated = REPEATED in page
    return voter
