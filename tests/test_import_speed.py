"""The last speed-ups of issue 3 "Fast" keep every result exactly: the collector paused only
while a file is imported, each distinct 证件号码 checked once, labels found by key, month-only
start dates found per distinct text, and a row's cells converted in one pass."""

from __future__ import annotations

import datetime as dt
import gc

from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx

from wengang.domain.phones import normalise_phone
from wengang.services.importing import engine, import_file, preview_file
from wengang.services.importing.parse import parse_table
from wengang.services.importing.parsers import CellError, parse_id, parse_ids
from wengang.services.importing.reader import SHARE_BELOW, cell_text, read_table, row_text
from wengang.services.importing.spec import kind_spec, load_kinds


def _work_row(number, start="2025-03-01", income=4500):
    return [number, None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "某厂", "制造业", start, None,
            None, income]


def test_the_collector_is_paused_during_an_import_and_restored_after(db, tmp_path, monkeypatch):
    seen = []
    real = engine.parse_table

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "parse_table", spy)
    path = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(6))
    assert gc.isenabled()
    assert import_file(db, "persons", path).ok
    assert gc.isenabled()
    preview_file(db, path, "persons")
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off itself keeps it off
    try:
        import_file(db, "persons", path)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert seen == [False, False, False]


def test_the_collector_comes_back_when_an_import_fails(db, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("取消")

    monkeypatch.setattr(engine, "parse_table", boom)
    path = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(3))
    try:
        import_file(db, "persons", path)
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_repeated_ids_get_the_same_values_and_every_bad_row_its_own_error(tmp_path):
    good, other = pid(1), pid(2)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    texts = [good, bad, good, other.lower(), bad, "", other, "62070219850501001"]
    rows = [_work_row(t, start=f"2025-0{i % 9 + 1}-01") for i, t in enumerate(texts)]
    table = read_table(write_xlsx(tmp_path / "务工.xlsx", WORK_HEADERS, rows))
    parsed = parse_table(kind_spec("employment"), table)
    today = dt.date.today().isoformat()
    for record, text in zip(parsed.records, texts):
        if not text:
            continue
        try:
            number, gender, birth, _ = parse_id(text, today)
        except CellError as exc:
            assert record.bad and record.values["id_number"] is None
            assert any(e.row == record.row and e.message == str(exc) for e in parsed.errors)
        else:
            assert not record.bad
            assert (record.values["id_number"], record.values["gender"], record.values["birth_date"]) == \
                (number, gender, birth)
    id_label = kind_spec("employment").field("id_number").label
    bad_rows = sorted(e.row for e in parsed.errors if e.field == id_label)
    assert bad_rows == [3, 6, 7, 9]  # both copies of the bad ID, the blank, the short one


def test_field_by_key_is_the_first_declared_field_for_every_kind():
    for spec in load_kinds().values():
        for f in spec.fields:
            assert spec.field(f.key) is next(x for x in spec.fields if x.key == f.key)


def test_one_pass_row_text_equals_converting_each_cell():
    when = dt.datetime(2023, 5, 1)
    row = ["  城关镇 ", "a\x07b", 6.0, 1.5, True, None, when, dt.date(2021, 3, 14), 6.2072219530205e17,
           "很长的名称" * 4, "\u3000户主\u3000", 0.0]
    shared: dict[str, str] = {}
    out = row_text(row, shared)
    assert out == [cell_text(c) for c in row]
    again = row_text(list(row), shared)
    short = [(a, b) for a, b in zip(out, again) if len(a) < SHARE_BELOW]
    assert len(short) == 10 and all(a is b for a, b in short)  # one object per short text


def test_month_only_starts_still_match_day_spells_among_day_dated_rows(db, tmp_path):
    people = write_xlsx(tmp_path / "人员.xlsx", PERSON_HEADERS, person_rows(6))
    assert import_file(db, "persons", people).ok
    first = [_work_row(pid(1), "2023-04-12"), _work_row(pid(2), "2023-04-12")]
    assert import_file(db, "employment", write_xlsx(tmp_path / "a.xlsx", WORK_HEADERS, first)).ok
    # pid(1) by month only: the same spell; pid(2) typed to the day again: unchanged; pid(3): new.
    second = [_work_row(pid(1), "2023年04月"), _work_row(pid(2), "2023-04-12"), _work_row(pid(3), "2023年04月")]
    result = import_file(db, "employment", write_xlsx(tmp_path / "b.xlsx", WORK_HEADERS, second))
    assert result.ok, result.summary()
    assert (result.added, result.unchanged) == (1, 2)
    starts = sorted(r[0] for r in db.execute("SELECT start_date FROM employment_spells"))
    assert starts == ["2023-04-01", "2023-04-12", "2023-04-12"]


def test_plain_digit_phones_come_out_as_the_full_path_gives_them():
    def full_path(text):  # the folding path the shortcut skips: it must agree
        return normalise_phone(" " + text)

    for text in ("13619659571", "09318123456", "0931812345", "12345", "0", "013619659571", "86136196595"):
        assert normalise_phone(text) == full_path(text) == text
    assert normalise_phone("+86 136-1965-9571") == "13619659571"
    assert normalise_phone("１３６１９６５９５７１") == "13619659571"
    assert normalise_phone("13619659571.0") == "13619659571"


def test_a_column_of_ids_checked_at_once_agrees_with_each_id_checked_alone():
    good = pid(1)
    texts = [good, good.lower(), pid(2, male=False), good[:-1] + ("1" if good[-1] != "1" else "2"),
             "６" + good[1:], good + " ", "6.20702198505010E+17", "abc", good[:6] + "19851301" + good[14:],
             good[:6] + "20991231" + good[14:], good[:17], good[:17] + "x", "11" + good[2:]]
    today = dt.date.today().isoformat()
    checked = parse_ids(texts, today)
    for text in texts:
        try:
            expected = parse_id(text, today)
        except CellError as exc:
            assert isinstance(checked[text], CellError) and str(checked[text]) == str(exc), text
        else:
            assert checked[text] == expected, text


def test_a_birthplace_code_known_without_a_county_is_a_warning_not_a_crash():
    # python-stdnum's data has 110702 without a county: check_id raised KeyError, so one such
    # ID stopped a whole import.
    number = "11" + pid(1)[2:]
    assert parse_id(number)[3] == ("证件号码前6位行政区划代码110702未知",)
