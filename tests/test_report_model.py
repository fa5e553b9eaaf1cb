"""The header tree → merged grid, shared by every renderer."""

from wengang.services.reports.model import HeaderNode as H
from wengang.services.reports.model import flat_header_labels, header_grid


def test_seed_000_style_header():
    header = [H("市地", "area"), H("2020年就业人数", "ly"),
              H("其中", children=[H("2020年省外就业", "ly_out"), H("2021年省外就业", "ty_out")])]
    rows, cells = header_grid(header)
    assert rows == 2
    by_label = {c.label: c for c in cells}
    assert (by_label["市地"].rowspan, by_label["市地"].colspan) == (2, 1)
    assert (by_label["其中"].row, by_label["其中"].col, by_label["其中"].colspan) == (0, 2, 2)
    assert (by_label["2021年省外就业"].row, by_label["2021年省外就业"].col) == (1, 3)
    assert flat_header_labels(header)[-1] == "其中/2021年省外就业"
