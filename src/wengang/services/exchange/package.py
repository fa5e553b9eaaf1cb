"""The exchange package file: a signed header and a compressed changeset.

Layout (bytes)::

    WENGANG-EXCHANGE 1\\n
    <header: one line of JSON, UTF-8>\\n
    <Ed25519 signature of the header line, base64>\\n
    <changeset, zlib>

The header names the sender (area and role), the receiver, the schema version (the applied
migrations), the sequence number, the sender's public key and the SHA-256 of the compressed
changeset; the signature covers the header, so it covers the changeset through its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass

MAGIC = b"WENGANG-EXCHANGE 1\n"


class PackageError(ValueError):
    """The file is not a readable exchange package; the message is for the user."""


@dataclass
class Package:
    header: dict
    header_bytes: bytes
    signature: bytes
    payload: bytes          # compressed changeset

    @property
    def changeset(self) -> bytes:
        return zlib.decompress(self.payload)

    @property
    def sha256(self) -> str:
        return self.header["sha256"]

    @property
    def public_key(self) -> bytes:
        return base64.b64decode(self.header["public_key"])


def build(header: dict, changeset: bytes, sign) -> bytes:
    """The package bytes: ``sign(header_bytes) -> signature`` is the installation's signer."""
    payload = zlib.compress(changeset, 6)
    header = {**header, "sha256": hashlib.sha256(payload).hexdigest(), "size": len(changeset)}
    header_bytes = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    signature = base64.b64encode(sign(header_bytes))
    return MAGIC + header_bytes + b"\n" + signature + b"\n" + payload


def parse(data: bytes) -> Package:
    """Read a package and check its changeset against the header's hash (PackageError if not)."""
    if not data.startswith(MAGIC):
        raise PackageError("这不是稳岗台账的数据交换包（文件开头不对），已拒收")
    try:
        rest = data[len(MAGIC):]
        header_bytes, rest = rest.split(b"\n", 1)
        signature_b64, payload = rest.split(b"\n", 1)
        header = json.loads(header_bytes.decode("utf-8"))
        signature = base64.b64decode(signature_b64, validate=True)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackageError("数据交换包已损坏（包头无法读取），已拒收，数据未作任何改动") from exc
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise PackageError("数据交换包的内容与包头的校验值不符：文件在传递中被改动或已损坏，已拒收，数据未作任何改动")
    package = Package(header, header_bytes, signature, payload)
    try:
        package.changeset  # noqa: B018 - a damaged stream fails here, before anything is touched
    except zlib.error as exc:
        raise PackageError("数据交换包已损坏（内容无法解压），已拒收，数据未作任何改动") from exc
    return package
