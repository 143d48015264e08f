"""A phone votes through the participants' own listener, at the address ``serve`` printed.

The live server's participants' listener is on 127.0.0.2 (a second loopback address standing in
for the laptop's Wi-Fi address; tests never reach this machine's network addresses), its apps
on 127.0.0.1. The projector, opened with the token on 127.0.0.1, shows the join address on
127.0.0.2; a phone-sized page with no token follows it, ranks, reviews and casts; the store
holds exactly the ranking chosen here, and the phone's page asked nothing of any other address.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest

from partnership_tools.vote.model import Option

from .conftest import DEFAULT_ALLOWED, DESKTOP, PHONE, assert_no_console_errors, screenshot

pytestmark = pytest.mark.browser

LOAD = 120_000  # a Voilà page starts a kernel and runs the notebook first
STEP = 60_000
OPTIONS = (("A", "Library"), ("B", "Market hall"), ("C", "Railway station"))


def printed_join_base(output: str) -> str:
    """The ballot address ``serve`` printed, up to ``/vote``."""
    m = re.search(r"^\s+Ballot:\s+(\S+?)/vote/", output, re.M)
    assert m, output[-2000:]
    return m.group(1)


def session_id_lines(page, href: str, sid: str) -> int:
    """On how many lines the session id's characters are drawn in the link to ``href`` (found
    through the text, whatever markup holds it)."""
    return page.evaluate(
        """([href, sid]) => {
            const link = [...document.querySelectorAll('a')].find(a => a.href === href);
            const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
            const tops = new Set();
            let seen = '';
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (let i = 0; i < node.length; i++) {
                    seen += node.data[i];
                    const start = seen.length - 1;
                    const idStart = link.textContent.lastIndexOf(sid);
                    if (start < idStart || start >= idStart + sid.length) continue;
                    const r = document.createRange();
                    r.setStart(node, i);
                    r.setEnd(node, i + 1);
                    for (const rect of r.getClientRects()) tops.add(Math.round(rect.top));
                }
            }
            return tops.size;
        }""",
        [href, sid],
    )


def test_a_phone_votes_at_the_printed_address(live_server, new_page):
    store = live_server.store
    sid = "county-hub-phone-vote-2026"
    store.create_session("Where should the new hub go?", session_id=sid)
    store.add_options(sid, [Option(i, label) for i, label in OPTIONS])
    store.open_round(sid, [i for i, _ in OPTIONS])

    base = printed_join_base(live_server.output())
    assert urllib.parse.urlsplit(base).hostname == "127.0.0.2"
    assert base == live_server.process.participants_base_url
    join = f"{base}/vote/{sid}"

    # The projector (token, on 127.0.0.1) shows that address as its join link.
    projector = new_page(**DESKTOP)
    projector.goto(live_server.voila("projector.ipynb", session=sid), timeout=LOAD)
    link = projector.locator(f'a[href="{join}"]')
    link.first.wait_for(timeout=LOAD)
    assert join in link.first.inner_text()
    assert live_server.token not in join
    assert session_id_lines(projector, join, sid) == 1  # the address never wraps inside the id
    projector.set_viewport_size(PHONE)
    assert session_id_lines(projector, join, sid) == 1
    projector.set_viewport_size(DESKTOP)
    screenshot(projector, "projector-join-listener")

    # A phone follows it: no token, only the participants' listener.
    phone = new_page(**PHONE)
    hosts: set[str] = set()
    phone.on("request", lambda req: hosts.add(urllib.parse.urlsplit(req.url).netloc))
    phone.goto(join, timeout=STEP)
    assert phone.title().startswith("Vote, round 1")
    ranking = ["C", "A", "B"]
    for place, oid in enumerate(ranking, start=1):
        label = dict(OPTIONS)[oid]
        phone.get_by_label(f"Your rank for {label}", exact=True).select_option(str(place))
    phone.get_by_role("button", name="Review my vote").click()
    phone.get_by_role("button", name="Cast my vote").click()
    phone.wait_for_selector("#receipt-code", timeout=STEP)
    assert phone.url.startswith(base + "/")
    screenshot(phone, "receipt-phone-listener")

    [(_, ballot)] = store.ballots(sid, 1)
    assert ballot.ranking == tuple(ranking)
    assert ballot.source == "web"
    assert hosts == {urllib.parse.urlsplit(base).netloc}, hosts
    assert_no_console_errors(phone, allow=DEFAULT_ALLOWED)

    # The same phone cannot reach the facilitator's app through that listener.
    response = phone.goto(f"{base}/voila/render/facilitator.ipynb?token={live_server.token}")
    assert response is not None and response.status == 404
    assert "There is nothing at this address" in phone.content()
