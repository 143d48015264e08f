"""Signed saved files: what replay proves about who wrote a file and whether it changed since.

The attacks are the ones the unkeyed digest let through: a file edited and saved again through
the kit's own code (on a machine without the partnership's key), a file edited by hand with its
SHA-256 digest recomputed, and the signature block itself edited. Expected verdicts are stated
by hand; signatures are checked a second way, with ``cryptography`` directly over the canonical
JSON built here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from partnership_tools.cli.main import main
from partnership_tools.kernel.checks import sha256_of
from partnership_tools.kernel.signing import SIGNED_PREFIX, load_or_create_key
from partnership_tools.reports.replay import replay_file
from partnership_tools.review.reviewfile import REVIEW_INPUT_KEYS, read_review, write_review
from partnership_tools.vote.sessionfile import load_session_data, read_session, write_session
from partnership_tools.vote.verification import record_session

ROOT = Path(__file__).resolve().parents[2]
VOTE = ROOT / "sample_data" / "county_joint_working.json"
REVIEW = ROOT / "sample_data" / "review" / "ten_lessons_review.json"
V1 = ROOT / "tests" / "data" / "session_v1.json"


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _load(p: Path) -> dict:
    return json.loads(p.read_text(encoding="utf-8"))


def _dump(p: Path, data: dict) -> Path:
    p.write_text(_canonical(data), encoding="utf-8")
    return p


@pytest.fixture
def signed_vote(tmp_path, monkeypatch, _signing_key_dir) -> Path:
    monkeypatch.setenv("PT_SIGNER_NAME", "Shire County Partnership")
    return write_session(read_session(VOTE), tmp_path / "vote.json")


def _own_key_id(folder: Path) -> str:
    """The key id worked out independently: SHA-256 of the raw public key, first 16 hex."""
    pem = (folder / "partnership.key").read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()[:16]


# -- signing on write ------------------------------------------------------------------------------
def test_a_saved_session_is_signed_over_its_whole_content(signed_vote, _signing_key_dir):
    data = _load(signed_vote)
    sig = data["signature"]
    assert sig["algorithm"] == "ed25519" and sig["signer"] == "Shire County Partnership"
    assert sig["key_id"] == _own_key_id(_signing_key_dir)
    # a second method: verify with cryptography over the canonical JSON built here
    unsigned_sig = {k: v for k, v in sig.items() if k != "value"}
    message = SIGNED_PREFIX + _canonical({**data, "signature": unsigned_sig}).encode("utf-8")
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(sig["public_key"]))
    public.verify(base64.b64decode(sig["value"]), message)  # raises if it does not verify


def test_signed_by_the_partnership_and_the_recount_matches(signed_vote, _signing_key_dir, capsys):
    key_id = _own_key_id(_signing_key_dir)
    r = replay_file(signed_vote)
    assert r.status == "signed" and r.verdict.ok
    assert r.headline() == (
        f"signed by Shire County Partnership (key {key_id}, this partnership's own key)"
        " and the recount matches"
    )
    assert main(["replay", str(signed_vote)]) == 0
    out = capsys.readouterr().out
    assert f"MATCH     signature: signed by Shire County Partnership (key {key_id}" in out
    assert "Verdict: signed by Shire County Partnership" in out
    assert main(["replay", str(signed_vote), "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["status"] == "signed" and j["signature"]["key_id"] == key_id
    assert j["signature"]["trusted"] is True


def test_a_file_saved_without_a_key_is_signed_by_an_unknown_key(tmp_path, monkeypatch, capsys):
    """An edit saved again through the kit on a machine without the partnership's key: the
    recount matches (the kit recorded it afresh) but the signature is by a key nobody trusts."""
    home = tmp_path / "partnership-keys"
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(home))
    original = write_session(read_session(VOTE), tmp_path / "original.json")
    assert replay_file(original).status == "signed"

    data = _load(original)
    data["session"]["rounds"][1]["ballots"][0]["ranking"] = ["E", "A", "B", "F"]
    elsewhere = tmp_path / "another-machine-keys"
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(elsewhere))
    edited = write_session(load_session_data(data).session, tmp_path / "edited.json")
    other_id = _own_key_id(elsewhere)
    assert other_id != _own_key_id(home)

    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(home))  # back at the partnership's machine
    r = replay_file(edited)
    assert r.verdict.ok and r.status == "signed-unknown"
    assert r.headline().startswith(f"signed by an unknown key {other_id}")
    assert "neither this partnership's key nor a trusted one" in r.headline()
    assert main(["replay", str(edited)]) == 0
    out = capsys.readouterr().out
    assert f"Verdict: signed by an unknown key {other_id}" in out
    assert "this does not show that the partnership saved it" in out
    assert "this partnership's own key" not in out


def test_a_key_in_the_trusted_folder_is_named_as_trusted(tmp_path, monkeypatch):
    partner = tmp_path / "partner-keys"
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(partner))
    monkeypatch.setenv("PT_SIGNER_NAME", "Health board")
    theirs = write_session(read_session(VOTE), tmp_path / "theirs.json")
    ours = tmp_path / "our-keys"
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(ours))
    assert replay_file(theirs).status == "signed-unknown"
    (ours / "trusted").mkdir(parents=True)
    (ours / "trusted" / "health-board.pub").write_text(
        (partner / "partnership.pub").read_text(encoding="utf-8"), encoding="utf-8"
    )
    r = replay_file(theirs)
    assert r.status == "signed" and "a trusted key (Health board, from health-board.pub)" in (
        r.headline()
    )
    # a trusted file naming the same key id but another public key is no trust at all
    (ours / "trusted" / "health-board.pub").write_text(
        "ed25519 " + base64.b64encode(bytes(32)).decode() + " Health board\n", encoding="utf-8"
    )
    assert replay_file(theirs).status == "signed-unknown"


# -- edits after signing -----------------------------------------------------------------------------
def test_a_ballot_edited_with_the_digest_recomputed_differs_by_its_signature(signed_vote, capsys):
    """The attack an unkeyed digest let through: edit a ballot, recount and record afresh with
    the kit's own code, recompute every digest, keep the signature."""
    data = _load(signed_vote)
    data["session"]["rounds"][1]["ballots"][0]["ranking"] = ["E", "A", "B", "F"]
    data.update(record_session(load_session_data(data).session))
    p = _dump(signed_vote.parent / "edited.json", data)
    r = replay_file(p)
    failed = {c.part: c.detail for c in r.verdict.checks if not c.ok}
    assert list(failed) == ["signature"]  # the recount and every digest agree with the edit
    assert failed["signature"].endswith("does not verify: the file was changed after it was signed")
    assert r.status == "differs"
    assert main(["replay", str(p)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS   signature: the signature by key" in out
    assert "Verdict: differs (DIFFERENCES FOUND): the signature by key" in out


def test_the_signature_covers_the_recorded_results(signed_vote):
    data = _load(signed_vote)
    # a recorded summary is not compared with the recount: only the signature can catch it
    data["results"]["summaries"]["2"] = "Option A wins outright."
    data["digest"]["results"] = sha256_of(data["results"])
    data["digest"]["combined"] = sha256_of(
        {"inputs": data["digest"]["inputs"], "results": data["digest"]["results"]}
    )
    r = replay_file(_dump(signed_vote.parent / "summary.json", data))
    assert [c.part for c in r.verdict.checks if not c.ok] == ["signature"]
    # one recorded figure removed: the recount and the signature both say so
    data = _load(signed_vote)
    del data["results"]["rounds"]["1"]["options"][0]["mbc"]
    r = replay_file(_dump(signed_vote.parent / "figure.json", data))
    failed = {c.part for c in r.verdict.checks if not c.ok}
    assert {"signature", "round 1", "results digest"} <= failed
    assert r.exit_code == 1
    assert r.reason().endswith(
        "the file was changed after it was signed, and the recount does not match what the file"
        " records (results digest, round 1)"
    )


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda s: s.update(signer="Someone else"), "the file was changed after it was signed"),
        (lambda s: s.update(key_id="0" * 16), "so the signature block was edited"),
        (lambda s: s.update(value="not base64!"), "no readable public key or signature value"),
        (lambda s: s.update(algorithm="rsa"), "not ed25519, so it cannot be checked"),
    ],
)
def test_an_edited_signature_block_differs_in_one_sentence(signed_vote, edit, reason, capsys):
    data = _load(signed_vote)
    edit(data["signature"])
    p = _dump(signed_vote.parent / "sig.json", data)
    r = replay_file(p)
    assert r.status == "differs" and r.reason().endswith(reason)
    assert main(["replay", str(p)]) == 1
    assert "Traceback" not in capsys.readouterr().out


