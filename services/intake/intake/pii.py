"""Personal data at rest: the ID number (居民身份证号码) is stored encrypted and found by a keyed hash.

`PII_KEY` (config, base64 of 32+ random bytes) is the root; two keys are derived from it with
HMAC-SHA256 so that the encryption key and the lookup key are never the same:
- AES-256-GCM (random 96-bit nonce per value) encrypts the number: `seal` / `open_`;
- HMAC-SHA256 of the normalised number is the lookup key (`lookup_hash`): one active application
  per person and season, and person bars (R-1.5), are found by it without decrypting anything.
Only `mask` ever appears in a response to someone other than the owner, in frozen versions and
in events; nothing here logs.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class Pii:
    def __init__(self, key_b64: str):
        root = base64.b64decode(key_b64)
        if len(root) < 32:
            raise ValueError("PII_KEY must be base64 of at least 32 bytes")
        self._aead = AESGCM(hmac.new(root, b"titles/pii/encrypt", hashlib.sha256).digest())
        self._lookup = hmac.new(root, b"titles/pii/lookup", hashlib.sha256).digest()

    def seal(self, id_number: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, normalise(id_number).encode(), b"id_number")
        return base64.b64encode(nonce + sealed).decode()

    def open_(self, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], b"id_number").decode()

    def lookup_hash(self, id_number: str) -> str:
        return hmac.new(self._lookup, normalise(id_number).encode(), hashlib.sha256).hexdigest()


def normalise(id_number: str) -> str:
    """A lower-case check character x is the same number as X."""
    return id_number.strip().upper()


def mask(id_number: str) -> str:
    """650102198506150029 → 650102********0029: region and last four, birth date hidden."""
    value = normalise(id_number)
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "****"
