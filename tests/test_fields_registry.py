"""The field registry (resources/model/fields.json): one declaration per field, read by the
window's dialogs, person page and quality panel; declarations naming unknown fields refused."""

from __future__ import annotations

import pytest

from wengang.domain import fields
from wengang.services.rules import quality
from wengang.store.db import open_database


def test_every_declared_field_is_a_stored_column():
    db = open_database(":memory:")
    for table, ent in fields.registry().items():
        columns = {c.name for c in db[table].columns}
        assert set(ent.fields) <= columns, f"{table}: {set(ent.fields) - columns}"
        undeclared = columns - set(ent.fields) - fields.BOOKKEEPING
        assert not undeclared, f"{table} has columns not in fields.json: {undeclared}"


def test_the_domain_words_are_the_labels():
    assert fields.label("employment_spells", "start_date") == "外出时间"
    assert fields.label("employment_spells", "end_date") == "返乡时间"
    assert fields.field("persons", "labour_skill").codes == "labour_skill"


def test_the_window_takes_its_labels_from_the_registry():
    from wengang.gui.quality_model import FIELD_LABELS
    from wengang.services.read.person_card import PERSON_LISTS
    assert FIELD_LABELS["start_date"] == "外出时间"
    spells = next(lst for lst in PERSON_LISTS if lst.title == "务工记录")
    assert spells.headers[:2] == ["外出时间", "返乡时间"]


def test_a_rule_naming_an_unknown_field_is_refused_naming_file_and_field(monkeypatch):
    rules = {"rules": [{"id": "typo", "title": "拼错", "severity": "error", "entity": "spell",
                        "field": "start_dat", "where": "1", "message": "'x'"}]}
    monkeypatch.setattr(quality, "_rule_file", lambda: rules)
    with pytest.raises(fields.UnknownFieldError, match=r"rules/quality\.json.*typo.*start_dat"):
        quality.quality_rules()


def test_a_registry_naming_an_unknown_code_list_or_kind_is_refused():
    with pytest.raises(fields.UnknownFieldError, match=r"fields\.json：persons\.relation.*relations"):
        fields._parse({"persons": {"fields": {"relation": {"label": "与户主关系", "kind": "code",
                                                             "codes": "relations"}}}}, "fields.json", {"relation"})
    with pytest.raises(fields.UnknownFieldError, match="dat"):
        fields._parse({"persons": {"fields": {"x": {"label": "x", "kind": "dat"}}}}, "fields.json", set())
    with pytest.raises(fields.UnknownFieldError, match="没有字段“nmae”"):
        fields.require("ledgers/x.json", "persons", ["name", "nmae"])


def test_end_before_start_has_one_wording():
    assert fields.end_before_start("2023-03-01", "2023-01-05") == "返乡时间2023-01-05早于外出时间2023-03-01"
    assert fields.end_before_start("2023-03-01", None) is None
    assert fields.end_before_start("2023-03-01", "2023-03-01") is None


# Import keys that name no stored field (the place a row is filed under, the household phone
# the persons file carries per row): declared once, where the import declarations are loaded.
from wengang.services.importing.spec import FILE_ONLY_KEYS


def test_every_import_key_is_a_declared_field_or_a_place():
    """resources/import/kinds.json names fields of its table, of the person (and household) a
    row is linked to, or a place to resolve; a typo in a key is named with its kind."""
    import json

    from wengang.paths import resource_path
    kinds = json.loads(resource_path("import", "kinds.json").read_text(encoding="utf-8"))
    unknown = []
    for kind, spec in kinds.items():
        if kind.startswith("_"):
            continue
        tables = (spec["table"], "persons", "households", "employment_spells")
        for f in spec["fields"]:
            if f["key"] in FILE_ONLY_KEYS:
                continue
            try:
                fields.require_in_any(f"import/kinds.json {kind}", tables, f["key"])
            except fields.UnknownFieldError as exc:
                unknown.append(str(exc))
    assert not unknown, "\n".join(unknown)
