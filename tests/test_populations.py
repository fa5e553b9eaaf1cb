"""The population registry (resources/model/populations.json): declared once, named by forms,
ledgers and quality rules, compiled in one place; unknown names refused when they load."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from wengang.domain import populations
from wengang.domain.fields import UnknownFieldError, label
from wengang.domain.populations import UnknownPopulationError, compile_expr
from wengang.domain.status import labour_sql
from wengang.paths import resource_path
from wengang.services.ledgers import declarations
from wengang.services.ledgers.catalogue import FIELDS, LEDGER_POPULATIONS
from wengang.services.reports import forms
from wengang.services.reports.forms import FormError, list_forms
from wengang.services.rules import quality
from wengang.store.status import PLACE_COLUMNS, STATUS_COLUMNS, SURVEY_COLUMNS

PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")


def _json(*parts: str) -> dict:
    return json.loads(resource_path(*parts).read_text(encoding="utf-8"))


def _form_names() -> list[tuple[str, str]]:
    out = []
    for path in sorted(resource_path("forms").glob("*.json")):
        decl = json.loads(path.read_text(encoding="utf-8"))
        exprs = list(decl.get("filters", {}).values())
        exprs += [c.get(k) for c in decl["columns"] for k in ("where", "drill_where") if c.get(k)]
        out += [(path.name, name) for expr in exprs for name in populations.names(expr)]
    return out


def _ledger_names() -> list[tuple[str, str]]:
    return [(path.name, name) for path in sorted(resource_path("ledgers").glob("*.json"))
            if not path.name.startswith("_")
            for name in populations.names(json.loads(path.read_text(encoding="utf-8"))["population"])]


def _rule_names() -> list[tuple[str, str]]:
    values = set(quality.expressions())
    return [(rule["id"], name) for rule in _json("rules", "quality.json")["rules"]
            for sql in (rule.get("where"), rule.get("message")) if sql
            for name in PLACEHOLDER.findall(sql) if name not in values]


def test_every_declaration_names_populations_of_the_one_registry():
    declared = populations.registry().populations
    for kind, used in (("forms", _form_names()), ("ledgers", _ledger_names()), ("rules", _rule_names())):
        assert used, kind  # the walk found the names it checks
        unknown = [(where, name) for where, name in used if name not in declared]
        assert not unknown, f"{kind}: {unknown}"
    # and they load: every form, ledger and rule compiles in its own query's aliases
    assert len(list_forms()) >= 9
    assert len(declarations.list_ledgers()) >= 10
    assert any(r.where and "{labour}" in r.where for r in quality.quality_rules())


def test_labour_means_one_thing_everywhere():
    """The six lists' 劳动力底数 is 'poor & labour'; 'labour' alone is the labour force in the
    forms, the ledgers and the rules alike (the rules read it off the person's own fields,
    as the status table derives is_labour)."""
    assert forms.predicate("labour") == "(st.is_labour)"
    assert compile_expr("labour", LEDGER_POPULATIONS, source="t").sql == "(ps.is_labour)"
    assert quality.expand("{labour}", "person") == f"({labour_sql('p')})"
    assert declarations.get_ledger("labour").population == "poor & labour"
    assert declarations.get_ledger("labour").where == \
        "(ps.hh_type IN ('脱贫户','监测户')) AND (ps.is_labour)"


def test_the_registry_reads_only_declared_aliases_and_fields():
    reg = populations.registry()
    status_columns = set(STATUS_COLUMNS + PLACE_COLUMNS + SURVEY_COLUMNS)
    for pop in reg.populations.values():
        for alias, column in re.findall(r"\b([a-z_0-9]+)\.([a-z_0-9]+)\b", pop.where):
            if alias == "st":
                assert column in status_columns, (pop.name, column)
    bad = {"aliases": {"p": {"table": "persons"}}, "populations": {"x": "p.nmae = 1"}}
    with pytest.raises(UnknownFieldError, match=r"populations\.json：人员范围“x”.*p\.nmae"):
        populations._parse(bad, "model/populations.json")
    bad = {"aliases": {"p": {"table": "persons"}}, "populations": {"x": "q.name = 1"}}
    with pytest.raises(UnknownPopulationError, match="未声明的别名“q”"):
        populations._parse(bad, "model/populations.json")


def test_a_form_naming_an_unknown_population_or_field_is_refused_naming_file_and_name(tmp_path, monkeypatch):
    folder = tmp_path / "forms"
    shutil.copytree(resource_path("forms"), folder)
    decl = json.loads((folder / "employment.json").read_text(encoding="utf-8"))
    decl.update(id="typo", number="F99")
    decl["columns"][1]["where"] = "employed_lastyear"
    (folder / "typo.json").write_text(json.dumps(decl, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(forms, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    forms._load_all.cache_clear()
    try:
        with pytest.raises(FormError, match=r"forms/typo\.json：未知的人员范围“employed_lastyear”"):
            list_forms()
        # a known population its source cannot read: a spell condition on a person count
        decl["columns"][1]["where"] = "welfare_post_spell"
        (folder / "typo.json").write_text(json.dumps(decl, ensure_ascii=False), encoding="utf-8")
        forms._load_all.cache_clear()
        with pytest.raises(FormError, match=r"forms/typo\.json：人员范围“welfare_post_spell”要读 spell\.channel"):
            list_forms()
        # a measure reading a field the registry does not declare
        decl["columns"][1]["where"] = "employed_last_year"
        decl["columns"][1]["measure"] = "sum:p.incom"
        (folder / "typo.json").write_text(json.dumps(decl, ensure_ascii=False), encoding="utf-8")
        forms._load_all.cache_clear()
        with pytest.raises(FormError, match=r"forms/typo\.json：列 \w+ 的统计方式用了未知的字段“p\.incom”"):
            list_forms()
    finally:
        forms._load_all.cache_clear()


def _ledger_folder(tmp_path, monkeypatch, name: str, spec: dict):
    folder = tmp_path / "ledgers"
    shutil.copytree(resource_path("ledgers"), folder, dirs_exist_ok=True)
    (folder / name).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(declarations, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    declarations._load.cache_clear()


def test_a_ledger_naming_an_unknown_population_is_refused_naming_file_and_name(tmp_path, monkeypatch):
    spec = {"id": "typo", "title": "拼错", "population": "poor & labor", "columns": []}
    try:
        _ledger_folder(tmp_path, monkeypatch, "typo.json", spec)
        with pytest.raises(declarations.LedgerError, match=r"ledgers/typo\.json：未知的人员范围“labor”"):
            declarations.list_ledgers()
        # a list is counted from the statuses alone: a population reading a spell row is refused
        spec["population"] = "poor & welfare_post_spell"
        _ledger_folder(tmp_path, monkeypatch, "typo.json", spec)
        with pytest.raises(declarations.LedgerError, match=r"ledgers/typo\.json：人员范围“welfare_post_spell”"):
            declarations.list_ledgers()
    finally:
        declarations._load.cache_clear()


def test_a_rule_naming_an_unknown_population_is_refused_naming_file_rule_and_name(monkeypatch):
    rules = {"rules": [{"id": "typo", "title": "拼错", "severity": "info", "entity": "person", "field": "phone",
                        "where": "{labor} AND p.phone IS NULL", "message": "'x'"}]}
    monkeypatch.setattr(quality, "_rule_file", lambda: rules)
    with pytest.raises(UnknownPopulationError, match=r"rules/quality\.json 规则typo：未知的人员范围“labor”"):
        quality.quality_rules()
    # rules run without the statuses at D: a population that needs them is refused
    rules["rules"][0]["where"] = "{employed_now}"
    with pytest.raises(UnknownPopulationError, match=r"规则typo：人员范围“employed_now”要读 st\.employed_now"):
        quality.quality_rules()


def test_ledger_titles_come_from_the_field_registry_unless_given_on_purpose():
    folder = resource_path("ledgers")
    for path in sorted(folder.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        for column in spec["columns"]:
            shows = FIELDS[column["field"]].shows
            registry_label = label(*shows.split(".")) if shows else None
            if "title" in column:
                # a title departs from the registry on purpose; one that repeats it would stay
                # behind silently when the registry's word changes
                assert column["title"] != registry_label, (path.name, column)
            else:
                assert registry_label, f"{path.name}: {column['field']} shows no registry field and has no title"
    shown = {c.field: c.label for ledger in declarations.list_ledgers() for c in ledger.columns}
    assert shown["hh_no"] == label("households", "hh_no") == "户编号"
    assert shown["survey_reason"] == label("surveys", "reason")
    assert declarations.get_ledger("last-year").columns[-2].label == "上年外出时间"  # the national header


def test_a_ledger_column_without_a_registry_field_or_title_is_refused(tmp_path, monkeypatch):
    spec = {"id": "x", "title": "x", "population": "poor", "columns": [{"field": "employed_now"}]}
    try:
        _ledger_folder(tmp_path, monkeypatch, "x.json", spec)
        with pytest.raises(declarations.LedgerError, match=r"ledgers/x\.json：列 employed_now 不是登记的字段，须写 title"):
            declarations.list_ledgers()
        spec["columns"] = [{"field": "name", "label": "姓名"}]
        _ledger_folder(tmp_path, monkeypatch, "x.json", spec)
        with pytest.raises(declarations.LedgerError, match="label 应写作 title"):
            declarations.list_ledgers()
    finally:
        declarations._load.cache_clear()


def test_population_predicates_are_written_once():
    """No module writes a registry population's SQL itself: the 脱贫人口和监测对象 filter, for
    one, is only in populations.json."""
    import wengang

    copies = [path.name for path in Path(wengang.__file__).parent.rglob("*.py")
              if re.search(r"hh_type IN \('脱贫户', ?'监测户'\)", path.read_text(encoding="utf-8"))]
    assert copies == []
    assert re.search(r"hh_type IN \('脱贫户', ?'监测户'\)", resource_path("model", "populations.json").read_text(
        encoding="utf-8"))


def test_the_spell_populations_are_the_status_definitions():
    """store.status derives the statuses from domain.status's spell conditions, which are the
    registry's spell populations (forms, ledgers, rules): declared once, the same words."""
    from wengang.domain import status
    from wengang.domain.populations import Dialect

    spells = Dialect("务工记录", {"spell": "s"})
    for constant, name in [("SPELL_KNOWN", "spell_known"), ("SPELL_IN_YEAR", "spell_in_year"),
                           ("SPELL_LAST_YEAR", "spell_last_year"), ("SPELL_CURRENT", "spell_current_at_as_of"),
                           ("SPELL_RETURNED", "spell_returned")]:
        assert getattr(status, constant) == compile_expr(name, spells, source="t").sql, constant
    # and the registry holds them in the words the statuses were first written in (issue 1)
    assert status.SPELL_CURRENT == "(s.start_date <= :as_of AND (s.end_date IS NULL OR s.end_date > :as_of))"
    assert status.SPELL_RETURNED == ("(s.end_date >= :year_start AND s.end_date <= :as_of "
                                     "AND s.region IN ('省外', '省内县外'))")
    source = (Path(status.__file__)).read_text(encoding="utf-8")
    assert ":as_of" not in source.split("def labour_sql")[0]  # no spell condition written out there
