"""Issue 13: an import declaration (resources/import/kinds.json) naming an unknown attribute,
table, field, parse or code list is refused when it loads, the message naming the file and
the name — not later, in SQL or in the middle of a caseworker's import."""

from __future__ import annotations

import copy
import json

import pytest

from wengang.domain.fields import UnknownFieldError
from wengang.paths import resource_path
from wengang.services.importing.parsers import parser_for
from wengang.services.importing.spec import KINDS_FILE, PARSE_KINDS, FieldSpec, load_kinds, read_kinds
from wengang.services.importing.writers import COLUMN_WRITERS, PRELOADS, WRITERS


def _shipped() -> dict:
    return json.loads(resource_path(KINDS_FILE).read_text(encoding="utf-8"))


def _write(tmp_path, raw: dict):
    path = tmp_path / "坏的声明.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


def _field(raw: dict, kind: str, key: str) -> dict:
    return next(f for f in raw[kind]["fields"] if f["key"] == key)


def test_the_shipped_declarations_load_as_before(tmp_path):
    """The shipped file passes every check, and read from a copy gives the same kinds."""
    assert read_kinds(_write(tmp_path, _shipped())) == load_kinds()


def _bad_start_date_key(raw):
    _field(raw, "employment", "start_date")["key"] = "start_dat"
    return "start_dat"


def _bad_attribute(raw):
    _field(raw, "surveys", "reason")["requird"] = True
    return "requird"


def _bad_kind_attribute(raw):
    raw["services"]["tabel"] = "services"
    return "tabel"


def _bad_table(raw):
    raw["targets"]["table"] = "target"
    return "target"


def _bad_natural_key(raw):
    raw["checks"]["key"] = ["person_id", "checked_on"]
    return "checked_on"


def _bad_parse(raw):
    _field(raw, "persons", "exit_year")["parse"] = "yaer"
    return "yaer"


def _bad_code_list(raw):
    _field(raw, "employment", "channel")["code"] = "chanel"
    return "chanel"


@pytest.mark.parametrize("spoil", [_bad_start_date_key, _bad_attribute, _bad_kind_attribute, _bad_table,
                                   _bad_natural_key, _bad_parse, _bad_code_list])
def test_a_declaration_naming_an_unknown_name_is_refused_naming_file_and_name(tmp_path, spoil):
    raw = copy.deepcopy(_shipped())
    name = spoil(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(UnknownFieldError) as refused:
        read_kinds(path)
    message = str(refused.value)
    assert str(path) in message
    assert f"“{name}”" in message


def test_the_refusal_names_the_kind(tmp_path):
    raw = copy.deepcopy(_shipped())
    _field(raw, "subsidies", "amount")["key"] = "amout"
    with pytest.raises(UnknownFieldError, match=r"坏的声明\.json subsidies：未知的字段“amout”"):
        read_kinds(_write(tmp_path, raw))


def test_file_only_keys_and_comments_are_accepted(tmp_path):
    """Places (resolved to an area, a site or an organisation) name no stored field; keys
    beginning with _ are comments."""
    raw = copy.deepcopy(_shipped())
    raw["sites"]["_note"] = "说明"
    _field(raw, "sites", "name")["_note"] = "说明"
    kinds = read_kinds(_write(tmp_path, raw))
    assert kinds["persons"].field("township").key == "township"
    assert kinds["sites"] == load_kinds()["sites"]


@pytest.mark.parametrize("parse", sorted(PARSE_KINDS))
def test_every_accepted_parse_has_a_parser(parse):
    parser = parser_for(FieldSpec(key="x", label="x", parse=parse, code="hh_type" if parse == "code" else None))
    assert callable(parser)


def test_every_declared_kind_has_a_writer():
    """A kind declared in kinds.json without a writer would fail only when a file of it is
    imported; the look-ups read in advance are for kinds that have a writer."""
    assert set(WRITERS) == set(load_kinds())
    assert set(PRELOADS) <= set(WRITERS) and COLUMN_WRITERS <= set(WRITERS)
