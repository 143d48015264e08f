"""``partnership-tools key``: the partnership's signing key, made on first use, and its name."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

from partnership_tools.cli.main import main
from partnership_tools.vote.sessionfile import read_session, write_session
from tests.reports.test_signed_replay import VOTE


def test_key_is_made_named_and_shown_without_the_private_key(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "keys"
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(folder))
    assert main(["key", "--name", "  Shire   County Partnership "]) == 0
    out = capsys.readouterr().out
    assert stat.S_IMODE((folder / "partnership.key").stat().st_mode) == 0o600
    line = out.strip().splitlines()[-1]
    algo, b64, name = line.split(" ", 2)
    assert (algo, name) == ("ed25519", "Shire County Partnership")
    key_id = hashlib.sha256(base64.b64decode(b64)).hexdigest()[:16]
    assert f"Key id: {key_id}" in out
    pem_body = "".join((folder / "partnership.key").read_text().strip().splitlines()[1:-1])
    assert pem_body not in out
    # files saved from now on carry that name and key id
    saved = write_session(read_session(VOTE), tmp_path / "v.json")
    sig = json.loads(saved.read_text())["signature"]
    assert (sig["key_id"], sig["signer"]) == (key_id, "Shire County Partnership")
    assert main(["key"]) == 0 and f"Key id: {key_id}" in capsys.readouterr().out  # same key


def test_an_empty_name_is_one_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(tmp_path / "keys"))
    assert main(["key", "--name", "   "]) == 2
    err = capsys.readouterr().err
    assert "--name needs a name" in err and err.count("\n") == 1
