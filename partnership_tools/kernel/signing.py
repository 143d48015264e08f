"""Signed saved files: the partnership's Ed25519 key, signing a file's content, checking it.

A digest alone (SHA-256 over a file's inputs and results) shows only that the results follow from
the inputs: anyone can edit a file and save it again through the kit, digest and all. A signature
also shows who wrote the file: :func:`sign_data` adds a ``signature`` block made with the
partnership's private key, and :func:`check_signature` says whether it still verifies and whether
its key is one this machine trusts.

**The key.** One Ed25519 key per partnership, made on first use in the key folder
(:func:`key_dir`: ``$PT_SIGNING_KEY_DIR``, else ``~/.local/share/partnership-tools/keys/``), never
in the store nor in a saved file: ``partnership.key`` (the private key, PKCS#8 PEM, mode 0600) and
``partnership.pub`` (its public key, one line ``ed25519 <base64> <name>``, to hand to others). The
signer's name is ``$PT_SIGNER_NAME``, else the first line of ``signer-name.txt`` in the key folder,
else none. A key's id is the first 16 hex digits of the SHA-256 of its 32 raw public-key bytes.

**Trusted keys** are the partnership's own key and every ``*.pub`` file (same one-line format) in
``$PT_TRUSTED_KEYS_DIR``, else ``trusted/`` inside the key folder; a key is trusted when its whole
public key matches, not only its id.

**What is signed**: the canonical JSON (:func:`~partnership_tools.kernel.files.canonical_json`) of
the file's data with the signature's ``value`` left out, so the inputs, the recorded results, the
digest, the signer's name and the key are all covered, after the line
:data:`SIGNED_PREFIX`.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> key = load_or_create_key(folder, signer="County partnership")
>>> signed = sign_data({"kind": "x", "results": {"winners": ["A"]}}, key)
>>> check_signature(signed, folder).sentence().startswith("signed by County partnership (key ")
True
>>> check_signature({**signed, "results": {"winners": ["B"]}}, folder).ok
False
>>> check_signature({"kind": "x"}, folder) is None
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from partnership_tools.kernel.files import canonical_json

__all__ = [
    "KEY_DIR_ENV",
    "SIGNER_ENV",
    "TRUSTED_DIR_ENV",
    "SignatureCheck",
    "SigningKey",
    "check_signature",
    "key_dir",
    "key_id_of",
    "load_or_create_key",
    "sign_data",
    "signed_message",
    "trusted_dir",
    "trusted_keys",
]

log = logging.getLogger("partnership_tools.signing")

KEY_DIR_ENV = "PT_SIGNING_KEY_DIR"
TRUSTED_DIR_ENV = "PT_TRUSTED_KEYS_DIR"
SIGNER_ENV = "PT_SIGNER_NAME"
ALGORITHM = "ed25519"
PRIVATE_FILE = "partnership.key"
PUBLIC_FILE = "partnership.pub"
NAME_FILE = "signer-name.txt"
#: The line the signed message starts with, so a signature over a saved file means nothing else.
SIGNED_PREFIX = b"partnership-tools saved file, ed25519 signature v1\n"
COVERS = "the whole file except signature.value (canonical JSON, keys sorted)"


class SigningKeyError(OSError):
    """The key folder or key file cannot be used (one plain sentence)."""


def key_dir() -> Path:
    """Where the partnership's key lives: ``$PT_SIGNING_KEY_DIR``, else
    ``~/.local/share/partnership-tools/keys``.

    >>> os.environ.get(KEY_DIR_ENV) is None or str(key_dir()) == os.environ[KEY_DIR_ENV]
    True
    """
    env = os.environ.get(KEY_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "partnership-tools" / "keys"


def trusted_dir(folder: str | os.PathLike[str] | None = None) -> Path:
    """The folder of trusted public keys: ``$PT_TRUSTED_KEYS_DIR``, else ``trusted/`` in the key
    folder (``folder`` when given, else :func:`key_dir`).

    >>> trusted_dir("/srv/keys").as_posix()
    '/srv/keys/trusted'
    """
    env = os.environ.get(TRUSTED_DIR_ENV)
    if env and folder is None:
        return Path(env).expanduser()
    return Path(folder if folder is not None else key_dir()) / "trusted"


def key_id_of(public_raw: bytes) -> str:
    """A key's short id: the first 16 hex digits of SHA-256 over its 32 raw public-key bytes.

    >>> key_id_of(bytes(32))
    '66687aadf862bd77'
    """
    return hashlib.sha256(public_raw).hexdigest()[:16]


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class SigningKey:
    """The partnership's private key (never written into a saved file), its public key and id."""

    private: Ed25519PrivateKey
    public_raw: bytes
    key_id: str
    signer: str | None
    path: Path

    def public_line(self) -> str:
        """The one-line public key (``ed25519 <base64> <name>``) others put in their trusted folder."""
        b64 = base64.b64encode(self.public_raw).decode("ascii")
        return f"{ALGORITHM} {b64} {self.signer or ''}".rstrip() + "\n"


