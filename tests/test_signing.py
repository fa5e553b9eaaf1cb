"""Installation keys and package signatures (services.signing)."""

import pytest

from wengang.services import signing
from wengang.store.db import open_database


def test_keys_are_made_once_and_signatures_verify(tmp_path):
    db = open_database(tmp_path / "a.db")
    first = signing.installation_keys(db)
    assert signing.installation_keys(db) == first  # stored, not regenerated
    signature = signing.sign(db, b"payload")
    assert signing.verify(first[1], b"payload", signature)
    assert not signing.verify(first[1], b"payload!", signature)  # tampered payload
    db.close()


def test_verify_from_pins_the_first_key_and_refuses_another(tmp_path):
    county = open_database(tmp_path / "county.db", lock=False)
    town = open_database(tmp_path / "town.db", lock=False)
    other = open_database(tmp_path / "other.db", lock=False)
    payload = b"changes"
    signing.verify_from(county, "城关镇", signing.public_key(town), payload, signing.sign(town, payload))
    assert signing.trusted_key(county, "城关镇") == signing.public_key(town)
    with pytest.raises(signing.SignatureError, match="签名密钥与以前收到的不同"):
        signing.verify_from(county, "城关镇", signing.public_key(other), payload, signing.sign(other, payload))
    with pytest.raises(signing.SignatureError, match="签名校验失败"):
        signing.verify_from(county, "城关镇", signing.public_key(town), payload + b"x", signing.sign(town, payload))
    for db in (county, town, other):
        db.close()
