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


def test_output_read_by_no_one_is_not_called_a_database_error(tmp_path):
    """``wengang info | head -3``: the reader closed the pipe. The command used to say
    "错误：无法读写 <the database>：Broken pipe" of a file that was never at fault."""
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    db = tmp_path / "c.db"
    assert subprocess.run([sys.executable, "-m", "wengang", "--db", str(db), "setup"], capture_output=True,
                          check=False).returncode == 0
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line is written
    try:
        done = subprocess.run([sys.executable, "-m", "wengang", "--db", str(db), "info"], stdout=write,
                              stderr=subprocess.PIPE, check=False)
    finally:
        os.close(write)
    assert done.returncode == 141  # 128 + SIGPIPE, as a shell reports a command a closed pipe stopped
    assert done.stderr.decode() == ""
