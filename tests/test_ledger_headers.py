"""Ledger workbook headers are read by name on upload, so their text stays as declared (no line
break put in); the columns are wide enough that Excel, WPS and LibreOffice, which wrap a cell
character by character, break each header only between words (LibreOffice showed
「目前就业地 / 域」 in 劳动力底数清单)."""

from __future__ import annotations

import openpyxl
import pytest

from wengang.domain.words import words
from wengang.services.ledgers import list_ledgers, write_ledger
from wengang.services.xlsx_stream import header_fit_width, wraps_between_words

# An independent model of the programs' wrapping, in column units: a 10 pt 宋体 character is
# 1.9 units (13.3 px over a 7 px digit), at most 2.0; a Latin letter, digit or half-width sign
# 0.95 to 1.15; the text's room from one unit less than the width (Excel's padding) to half a
# unit more (LibreOffice).
MEASURES = [(wide, narrow, room) for wide, narrow in ((1.9, 0.95), (2.0, 1.15), (1.95, 1.0))
            for room in (-1.0, -0.5, 0.0, 0.25, 0.5)]


def _wrap(text: str, width: float, wide: float, narrow: float) -> list[int]:
    """Offsets where a line begins, filling each line with as many characters as fit."""
    starts, line = [], 0.0
    for i, character in enumerate(text):
        size = wide if ord(character) > 0x2E7F else narrow
        if line and line + size > width:
            starts.append(i)
            line = 0.0
        line += size
    return starts


def _word_ends(label: str) -> set[int]:
    ends, offset = set(), 0
    for word in words(label):
        offset += len(word)
        ends.add(offset)
    return ends


@pytest.mark.parametrize("ledger", list_ledgers(), ids=lambda ledger: ledger.id)
def test_every_header_wraps_between_words_with_its_text_unchanged(db, tmp_path, ledger):
    path = tmp_path / f"{ledger.id}.xlsx"
    write_ledger(db, ledger.id, "2023-06-30", path)
    book = openpyxl.load_workbook(path)
    try:
        sheet = book.active
        header = [cell for cell in sheet[3]]
        assert [cell.value for cell in header] == ["序号"] + [column.label for column in ledger.columns]
        for cell in header:
            label, width = cell.value, sheet.column_dimensions[cell.column_letter].width
            assert "\n" not in label and (cell.font.name, cell.font.sz) == ("宋体", 10)
            for wide, narrow, room in MEASURES:
                starts = _wrap(label, width + room, wide, narrow)
                assert len(starts) <= 1, (label, width, wide, room)  # two lines: the header row's height
                assert set(starts) <= _word_ends(label), (label, width, wide, room, starts)
    finally:
        book.close()


def test_a_narrow_column_is_widened_until_no_program_breaks_a_word():
    # 目前 / 就业地域: a column of 9 showed 「目前就业地 / 域」; no two-line width is safe in
    # every program, so the header gets one line.
    assert not wraps_between_words("目前就业地域", 9)
    assert header_fit_width("目前就业地域", 9) == 13
    assert header_fit_width("户编号", 19) == 19  # wide enough already: kept
    assert header_fit_width("是否再输出", 8) > 8  # 再输出 is one word
    for label, width in (("待遇标准（元/月）", 12), ("外出（就业）时间", 11), ("岗位信息推送（次）", 8)):
        fitted = header_fit_width(label, width)
        assert wraps_between_words(label, fitted) and fitted - 0.5 < width or not wraps_between_words(
            label, fitted - 0.5)
