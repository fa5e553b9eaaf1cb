"""Cells to text past the sample rows: the same texts as :func:`row_text`, and short texts
shared (one object) in the columns that repeat (issue 20: speed and memory of an import)."""

from __future__ import annotations

import datetime as dt

from wengang.services.importing.reader import SHARE_SAMPLE, _rows_text, row_text


def test_rows_past_the_sample_read_as_before_and_repeating_texts_are_one_object():
    n = SHARE_SAMPLE + 500
    rows = [[f" 乡镇{i % 3} ", f"62072219900101{i:04d}", float(i % 5), dt.date(2026, 1, 1 + i % 28),
             "bad\x01cell" if i == n - 1 else ""] for i in range(n)]
    texts = _rows_text(iter(rows))
    assert texts == [row_text(list(r), {}) for r in rows]
    late = texts[SHARE_SAMPLE:]
    assert texts[-1][4] == "badcell" and texts[-1][0] == f"乡镇{(n - 1) % 3}"
    # 乡镇 and the dates repeat: each distinct text is one object, sample or not
    assert len({id(r[0]) for r in texts}) == 3
    assert len({id(r[3]) for r in late}) == 28


def test_a_short_file_is_read_whole():
    assert _rows_text(iter([["a", 1.0], [None, "b "]])) == [["a", "1"], ["", "b"]]


def test_a_lazy_record_forgets_its_values_and_makes_them_again():
    from wengang.services.importing.parse import parse_table
    from wengang.services.importing.reader import Table
    from wengang.services.importing.spec import kind_spec

    spec = kind_spec("persons")
    cells = {"township": "城关镇", "village": "永丰村", "hh_no": "H1", "hh_type": "脱贫户", "name": "王军",
             "id_number": "11010519491231002X"}
    table = Table(headers=[spec.field(k).label for k in cells], rows=[list(cells.values())], row_numbers=[2])
    record = parse_table(spec, table, lazy=True).records[0]
    first = record.values
    assert first["name"] == "王军" and first["id_number"] == "11010519491231002X"
    record.forget_values()
    assert record.values == first and record.values is not first