def test_a_signature_that_is_not_an_object_differs(signed_vote):
    data = _load(signed_vote)
    data["signature"] = ["x"]
    r = replay_file(_dump(signed_vote.parent / "list.json", data))
    assert r.status == "differs" and "not an object" in r.reason()


def test_a_signed_review_edited_after_signing_differs(tmp_path):
    signed = write_review(read_review(REVIEW).with_result(), tmp_path / "review.json")
    assert replay_file(signed).status == "signed"
    data = _load(signed)
    data["notes"] = "Edited afterwards."
    data["digest"]["inputs"] = sha256_of({k: data[k] for k in REVIEW_INPUT_KEYS})
    data["digest"]["combined"] = sha256_of(
        {"inputs": data["digest"]["inputs"], "results": data["digest"]["results"]}
    )
    r = replay_file(_dump(tmp_path / "edited-review.json", data))
    assert [c.part for c in r.verdict.checks if not c.ok] == ["signature"]
    assert r.status == "differs"


# -- unsigned and old files --------------------------------------------------------------------------
def test_an_unsigned_file_says_only_that_the_recount_matches(tmp_path, capsys):
    for p in (VOTE, REVIEW, write_session(read_session(VOTE), tmp_path / "u.json", sign=False)):
        assert "signature" not in _load(p)
        r = replay_file(p)
        assert r.status == "unsigned" and r.signature is None
        assert r.headline() == "unsigned: the recount matches what the file records"
        assert main(["replay", str(p)]) == 0
        out = capsys.readouterr().out
        assert "Verdict: unsigned: the recount matches what the file records." in out
        assert "nothing shows who saved the file" in out and "signed by" not in out


