"""The CLI's plain text tables: columns aligned with CJK characters counting double width."""

from __future__ import annotations

import io

from wengang.cli.common import print_table


def test_columns_align_with_wide_characters_ascii_and_blanks():
    out = io.StringIO()
    print_table(["序号", "姓名", "证件号码", "村"],
                [[1, "杜梦晓", "620722198909233606", "上寨村"], [10, "Li Ｘ", None, "a"], [100, "白", "6207X", ""]],
                file=out)
    assert out.getvalue().splitlines() == [
        "序号  姓名    证件号码            村",
        "----  ------  ------------------  ------",
        "1     杜梦晓  620722198909233606  上寨村",
        "10    Li Ｘ                       a",
        "100   白      6207X",
    ]
