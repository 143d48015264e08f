"""The signing kernel: the key made once in its folder, the signed message, trusted keys, and a
signature block of any shape checked in one sentence, never a traceback."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnership_tools.kernel.checks import Verdict
from partnership_tools.kernel.savedfile import Replay, with_signature
from partnership_tools.kernel.signing import (
    SIGNED_PREFIX,
    check_signature,
    key_id_of,
    load_or_create_key,
    sign_data,
    signed_message,
    trusted_keys,
)

DATA = {"kind": "t", "results": {"winners": ["A"], "mbc": [3, 1.5]}, "text": "Côte d’Ivoire"}


def test_key_made_once_with_mode_0600_and_its_public_line(tmp_path, monkeypatch):
    folder = tmp_path / "k"
    monkeypatch.delenv("PT_SIGNER_NAME", raising=False)
    key = load_or_create_key(folder)
    assert stat.S_IMODE((folder / "partnership.key").stat().st_mode) == 0o600
    assert load_or_create_key(folder).public_raw == key.public_raw
    assert key.signer is None
    # the id, worked out from the public key file a second way
    algo, b64 = (folder / "partnership.pub").read_text().split()
    assert algo == "ed25519"
    assert key.key_id == hashlib.sha256(base64.b64decode(b64)).hexdigest()[:16]
    (folder / "signer-name.txt").write_text("  County   partnership \nsecond line\n")
    named = load_or_create_key(folder)
    assert named.signer == "County partnership"
    assert (folder / "partnership.pub").read_text() == f"ed25519 {b64} County partnership\n"
    monkeypatch.setenv("PT_SIGNER_NAME", "From the environment")
    assert load_or_create_key(folder).signer == "From the environment"


def test_an_existing_key_file_is_used_as_it_is(tmp_path):
    folder = tmp_path / "k"
    folder.mkdir()
    private = Ed25519PrivateKey.generate()
    (folder / "partnership.key").write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert load_or_create_key(folder).key_id == key_id_of(raw)


def test_the_signed_message_is_everything_but_the_signature_value(tmp_path):
    key = load_or_create_key(tmp_path, signer="S")
    signed = sign_data(DATA, key)
    assert {k: v for k, v in signed.items() if k != "signature"} == DATA
    block = {k: v for k, v in signed["signature"].items() if k != "value"}
    expected = SIGNED_PREFIX + (
        json.dumps({**DATA, "signature": block}, sort_keys=True, indent=2, ensure_ascii=False)
        + "\n"
    ).encode("utf-8")
    assert signed_message(signed) == expected
    key.private.public_key().verify(base64.b64decode(signed["signature"]["value"]), expected)
    # re-signing a signed file replaces its signature (Ed25519 is deterministic)
    assert sign_data(signed, key) == signed


def test_trust_is_the_own_key_and_the_trusted_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PT_TRUSTED_KEYS_DIR", raising=False)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    mine = load_or_create_key(ours, signer="Us")
    other = load_or_create_key(theirs, signer="Them")
    signed = sign_data(DATA, other)
    assert trusted_keys(ours) == {mine.public_raw: "this partnership's own key"}
    assert check_signature(signed, ours).trusted is False
    (ours / "trusted").mkdir()
    (ours / "trusted" / "junk.pub").write_text("not a key\n")
    (ours / "trusted" / "them.pub").write_text(other.public_line())
    check = check_signature(signed, ours)
    assert check.ok and check.trusted and check.trusted_as == "a trusted key (Them, from them.pub)"
    elsewhere = tmp_path / "elsewhere"
    (elsewhere).mkdir()
    (elsewhere / "them.pub").write_text(other.public_line())
    monkeypatch.setenv("PT_TRUSTED_KEYS_DIR", str(elsewhere))
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(tmp_path / "fresh"))
    assert check_signature(signed).trusted
    assert not (tmp_path / "fresh").exists()  # checking never makes a key


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
FIELDS = ("algorithm", "key_id", "public_key", "signer", "value", "covers")


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(
    block=st.one_of(
        JSON,
        st.fixed_dictionaries({}, optional={f: JSON for f in FIELDS}),
    ),
    keep=st.sets(st.sampled_from(FIELDS)),
)
def test_any_signature_block_is_checked_in_one_sentence(tmp_path_factory, block, keep):
    folder = tmp_path_factory.mktemp("fuzz-keys")
    signed = sign_data(DATA, load_or_create_key(folder))
    if isinstance(block, dict):  # mix real fields with arbitrary ones
        block = {**{k: v for k, v in signed["signature"].items() if k in keep}, **block}
    data = {**DATA, "signature": block}
    check = check_signature(data, folder)
    if block is None:
        assert check is None
        return
    assert check is not None
    if check.ok:  # only the real block, untouched in every field the message covers
        assert {k: block.get(k) for k in FIELDS if k != "covers"} == {
            k: signed["signature"].get(k) for k in FIELDS if k != "covers"
        }
    else:
        assert check.reason and "\n" not in check.reason and not check.reason.endswith(".")
        replay = with_signature(Replay("f.json", "session", "Q", Verdict(())), data, folder)
        assert replay.status == "differs" and replay.exit_code == 1


def test_a_replay_with_its_signature_round_trips_as_json():
    from partnership_tools.kernel.checks import Check
    from partnership_tools.kernel.signing import SignatureCheck

    sig = SignatureCheck(True, "0123456789abcdef", "Shire", False, "")
    r = Replay("f.json", "session", "Q", Verdict((Check("signature", True, "x"),)), signature=sig)
    data = json.loads(json.dumps(r.to_dict()))
    assert data["status"] == "signed-unknown" and data["signature"]["key_id"] == "0123456789abcdef"
    assert data["headline"].startswith("signed by an unknown key 0123456789abcdef, which names")
    assert Replay.from_dict(data) == r
