"""Resident ID checks (GB 11643) and phone checks."""

import datetime as dt
import importlib.util
from types import SimpleNamespace

import pytest
from stdnum import numdb

from wengang.domain import ids
from wengang.domain.ids import age_at, check_id, make_id
from wengang.domain.phones import normalise_phone, phone_problem

GOOD = "11010519491231002X"  # the standard's own example


def test_good_id_gives_birth_date_and_gender():
    result = check_id(GOOD)
    assert result.ok, result.error
    assert result.birth_date == dt.date(1949, 12, 31)
    assert result.gender == "女"  # 17th digit 2 is even


def test_lowercase_x_is_accepted_and_upper_cased():
    result = check_id(GOOD.lower())
    assert result.ok and result.number == GOOD


def test_full_width_digits_and_spaces_are_folded():
    assert check_id(" １１０１０５１９４９１２３１００２Ｘ ").number == GOOD


def test_bad_check_digit_is_refused():
    result = check_id(GOOD[:-1] + "3")
    assert not result.ok and "校验位" in result.error


def test_impossible_birth_date_is_refused():
    body = "11010519490231002"  # 31 February
    result = check_id(body + "0")
    assert not result.ok and "出生日期" in result.error


def test_fifteen_digit_old_number_is_refused_with_advice():
    result = check_id("110105491231002")
    assert not result.ok and "15位" in result.error


def test_id_stored_as_number_is_refused_plainly():
    result = check_id(1.10105194912310e17)
    assert not result.ok and "被存为数字" in result.error
    assert not check_id("1.1010519491231E+17").ok


def test_a_masked_number_from_an_export_is_refused_for_what_it_is():
    """A list exported with 隐藏中间几位 and imported back: said so, not 17位数字加1位数字或X."""
    result = check_id(GOOD[:6] + "********" + GOOD[-4:])
    assert not result.ok and "中间几位已隐藏" in result.error and "完整号码" in result.error


def test_wrong_length_and_letters():
    assert "18位" in check_id("1234567").error
    assert not check_id("11010519491231A02X").ok


def test_unknown_birthplace_is_only_a_warning():
    number = make_id("999999", dt.date(1990, 1, 1), 12, True)
    result = check_id(number)
    assert result.ok
    assert any("行政区划" in w for w in result.warnings)


def _numdb_counties() -> set[str]:
    """The codes python-stdnum's own reader of its region data gives a county, in any period."""
    known = set()
    for _length, low, high, _props, children in numdb.get("cn/loc").prefixes:
        assert low == high
        known.update(low + code for _l, code, _h, props, _c in children if props.get("county"))
    return known


def test_the_birthplace_codes_read_from_stdnum_s_file_are_those_its_reader_gives():
    """place_known reads python-stdnum's data file itself (the first ID of every import paid
    numdb's parse of every property): the very codes numdb gives a county, no more, no less."""
    counties = ids._counties()  # noqa: SLF001
    assert counties is not None and counties == _numdb_counties()
    assert {"622201", "620702", "110101"} <= counties and "999999" not in counties


def test_a_data_file_laid_out_otherwise_is_left_to_stdnum_s_reader(tmp_path, monkeypatch):
    """A later python-stdnum laying out cn/loc.dat otherwise (ranges here): its own reader
    answers, not a guess from a reading of another layout."""
    (tmp_path / "cn").mkdir()
    (tmp_path / "cn" / "loc.dat").write_text('62 province="甘肃省"\n  0100-0199 county="兰州"\n', encoding="utf-8")
    real = importlib.util.find_spec
    monkeypatch.setattr(ids.importlib.util, "find_spec", lambda name, *a: (
        SimpleNamespace(submodule_search_locations=[str(tmp_path)]) if name == "stdnum" else real(name, *a)))
    ids._counties.cache_clear()  # noqa: SLF001
    ids.place_known.cache_clear()
    try:
        assert ids._counties() is None  # noqa: SLF001
        assert ids.place_known("622201") and ids.place_known("620702") and not ids.place_known("999999")
    finally:
        ids._counties.cache_clear()  # noqa: SLF001
        ids.place_known.cache_clear()


@pytest.mark.parametrize("code", ["622201", "620702", "999999", "110000", "623000", "659001"])
def test_place_known_answers_as_stdnum_s_reader(code, monkeypatch):
    expected = code in _numdb_counties()
    assert ids.place_known(code) is expected
    assert ids.place_warnings(code) == (() if expected else (f"证件号码前6位行政区划代码{code}未知",))


def test_make_id_round_trips_gender():
    number = make_id("620702", dt.date(2001, 2, 3), 5, male=False)
    result = check_id(number)
    assert result.ok and result.gender == "女" and result.birth_date == dt.date(2001, 2, 3)


def test_age_at():
    assert age_at(dt.date(2000, 6, 15), dt.date(2020, 6, 14)) == 19
    assert age_at(dt.date(2000, 6, 15), dt.date(2020, 6, 15)) == 20


def test_phones():
    assert phone_problem("13619659571") is None
    assert normalise_phone("+86 136-1965-9571") == "13619659571"
    assert "11位" in phone_problem("1361965957")
    assert "13-19开头" in phone_problem("12619659571")  # eleven digits, a wrong start
    assert phone_problem("0931-1234567", landline_ok=True) is None
    assert "固定电话" in phone_problem("0931-1234567")
    assert phone_problem("") == "联系电话为空"


def test_phone_messages_say_what_is_wrong():
    from wengang.domain.phones import phone_problem

    assert phone_problem("13612345678") is None
    assert phone_problem("1361234") == "联系电话1361234是7位，手机号码应为11位"
    assert phone_problem("23612345678") == "联系电话23612345678不是手机号码（手机号码以13-19开头）"
    assert phone_problem("0936-8212345") == "联系电话0936-8212345是固定电话，未标注为固话"
    assert phone_problem("") == "联系电话为空"
