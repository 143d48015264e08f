"""The saved-file kernel: envelope checks, migrations in order, digests, differences, cattrs."""

from __future__ import annotations

import hashlib
import json

import pytest

from partnership_tools.kernel.checks import (
    Check,
    Verdict,
    close_enough,
    differences,
    digest_checks,
    digest_of,
)
from partnership_tools.kernel.savedfile import Replay, SavedFileError, SavedFileFormat

STEPS: list[int] = []


def _step(to: int):
    def migrate(d):
        STEPS.append(to)
        return {**d, "schema_version": to, f"v{to}": True}

    return migrate


FMT = SavedFileFormat("t/thing", 3, {1: _step(2), 2: _step(3)}, "thing file")


def test_migrations_run_in_order_and_report_the_original_version():
    STEPS.clear()
    loaded = FMT.load({"kind": "t/thing", "schema_version": 1}, "a.json")
    assert STEPS == [2, 3]
    assert loaded.migrated_from == 1
    assert loaded.data == {"kind": "t/thing", "schema_version": 3, "v2": True, "v3": True}
    assert FMT.load({"kind": "t/thing", "schema_version": 3}, "a.json").migrated_from is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a.json is not a Partnership Tools thing file: it has no schema_version."),
        (
            {"schema_version": 1},
            "a.json is not a Partnership Tools thing file.",
        ),
        ({"kind": "other", "schema_version": 1}, "a.json holds a 'other', not a thing file."),
        ({"kind": "t/thing"}, "a.json has no schema_version."),
        (
            {"kind": "t/thing", "schema_version": True},
            "a.json has schema_version True, which no version of Partnership Tools wrote.",
        ),
        (
            {"kind": "t/thing", "schema_version": 4},
            "a.json uses schema_version 4, but this version of Partnership Tools reads only up"
            " to 3; upgrade partnership-tools to open it.",
        ),
    ],
)
def test_envelope_problems_are_one_sentence(data, message):
    with pytest.raises(SavedFileError) as err:
        FMT.load(data, "a.json")
    assert str(err.value) == message


def test_kind_may_be_optional_and_the_error_class_is_the_formats():
    class MyError(ValueError):
        pass

    lenient = SavedFileFormat("t/thing", 1, {}, "thing file", MyError, kind_required=False)
    assert lenient.load({"schema_version": 1}, "b").data == {"schema_version": 1}
    with pytest.raises(MyError, match="holds a 'x'"):
        lenient.load({"kind": "x", "schema_version": 1}, "b")


def test_digest_is_sha256_of_canonical_json():
    d = digest_of({"b": 1, "a": "é"}, [1.5])
    canonical = '{\n  "a": "é",\n  "b": 1\n}\n'
    assert d["inputs"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert d["results"] == hashlib.sha256(b"[\n  1.5\n]\n").hexdigest()
    both = json.dumps({"inputs": d["inputs"], "results": d["results"]}, indent=2, sort_keys=True)
    assert d["combined"] == hashlib.sha256((both + "\n").encode()).hexdigest()
    # tuples and lists are the same JSON, so the same digest
    assert digest_of((1, 2), None) == digest_of([1, 2], None)


def test_digest_checks_name_what_changed():
    checks = digest_checks({"inputs": "x", "results": "y"}, "z", "y", "the ballots")
    assert checks == [
        Check("inputs digest", False, "the ballots were changed after the file was saved"),
        Check("results digest", True, ""),
    ]


def test_differences_vote_style_and_review_style():
    assert differences({"winners": ["A"], "n": 3}, {"winners": ["B"], "n": 3}) == [
        'winners.0 was recorded as "A" but recounts as "B"'
    ]
    rows_a = {"Managers": {"mean": 4.2, "n": 3}, "Gone": {"mean": 1}}
    rows_b = {"Managers": {"mean": 2.891, "n": 3}, "New": {"mean": 2}}
    got = differences(
        rows_a,
        rows_b,
        verb="recomputes",
        depth=2,
        same=close_enough,
        show=lambda v: f"{v:.4g}" if isinstance(v, float) else json.dumps(v),
        name=lambda p: f"{p[0]}: {'.'.join(p[1:])}" if len(p) > 1 else p[0],
        headlines=None,
    )
    assert got == [
        "Managers: mean was recorded as 4.2 but recomputes as 2.891",
        'Gone was recorded as {"mean": 1} but no longer arises',
        'New was not recorded but is now {"mean": 2}',
    ]
    assert differences({"x": list(range(10))}, {"x": [0] * 10}, limit=2) == [
        "x.1 was recorded as 1 but recounts as 0",
        "x.2 was recorded as 2 but recounts as 0",
    ]


def test_close_enough_tolerates_rounding_only():
    assert close_enough(0.1 + 0.2, 0.3)
    assert not close_enough(0.3, 0.3001)
    assert not close_enough(1, True)


def test_replay_round_trips_through_the_converter():
    r = Replay("f.json", "review", "T", Verdict((Check("a", False, "d"),), True), 1, "0.1.0")
    data = r.to_dict()
    assert list(data) == [
        "path",
        "kind",
        "title",
        "verdict",
        "migrated_from",
        "kit_version",
        "signature",
        "status",
        "headline",
    ]
    assert data["signature"] is None and data["status"] == "differs"
    assert data["verdict"] == {
        "ok": False,
        "recorded": True,
        "checks": [{"part": "a", "ok": False, "detail": "d"}],
    }
    assert Replay.from_dict(json.loads(json.dumps(data))) == r
    assert Verdict.from_dict({"checks": []}) == Verdict((), True)
