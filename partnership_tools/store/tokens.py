"""Secrets the store keeps: facilitator keys (PBKDF2) and the alphabet of printed codes.

>>> verify_key("open sesame", hash_key("open sesame"))
True
>>> verify_key("wrong", hash_key("open sesame"))
False
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Unambiguous characters for printed one-time codes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def hash_key(key: str, salt: str | None = None) -> str:
    """PBKDF2-SHA256 of a facilitator key, as ``pbkdf2$iterations$salt$hex``."""
    salt = salt or secrets.token_hex(8)
    iterations = 100_000
    digest = hashlib.pbkdf2_hmac("sha256", key.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2${iterations}${salt}${digest}"


def verify_key(key: str, stored: str) -> bool:
    """True when ``key`` matches a hash made by :func:`hash_key`."""
    try:
        _, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    got = hashlib.pbkdf2_hmac("sha256", key.encode(), salt.encode(), int(iterations)).hex()
    return hmac.compare_digest(got, digest)
