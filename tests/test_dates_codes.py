"""Date forms, month precision, yes/no forms, code lists and half-up rounding."""

import datetime as dt
from decimal import Decimal

import pytest

from wengang.domain.codes import CodeError, codes
from wengang.domain.dates import DateError, last_month_end, month_end, parse_date
from wengang.domain.numbers import percent
from wengang.domain.text import fold
from wengang.domain.yesno import YesNoError, parse_yes_no


@pytest.mark.parametrize("raw", [
    "2021-03-14", "2021/3/14", "2021.3.14", "2021年3月14日", "20210314", "２０２１－０３－１４",
    dt.date(2021, 3, 14), dt.datetime(2021, 3, 14, 8, 30), 44269, 44269.0, "44269",
    "2021-03-14 00:00:00",
])
def test_day_forms(raw):
    assert parse_date(raw) == dt.date(2021, 3, 14)


@pytest.mark.parametrize("raw", ["2021年03月", "2021-03", "202103", 202103, "2021年3月"])
def test_month_precision_start_is_first_day_end_is_last_day(raw):
    assert parse_date(raw, "start") == dt.date(2021, 3, 1)
    assert parse_date(raw, "end") == dt.date(2021, 3, 31)


@pytest.mark.parametrize(("today", "expected"), [
    (dt.date(2026, 1, 15), dt.date(2025, 12, 31)),   # across the year
    (dt.date(2024, 3, 1), dt.date(2024, 2, 29)),     # a leap February, on the 1st
    (dt.date(2026, 12, 31), dt.date(2026, 11, 30)),
])
def test_last_month_end_is_the_default_as_of(today, expected):
    assert last_month_end(today) == expected
    assert month_end(2023, 2) == dt.date(2023, 2, 28) and month_end(2025, 12) == dt.date(2025, 12, 31)


def test_month_end_in_leap_february():
    assert parse_date("2024年02月", "end") == dt.date(2024, 2, 29)


@pytest.mark.parametrize("raw", ["2021-13-01", "2021-02-30", "昨天", "2021年13月"])
def test_bad_dates_raise(raw):
    with pytest.raises(DateError):
        parse_date(raw)


def test_blank_is_none():
    assert parse_date("") is None and parse_date(None) is None and parse_date("  ") is None


@pytest.mark.parametrize("raw,expected", [
    ("是", True), ("否", False), ("Y", True), ("n", False), (1, True), (0, False), ("1", True),
    ("√", True), ("×", False), ("", None), (None, None),
])
def test_yes_no_forms(raw, expected):
    assert parse_yes_no(raw) is expected


def test_yes_no_rejects_other_text():
    with pytest.raises(YesNoError):
        parse_yes_no("也许")


def test_code_aliases_and_full_width():
    assert codes("channel").normalise("公益岗") == "公益性岗位"
    assert codes("channel").normalise(" 扶贫车间 ") == "帮扶车间"
    assert codes("region").normalise("县外省内") == "省内县外"
    assert codes("hh_type").normalise("脱贫户") == "脱贫户"
    with pytest.raises(CodeError, match="不在代码表"):
        codes("labour_skill").normalise("很能干")
    assert codes("return_reason").normalise("家里盖房") == "家里盖房"  # free text allowed


def test_fold_full_width_brackets():
    assert fold("县（市、区）") == "县(市、区)"
    assert fold("Ａ　ｂ１") == "Ab1"


def test_percent_rounds_half_up_exactly():
    assert percent(146011, 196660) == Decimal("74.25")
    assert percent(51, 68, 1) == Decimal("75.0")
    assert percent(1, 8, 2) == Decimal("12.50")
    assert percent(74245, 100000 * 100, 4) == Decimal("0.7425")
    assert percent(2.5, 100, 0) == Decimal(3)  # banker's rounding would give 2
    assert percent(5, 0) is None
