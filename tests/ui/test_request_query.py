"""A preheated kernel reads the page's query once the page has come, and waits only once.

``voila.utils.wait_for_request`` blocks until Voila hands the kernel its page's request; a
second call would wait for a request that never comes (the review app reads two names).
"""

from __future__ import annotations

import os

import voila.utils

from partnership_tools.ui.common import query_value, session_from_query


def test_the_request_is_awaited_once_then_read(monkeypatch):
    calls = []

    def fake_wait(url=None):  # what Voila does: put the request into the environment
        calls.append(url)
        os.environ["QUERY_STRING"] = "session=county-2024&review=r1&token=secret"

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.setattr(voila.utils, "wait_for_request", fake_wait)
    assert session_from_query(None) == "county-2024"
    assert query_value("review") == "r1"
    assert query_value("review_id") is None
    assert calls == [None]  # waited once, for the one request
    assert os.environ["VOILA_PREHEAT"] == "False"


def test_an_ordinary_kernel_reads_its_query_at_once(monkeypatch):
    def never(url=None):
        raise AssertionError("an ordinary kernel has its request already")

    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "session=abc")
    monkeypatch.setattr(voila.utils, "wait_for_request", never)
    assert session_from_query(None) == "abc"
    assert session_from_query("given") == "given"
