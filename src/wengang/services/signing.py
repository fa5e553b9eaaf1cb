"""Installation identity and Ed25519 signatures for the packages that leave this computer.

Exchange packages (township ⇄ county) and form submissions (county → city) are signed with
the sending installation's own key, so the receiver can tell who sent a file and that nobody
changed it on the way (a USB stick, a messaging app, a shared folder). The key pair is made on
first use and kept in the database's ``settings`` table: it travels with backups, and an
encrypted database keeps it encrypted. Receivers keep the senders' public keys they trust
(:func:`trust`), pinned on first contact or handed over with the starting package.

``cryptography`` does the signing (well kept, already a dependency of the build); nothing
here is home-made cryptography.
"""

from __future__ import annotations

import base64
import hashlib

import sqlite_utils
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wengang.store.db import get_setting, set_setting

PRIVATE_KEY_SETTING = "signing_private_key"
PUBLIC_KEY_SETTING = "signing_public_key"
TRUSTED_PREFIX = "trusted_key:"


class SignatureError(ValueError):
    """A package's signature does not verify, or its sender is not known here."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def installation_keys(db: sqlite_utils.Database) -> tuple[bytes, bytes]:
    """This installation's (private, public) raw 32-byte keys, made and stored on first use."""
    private_text = get_setting(db, PRIVATE_KEY_SETTING)
    if private_text:
        private = Ed25519PrivateKey.from_private_bytes(_unb64(private_text))
    else:
        private = Ed25519PrivateKey.generate()
        with db.atomic():
            set_setting(db, PRIVATE_KEY_SETTING, _b64(_raw_private(private)))
            set_setting(db, PUBLIC_KEY_SETTING, _b64(_raw_public(private.public_key())))
    return _raw_private(private), _raw_public(private.public_key())


def public_key(db: sqlite_utils.Database) -> bytes:
    """This installation's public key (raw 32 bytes)."""
    return installation_keys(db)[1]


def fingerprint(public: bytes) -> str:
    """A short, readable name of a public key (first 16 hex digits of its SHA-256, in groups)."""
    digest = hashlib.sha256(public).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def sign(db: sqlite_utils.Database, payload: bytes) -> bytes:
    """Sign *payload* with this installation's private key (64-byte Ed25519 signature)."""
    private_raw, _ = installation_keys(db)
    return Ed25519PrivateKey.from_private_bytes(private_raw).sign(payload)


def verify(public: bytes, payload: bytes, signature: bytes) -> bool:
    """True when *signature* is *public*'s signature of exactly *payload*."""
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, payload)
    except (InvalidSignature, ValueError):
        return False
    return True


def trust(db: sqlite_utils.Database, sender: str, public: bytes) -> None:
    """Remember *sender*'s public key (an area name such as a township or county)."""
    set_setting(db, TRUSTED_PREFIX + sender, _b64(public))


def trusted_key(db: sqlite_utils.Database, sender: str) -> bytes | None:
    """The public key remembered for *sender*, or None when it is not known here."""
    text = get_setting(db, TRUSTED_PREFIX + sender)
    return _unb64(text) if text else None


def verify_from(db: sqlite_utils.Database, sender: str, public: bytes, payload: bytes, signature: bytes) -> None:
    """Check a package signed by *sender* with the key it carries.

    The key must be the one remembered for *sender* (or, when none is remembered yet, it is
    pinned now: trust on first use), and the signature must verify. Raises SignatureError
    with a message a caseworker can act on.
    """
    known = trusted_key(db, sender)
    if known is not None and known != public:
        raise SignatureError(
            f"“{sender}”的签名密钥与以前收到的不同（以前 {fingerprint(known)}，这次 {fingerprint(public)}），"
            "可能不是该单位发出的文件，已拒收"
        )
    if not verify(public, payload, signature):
        raise SignatureError(f"“{sender}”发来的文件签名校验失败：文件在传递中被改动或已损坏，已拒收")
    if known is None:
        trust(db, sender, public)


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