def test_an_old_version_file_still_has_nothing_to_verify(capsys):
    assert main(["replay", str(V1)]) == 3
    assert "Verdict: nothing to verify" in capsys.readouterr().out


# -- the key ------------------------------------------------------------------------------------------
def test_the_key_is_made_on_first_use_with_mode_0600(tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(folder))
    assert not folder.exists()
    write_session(read_session(VOTE), tmp_path / "a.json")
    key = folder / "partnership.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    first = key.read_bytes()
    write_session(read_session(VOTE), tmp_path / "b.json")
    assert key.read_bytes() == first  # made once, then reused
    assert _load(tmp_path / "a.json")["signature"] == _load(tmp_path / "b.json")["signature"]
    assert sorted(p.name for p in folder.iterdir()) == ["partnership.key", "partnership.pub"]


def test_the_test_suite_never_uses_the_real_key_folder(_signing_key_dir):
    from partnership_tools.kernel.signing import key_dir

    assert key_dir() == _signing_key_dir
    assert not str(key_dir()).startswith(str(Path.home() / ".local"))


def test_no_usable_key_folder_saves_unsigned_and_says_so(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(blocker / "keys"))
    with caplog.at_level(logging.WARNING, logger="partnership_tools.signing"):
        p = write_session(read_session(VOTE), tmp_path / "unsigned.json")
    assert "signature" not in _load(p)
    assert "Saved unsigned: The signing key in" in caplog.text
    assert replay_file(p).status == "unsigned"


def test_the_private_key_appears_in_no_saved_file_or_report(
    signed_vote, _signing_key_dir, tmp_path, capsys
):
    from partnership_tools.reports.write import write_report

    key = load_or_create_key(_signing_key_dir)
    raw = key.private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    pem = (_signing_key_dir / "partnership.key").read_text()
    body = "".join(pem.strip().splitlines()[1:-1])
    secrets = {raw.hex(), base64.b64encode(raw).decode(), body, raw.hex().upper()}
    review = write_review(read_review(REVIEW).with_result(), tmp_path / "review.json")
    texts = [signed_vote.read_text(), review.read_text()]
    for saved in (signed_vote, review):
        assert main(["replay", str(saved), "--json"]) == 0
        assert main(["replay", str(saved)]) == 0
        texts.append(capsys.readouterr().out)
        texts.append(write_report(saved, tmp_path / f"{saved.stem}.html").read_text())
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert all("BEGIN PRIVATE KEY" not in t for t in texts)


def test_the_report_claims_exactly_what_was_checked(signed_vote, _signing_key_dir, tmp_path):
    from partnership_tools.reports.write import write_report

    key_id = _own_key_id(_signing_key_dir)
    html = write_report(signed_vote, tmp_path / "signed.html").read_text()
    assert "Verified: signed by Shire County Partnership (key " + key_id in html
    assert "and the recount matches." in html and "does not show that the" in html
    assert f'<td class="digest">{key_id}</td>' in html
    html = write_report(VOTE, tmp_path / "unsigned.html").read_text()
    assert "Verified: unsigned: the recount matches what the file records." in html
    assert "The file is not signed." in html and "signed by" not in html
    data = _load(signed_vote)
    data["session"]["question"] = "Edited after signing?"
    html = write_report(_dump(tmp_path / "edited.json", data), tmp_path / "e.html").read_text()
    assert f"Differences found: the signature by key {key_id} does not verify" in html
    assert "Verified" not in html
