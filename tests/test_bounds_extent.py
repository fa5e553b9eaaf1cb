"""The extent check before calamine reads a sheet (bounds._extent): its quick path for sheets
without namespace prefixes must find what the general patterns find."""

from __future__ import annotations

import zipfile
from string import ascii_uppercase

import pytest

from wengang.services.importing import bounds


def _sheet(tmp_path, xml: str) -> tuple[int, int]:
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    with zipfile.ZipFile(path) as z:
        return bounds._extent(z, z.getinfo("xl/worksheets/sheet1.xml"))


def _number(i: int) -> str:
    return f' r="{i}"'


def _rows(n: int, prefix: str = "", numbered: bool = True) -> str:
    p = f"{prefix}:" if prefix else ""
    return "".join(
        f'<{p}row{_number(i) if numbered else ""}><{p}c r="A{i}"><{p}v>1</{p}v></{p}c>'
        f'<{p}c r="C{i}"><{p}v>2</{p}v></{p}c></{p}row>' for i in range(1, n + 1))


@pytest.mark.parametrize("prefix", ["", "x"])
def test_a_stray_cell_far_down_the_sheet_is_found(tmp_path, prefix, monkeypatch):
    monkeypatch.setattr(bounds, "_CHUNK", 4096)  # many chunks: columns are known before the stray cell
    p = f"{prefix}:" if prefix else ""
    stray = f'<{p}row r="900000"><{p}c r="XFD900000"><{p}v>1</{p}v></{p}c></{p}row>'
    assert _sheet(tmp_path, f"<{p}worksheet><{p}sheetData>{_rows(2000, prefix)}{stray}"
                            f"</{p}sheetData></{p}worksheet>") == (900000, 16384)


def test_a_new_column_after_known_ones_widens_the_extent(tmp_path, monkeypatch):
    monkeypatch.setattr(bounds, "_CHUNK", 4096)
    late = '<row r="2001"><c r="AB2001"><v>1</v></c><c r="D2001"><v>1</v></c></row>'
    assert _sheet(tmp_path, f"<worksheet><sheetData>{_rows(2000)}{late}</sheetData></worksheet>") == (2001, 28)


def test_rows_without_numbers_are_counted(tmp_path):
    assert _sheet(tmp_path, f"<worksheet><sheetData>{_rows(50, numbered=False)}</sheetData></worksheet>") == (50, 3)


def test_the_after_column_patterns_match_exactly_the_later_columns():
    names = [a for a in ascii_uppercase] + [a + b for a in ascii_uppercase for b in ascii_uppercase] + \
        ["AAA", "ABC", "AZZ", "BAA", "XFC", "XFD", "XFE", "ZZY", "ZZZ"]
    for widest in ["", "A", "P", "Z", "AA", "AZ", "BA", "ZZ", "XFD", "AZZ", "ZZY"]:
        pattern = bounds._after_column(widest.encode())
        for name in names:
            hit = pattern.search(f'<c r="{name}12">'.encode())
            later = bounds._column_number(name.encode()) > bounds._column_number(widest.encode())
            assert (hit is not None) == later, (widest, name)
            assert hit is None or hit.group(1) == name.encode()  # "QA" after "P" is read whole
    assert bounds._after_column(b"ZZZ") is None


def test_a_wider_column_in_a_later_part_of_a_wide_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(bounds, "_CHUNK", 4096)
    row = "".join(f'<c r="{a}{b}1"><v>1</v></c>' for a in "ABC" for b in ascii_uppercase)  # A..CZ
    late = '<row r="3"><c r="QA3"><v>1</v></c></row>'
    xml = f'<worksheet><sheetData><row r="1">{row}</row>{"<row>" + row + "</row>"}{late}</sheetData></worksheet>'
    assert _sheet(tmp_path, xml) == (3, bounds._column_number(b"QA"))