def _signer_name(folder: Path, signer: str | None) -> str | None:
    if signer is not None:
        return signer.strip() or None
    env = os.environ.get(SIGNER_ENV)
    if env and env.strip():
        return " ".join(env.split())
    try:
        text = (folder / NAME_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    first = text.strip().splitlines()[0] if text.strip() else ""
    return " ".join(first.split())[:200] or None


def _write_new_key(folder: Path) -> None:
    """Make a key and put it in place atomically (a temporary file of mode 0600, then a hard link
    that fails when another process made one first)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, tmp = tempfile.mkstemp(prefix=".partnership-key-", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, folder / PRIVATE_FILE)
        except FileExistsError:
            pass  # another process made the key first: use theirs
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_or_create_key(
    folder: str | os.PathLike[str] | None = None, signer: str | None = None
) -> SigningKey:
    """The partnership's key from ``folder`` (default :func:`key_dir`), made there on first use
    (private key file mode 0600, folder 0700), and its public key written beside it.

    ``signer`` overrides the signer's name (else ``$PT_SIGNER_NAME``, else ``signer-name.txt``).
    Raises :class:`SigningKeyError` (one sentence) when the folder or the key cannot be used.
    """
    base = Path(folder) if folder is not None else key_dir()
    path = base / PRIVATE_FILE
    try:
        if not path.exists():
            _write_new_key(base)
        pem = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"The signing key in {base} cannot be made or read ({exc.strerror or exc})."
        ) from None
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise SigningKeyError(f"{path} is not an unencrypted Ed25519 private key.") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 private key.")
    if path.stat().st_mode & 0o077:
        log.warning("%s can be read by other users; it should have mode 0600.", path)
    public_raw = _raw_public(private.public_key())
    key = SigningKey(private, public_raw, key_id_of(public_raw), _signer_name(base, signer), path)
    pub = base / PUBLIC_FILE
    try:
        if not pub.exists() or pub.read_text(encoding="utf-8") != key.public_line():
            pub.write_text(key.public_line(), encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass  # the public copy is a convenience; the private key is what signs
    return key


def signed_message(data: Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: :data:`SIGNED_PREFIX`, then the canonical JSON of ``data``
    with ``signature.value`` left out (everything else in the signature block is covered).

    >>> signed_message({"a": 1, "signature": {"value": "x", "key_id": "k"}}) == (
    ...     SIGNED_PREFIX + canonical_json({"a": 1, "signature": {"key_id": "k"}}).encode())
    True
    """
    payload = dict(data)
    block = payload.get("signature")
    if isinstance(block, Mapping):
        payload["signature"] = {k: v for k, v in block.items() if k != "value"}
    return SIGNED_PREFIX + canonical_json(payload).encode("utf-8")


def sign_data(data: Mapping[str, Any], key: SigningKey | None = None) -> dict[str, Any]:
    """``data`` with a ``signature`` block (any old one replaced) made with ``key`` (default: the
    partnership's, :func:`load_or_create_key`). The block holds ``algorithm``, ``covers``,
    ``key_id``, ``public_key`` (base64 of the 32 raw bytes), ``signer`` and ``value`` (base64 of
    the 64-byte signature over :func:`signed_message`); never the private key.

    When no key can be made or read (a read-only home, a damaged key file) the data is returned
    unsigned and a warning logged: saving a meeting's file matters more than signing it, and
    replay then says plainly that it is unsigned.

    >>> import tempfile
    >>> key = load_or_create_key(tempfile.mkdtemp(), signer="Shire")
    >>> block = sign_data({"a": 1}, key)["signature"]
    >>> sorted(block), block["key_id"] == key.key_id
    (['algorithm', 'covers', 'key_id', 'public_key', 'signer', 'value'], True)
    """
    out = {k: v for k, v in data.items() if k != "signature"}
    if key is None:
        try:
            key = load_or_create_key()
        except SigningKeyError as exc:
            log.warning("Saved unsigned: %s", exc)
            return out
    out["signature"] = {
        "algorithm": ALGORITHM,
        "covers": COVERS,
        "key_id": key.key_id,
        "public_key": base64.b64encode(key.public_raw).decode("ascii"),
        "signer": key.signer,
    }
    value = key.private.sign(signed_message(out))
    out["signature"]["value"] = base64.b64encode(value).decode("ascii")
    return out


def _parse_public_line(text: str) -> tuple[bytes, str] | None:
    parts = text.strip().split(None, 2)
    if len(parts) < 2 or parts[0] != ALGORITHM:
        return None
    try:
        raw = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 32:
        return None
    return raw, (parts[2].strip() if len(parts) > 2 else "")


def trusted_keys(folder: str | os.PathLike[str] | None = None) -> dict[bytes, str]:
    """The public keys this machine trusts, each with how it is known: the partnership's own key
    (read from ``folder``/:func:`key_dir`, never made here) and every readable ``*.pub`` file in
    :func:`trusted_dir`. Unreadable or malformed files are skipped (and logged).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> trusted_keys(folder)
    {}
    >>> key = load_or_create_key(folder)
    >>> trusted_keys(folder) == {key.public_raw: "this partnership's own key"}
    True
    """
    base = Path(folder) if folder is not None else key_dir()
    out: dict[bytes, str] = {}
    tdir = trusted_dir(folder)
    if tdir.is_dir():
        for p in sorted(tdir.glob("*.pub")):
            try:
                parsed = _parse_public_line(p.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                parsed = None
            if parsed is None:
                log.warning("%s is not a public key line (ed25519 <base64> <name>).", p)
                continue
            raw, name = parsed
            out[raw] = f"a trusted key ({name or p.stem}, from {p.name})"
    own = base / PRIVATE_FILE
    if own.is_file():
        try:
            private = serialization.load_pem_private_key(own.read_bytes(), password=None)
            if isinstance(private, Ed25519PrivateKey):
                out[_raw_public(private.public_key())] = "this partnership's own key"
        except (OSError, ValueError, TypeError):
            log.warning("%s cannot be read as the partnership's key.", own)
    return out


@dataclass(frozen=True)
class SignatureCheck:
    """What checking a saved file's signature found.

    ``ok``: the signature verifies over the file's content. ``key_id``, ``signer``: as the file
    says (both covered by the signature). ``trusted``: the key is the partnership's own or in the
    trusted folder, ``trusted_as`` says which. ``reason``: one sentence when ``ok`` is False.
    """

    ok: bool
    key_id: str = ""
    signer: str | None = None
    trusted: bool = False
    trusted_as: str = ""
    reason: str = ""

    def who(self) -> str:
        """Who signed, as a verdict says it: the trusted signer's name and key id, or the
        unknown key's id."""
        if self.trusted:
            name = self.signer or "the partnership"
            return f"{name} (key {self.key_id}, {self.trusted_as})"
        named = f', which names its signer "{self.signer}"' if self.signer else ""
        return (
            f"an unknown key {self.key_id}{named} (neither this partnership's key nor a trusted"
            " one)"
        )

    def sentence(self) -> str:
        """``signed by ...`` for a signature that verifies, else the reason it does not."""
        return f"signed by {self.who()}" if self.ok else self.reason


def _bad(reason: str, key_id: str = "", signer: str | None = None) -> SignatureCheck:
    return SignatureCheck(False, key_id, signer, reason=reason)


def check_signature(
    data: Any, folder: str | os.PathLike[str] | None = None
) -> SignatureCheck | None:
    """Check the ``signature`` block of a saved file's data (as read, before any migration).

    None when the file has no signature. Otherwise a :class:`SignatureCheck`: not ``ok`` (with a
    one-sentence ``reason``) when the block is malformed, its key id does not match its public key,
    or the signature does not verify over :func:`signed_message` (the file was changed after it
    was signed); ``ok`` with ``trusted`` set by :func:`trusted_keys` (``folder`` as there).
    """
    if not isinstance(data, Mapping) or data.get("signature") is None:
        return None
    block = data["signature"]
    if not isinstance(block, Mapping):
        return _bad("the file's signature is not an object, so it cannot be checked")
    key_id = block.get("key_id")
    signer = block.get("signer")
    key_id = key_id if isinstance(key_id, str) else ""
    signer = signer if isinstance(signer, str) else None
    if block.get("algorithm") != ALGORITHM:
        return _bad(
            f"the file's signature uses {str(block.get('algorithm'))[:40]!r}, not {ALGORITHM},"
            " so it cannot be checked",
            key_id,
            signer,
        )
    try:
        public_b64, value_b64 = block.get("public_key"), block.get("value")
        if not isinstance(public_b64, str) or not isinstance(value_b64, str) or not value_b64:
            raise ValueError("not text")
        raw = base64.b64decode(public_b64, validate=True)
        value = base64.b64decode(value_b64, validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        return _bad(
            "the file's signature block has no readable public key or signature value",
            key_id,
            signer,
        )
    if key_id != key_id_of(raw):
        return _bad(
            f"the signature names key {key_id[:40]!r} but carries the public key of"
            f" {key_id_of(raw)}, so the signature block was edited",
            key_id,
            signer,
        )
    try:
        public.verify(value, signed_message(data))
    except InvalidSignature:
        return _bad(
            f"the signature by key {key_id} does not verify: the file was changed after it was"
            " signed",
            key_id,
            signer,
        )
    trust = trusted_keys(folder)
    return SignatureCheck(True, key_id, signer, raw in trust, trust.get(raw, ""))
