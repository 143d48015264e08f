"""JupyterHub for an organisation, end to end: a real hub on loopback with the shipped config.

``partnership_tools/deploy/jupyterhub_config.py`` runs unchanged (environment variables only):
the hub starts its proxy (``configurable-http-proxy``), the participants' service and, when the
facilitator logs in (dummy authenticator), the facilitator's single-user server (simple local
spawner). Playwright drives Debian's chromium: the facilitator creates a session in the Voilà
app under ``/user/<name>/``, opens a round, two participants vote through the service at
``/services/participants/vote/<session>`` with no login, and the facilitator's app shows the
ballots and the result. Everything meets in one shared store (PostgreSQL when the
``fresh_postgres`` fixture exists, else an SQLite file). The expected result is worked out
here by hand from the ballots cast (Modified Borda Count), never read from the app.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.hub_helpers import HubProcess, proxy_available

from .conftest import PHONE
from .conftest import assert_no_console_errors as _assert_no_console_errors
from .test_vote_apps import ALLOWED, DESKTOP, click_tab, expect_text, message

pytestmark = pytest.mark.browser

#: A hub spawn, then a Voilà page's kernel, on a loaded 2-core machine.
SPAWN = 180_000
STEP = 60_000
FACILITATOR = "facilitator"
QUESTION = "Which project should the partnership fund first?"
LABELS = {"A": "Repair café", "B": "Youth club", "C": "Food bank"}
KEY = "hub-test-key"
BALLOTS = [["B", "A", "C"], ["B", "C"]]  # the two participants' rankings


#: The hub's spawn-pending page follows the spawn's progress as a stream, which the hub's
#: redirect to the app ends (the browser reports that request as aborted).
HUB_ALLOWED = (*ALLOWED, r"/hub/api/users/[^/ ]+/server/progress\?\S* \(net::ERR_ABORTED\)")


def assert_no_console_errors(page) -> None:
    _assert_no_console_errors(page, allow=HUB_ALLOWED)


def mbc_by_hand(rankings: list[list[str]]) -> dict[str, int]:
    """Modified Borda Count: a ballot ranking m options gives m, m-1, ..., 1 points."""
    points = dict.fromkeys(LABELS, 0)
    for ranking in rankings:
        for place, oid in enumerate(ranking):
            points[oid] += len(ranking) - place
    return points


@pytest.fixture
def hub_store(request, tmp_path: Path) -> str:
    """The shared store: a fresh PostgreSQL database when the suite provides one (the
    ``fresh_postgres`` fixture of tests/conftest.py), else an SQLite file."""
    try:
        return str(request.getfixturevalue("fresh_postgres"))
    except pytest.FixtureLookupError:
        return str(tmp_path / "store.sqlite")


@pytest.fixture
def hub(tmp_path: Path, hub_store: str) -> Iterator[HubProcess]:
    if not proxy_available():
        pytest.fail(
            "configurable-http-proxy is not on the PATH: npm install -g configurable-http-proxy"
        )
    process = HubProcess(tmp_path, store=hub_store, startup_timeout=180)
    process.start()
    try:
        yield process
    finally:
        process.stop()
        print("The hub's log (its end):\n" + process.log()[-8000:])  # shown when a test fails
        left = process.left_running()
        assert left == [], f"processes the hub started still run: {left}"


def vote_through_service(new_page, hub: HubProcess, sid: str, ranking: list[str]) -> str:
    """A participant with no hub login votes on the service's ballot page; returns the receipt."""
    page = new_page(**PHONE)
    ballot = hub.participants_url(f"/vote/{sid}")
    page.goto(ballot, timeout=STEP)
    assert page.url == ballot, f"the ballot page sent a participant to {page.url}"
    expect_text(page.locator("body"), LABELS[ranking[0]])  # the ballot page, not an error page
    for place, oid in enumerate(ranking, start=1):
        page.get_by_label(f"Your rank for {LABELS[oid]}", exact=True).select_option(str(place))
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Cast my vote").click()
    page.wait_for_selector("#receipt-code", timeout=STEP)
    assert page.url.startswith(hub.participants_url("/vote/")), page.url
    assert_no_console_errors(page)
    receipt = page.locator("#receipt-code").inner_text().strip()
    page.context.close()
    return receipt


def test_facilitator_on_the_hub_and_participants_through_the_service(hub, new_page):
    t0 = time.monotonic()

    def progress(what: str) -> None:  # shown with -s: where a slow run spends its time
        print(f"{time.monotonic() - t0:6.1f}s  {what}", flush=True)

    app_path = f"/user/{FACILITATOR}/voila/render/facilitator.ipynb"
    progress("Without logging in, the facilitator's app sends you to the hub's login page.")
    with urllib.request.urlopen(hub.url(app_path), timeout=30) as r:
        assert "/hub/login" in r.url, r.url

    progress("The facilitator logs in; the hub spawns their server and opens the app.")
    fac = new_page(**DESKTOP)
    fac.goto(hub.url("/hub/login"), timeout=STEP)
    fac.locator("#username_input").fill(FACILITATOR)
    fac.locator("#password_input").fill("any password: the dummy authenticator")
    fac.locator("#login_submit").click()
    fac.wait_for_url(re.compile(re.escape(hub.url(app_path))), timeout=SPAWN)
    hub.remember()
    fac.wait_for_selector(".pt-app", timeout=SPAWN)
    hub.remember()
    progress("The facilitator's app is up.")

    fac.locator(".pt-new-question textarea").fill(QUESTION)
    fac.locator(".pt-new-key input").fill(KEY)
    fac.locator("button.pt-create-session").click()
    expect_text(message(fac), "Created the session")
    fac.locator(".pt-options-text textarea").fill("\n".join(LABELS.values()))
    fac.locator("button.pt-add-options").click()
    expect_text(message(fac), "Added 3 option(s)")

    progress("Open round one: the join address is the hub's participants' service.")
    click_tab(fac, "Round")
    fac.locator("button.pt-open-round").click()
    expect_text(message(fac), "Round 1 is open")
    service_vote = hub.participants_url("/vote/")
    expect_text(fac.locator(".pt-join"), service_vote)
    found = re.search(
        re.escape(service_vote) + r"([A-Za-z0-9_-]+)", fac.locator(".pt-join").inner_text()
    )
    assert found, fac.locator(".pt-join").inner_text()
    sid = found.group(1)

    progress("Two participants vote through the service, with no login.")
    receipts = [vote_through_service(new_page, hub, sid, ranking) for ranking in BALLOTS]
    assert len(set(receipts)) == 2 and all(receipts)

    progress("The facilitator's app counts them, and closes the round.")
    expect_text(fac.locator(".pt-count-number"), str(len(BALLOTS)), timeout=STEP)
    fac.locator("button.pt-close-round").click()
    fac.locator("button.pt-confirm-close").click()
    expect_text(message(fac), f"Round 1 is closed with {len(BALLOTS)} ballots")

    points = mbc_by_hand(BALLOTS)
    assert points == {"A": 2, "B": 5, "C": 2}  # B: 3 + 2; A: 2 + 0; C: 1 + 1
    expect_text(fac.locator(".pt-summary"), f"{LABELS['B']} comes top with 5 points")
    assert "Traceback" not in fac.content()
    assert_no_console_errors(fac)

    progress("The shared store holds the two ballots the service took.")
    from partnership_tools.store import Store

    store = Store(hub.store)
    try:
        rankings = sorted(list(b.ranking) for _, b in store.ballots(sid, 1))
    finally:
        store.close()
    assert rankings == sorted(BALLOTS)
    progress("Done.")
