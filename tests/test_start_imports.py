"""A new ``wengang`` process imports only what its command needs (issue 20: start fast).

Each check runs in a fresh interpreter (a subprocess) and looks at ``sys.modules``; no timing.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import pkgutil
import subprocess
import sys

import pytest

from wengang.cli import commands
from wengang.cli.main import build_parser

HEAVY = ("openpyxl", "pypinyin", "PySide6", "numpy", "pandas", "python_calamine",
         "wengang.services.reports.engine", "wengang.services.importing")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules of ``HEAVY`` (and command modules) loaded after running ``code`` afresh."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env=env, timeout=300).stdout
    return set(json.loads(out.splitlines()[-1]))


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m in HEAVY or m.startswith("PySide6")}


def test_the_command_line_starts_without_the_heavy_modules():
    modules = _loaded_after("import wengang.cli.main")
    assert _heavy(modules) == set()
    assert not {m for m in modules if m.startswith("wengang.cli.commands.")}


def test_help_loads_no_command_nor_the_store():
    """``wengang --help`` lists the commands from the table: no command module, no database
    layer, no sqlite-utils (0.07 s of CPU, the interpreter alone 0.05 s)."""
    modules = _loaded_after("from wengang.cli.main import build_parser\n"
                            "build_parser(['--help'])")
    assert not {m for m in modules if m.startswith(("wengang.cli.commands.", "wengang.cli.common",
                                                     "wengang.store", "sqlite_utils"))}
    assert _heavy(modules) == set()


def test_a_command_still_loads_sqlite_utils_without_pandas():
    modules = _loaded_after("from wengang.cli.main import build_parser\n"
                            "build_parser(['--db', 'x.db', 'setup'])")
    assert "sqlite_utils.db" in modules and "wengang.cli.commands.setup" in modules
    assert not {"numpy", "pandas"} & modules


def test_the_window_s_first_paint_loads_no_openpyxl_nor_reports(tmp_path):
    """The window shown on a county, up to its first idle moment (its first tab refreshed)."""
    from wengang.services.demo import build_demo
    from wengang.store.db import open_database

    db = open_database(tmp_path / "c.db")
    build_demo(db, households=20)
    db.close()
    modules = _loaded_after(
        "import json, os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QTimer\n"
        "from wengang.gui.app import make_application, open_window\n"
        "app = make_application()\n"
        f"context, window = open_window({str(tmp_path / 'c.db')!r})\n"
        "window.show()\n"
        "def painted():\n"
        "    built = ['<first tab built>'] if window.tabs.currentWidget().page is not None else []\n"
        "    print(json.dumps(sorted(sys.modules) + built), flush=True)\n"
        "    os._exit(0)  # before the background work (warm imports after 0.5 s, overview)\n"
        "QTimer.singleShot(0, painted)\n"
        "app.exec()\n",
        # A first start: the window's settings of its own (the machine's may say to open on 日常工作,
        # a tab that needs the report engine at once).
        env=dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config")))
    assert "<first tab built>" in modules
    assert "wengang.gui.main_window" in modules
    assert not {"openpyxl", "pypinyin", "numpy", "wengang.services.reports.engine"} & modules
    assert "sqlcipher3" not in modules  # found to offer a password, imported when one is used


def test_pinyin_loads_when_initials_are_first_asked_for():
    """The 登记 tab's service searches the stored initials: pypinyin waits for a name to spell."""
    modules = _loaded_after("import wengang.services.registry, wengang.domain.pinyin")
    assert "pypinyin" not in modules
    modules = _loaded_after("from wengang.domain.pinyin import initials\n"
                            "assert initials('张三') == 'zs' and initials('李abc四') == 'las'")
    assert "pypinyin" in modules


def test_building_the_parser_imports_only_the_command_being_run():
    modules = _loaded_after("from wengang.cli.main import build_parser\n"
                            "build_parser(['--db', 'x.db', 'info'])")
    assert {m for m in modules if m.startswith("wengang.cli.commands.")} == {"wengang.cli.commands.info"}
    assert _heavy(modules) == set()


def test_a_report_to_the_screen_does_not_load_openpyxl():
    modules = _loaded_after("from wengang.cli.main import build_parser\n"
                            "from wengang.services.reports import compute_form, list_forms\n"
                            "build_parser(['report', 'F1'])")
    assert "wengang.services.reports.engine" in modules
    assert not {"openpyxl", "pypinyin", "numpy"} & modules


def test_an_import_that_succeeds_does_not_load_openpyxl(tmp_path):
    """``wengang import`` of a clean file: calamine reads it, nothing is written to Excel, so
    openpyxl (the error workbook's writer) stays unloaded; a rejected file still gets its workbook."""
    from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx

    db = _county(tmp_path / "c.db")
    good = write_xlsx(tmp_path / "good.xlsx", PERSON_HEADERS, person_rows(3))
    run = ("from wengang.cli.main import main\n"
           f"assert main(['--db', {db!r}, 'import', 'persons', {str(good)!r}]) == 0\n")
    modules = _loaded_after(run)
    assert "wengang.services.importing.engine" in modules and "python_calamine" in modules
    assert "openpyxl" not in modules
    rows = person_rows(2)
    rows[0][11] = "123"  # a bad 证件号码
    bad = write_xlsx(tmp_path / "bad.xlsx", PERSON_HEADERS, rows)
    modules = _loaded_after("from wengang.cli.main import main\n"
                            f"assert main(['--db', {db!r}, 'import', 'persons', {str(bad)!r}]) == 1\n")
    assert "openpyxl" in modules and (tmp_path / "bad-错误说明.xlsx").exists()


def test_an_import_of_good_ids_loads_no_encryption_stdnum_nor_the_quality_rules(tmp_path):
    """A clean roster into an unencrypted county: sqlcipher3 (10 ms), python-stdnum (its util
    imports ssl and pydoc, 20 ms; the IDs are checked on the parsers' own path and the
    birthplaces read from its data file) and the quality and subsidy rules (24 ms) are not
    imported; an ID off that path still gets stdnum's check."""
    from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx

    db = _county(tmp_path / "c.db")
    good = write_xlsx(tmp_path / "good.xlsx", PERSON_HEADERS, person_rows(3))
    modules = _loaded_after("from wengang.cli.main import main\n"
                            f"assert main(['--db', {db!r}, 'import', 'persons', {str(good)!r}]) == 0\n")
    assert "wengang.services.importing.engine" in modules and "wengang.domain.ids" in modules
    assert not {"sqlcipher3", "stdnum", "ssl", "wengang.services.rules.quality",
                "wengang.services.rules.subsidies"} & modules
    rows = person_rows(2)
    rows[0][11] = rows[0][11][:17] + ("0" if rows[0][11][17] != "0" else "1")  # a wrong check digit
    bad = write_xlsx(tmp_path / "bad.xlsx", PERSON_HEADERS, rows)
    modules = _loaded_after("from wengang.cli.main import main\n"
                            f"assert main(['--db', {db!r}, 'import', 'persons', {str(bad)!r}]) == 1\n")
    assert "stdnum.cn.ric" in modules


def test_the_importing_package_s_excel_writers_load_when_asked_for():
    modules = _loaded_after("import wengang.services.importing as importing\n"
                            "assert 'openpyxl' not in __import__('sys').modules\n"
                            "from wengang.services.importing import check_consistency, export_kind, write_template\n"
                            "assert importing.ConsistencyReport.__name__ == 'ConsistencyReport'\n"
                            "try:\n"
                            "    importing.no_such_name\n"
                            "except AttributeError:\n"
                            "    pass\n"
                            "else:\n"
                            "    raise AssertionError('no_such_name')\n")
    assert "openpyxl" in modules


def test_the_window_s_background_warm_up_still_loads_the_excel_writers():
    modules = _loaded_after("import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
                            "from wengang.gui.main_window import _warm_imports\n"
                            "_warm_imports(None, None)")
    assert {"openpyxl", "wengang.services.importing.errors_book", "wengang.services.importing.export"} <= modules


def test_printing_and_the_window_do_not_load_reports_or_openpyxl():
    modules = _loaded_after("import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
                            "import wengang.gui.printing, wengang.gui.main_window")
    assert not {"openpyxl", "pypinyin", "numpy", "wengang.services.reports.engine"} & modules


def test_sqlite_utils_does_not_import_numpy_yet_numpy_stays_importable():
    modules = _loaded_after("import wengang.store.db\n"
                            "import importlib.util, sys\n"
                            "assert sys.modules.get('numpy', 1) is not None\n"
                            "assert sys.modules.get('pandas', 1) is not None\n"
                            "if importlib.util.find_spec('numpy') is not None:\n"
                            "    import numpy  # still there for whoever asks\n")
    assert "sqlite_utils.db" in modules


def test_sqlite_utils_virtual_table_pattern_is_compiled_when_first_used():
    """sqlite-utils compiles a case-insensitive pattern over \\u0080-\\uffff at import (22 ms of
    every process); it is compiled when a virtual table's module is first asked for, and then
    answers as before."""
    script = ("import re, sqlite3\n"
              "compiled = []\n"
              "real = re._compile\n"
              "re._compile = lambda pattern, flags: compiled.append(str(pattern)) or real(pattern, flags)\n"
              "import wengang.store.db\n"
              "import sqlite_utils\n"
              "at_import = [p for p in compiled if 'VIRTUAL' in p]\n"
              "db = sqlite_utils.Database(sqlite3.connect(':memory:'))\n"
              "db.execute('CREATE VIRTUAL TABLE names USING fts5(name)')\n"
              "db.execute('CREATE TABLE plain (a)')\n"
              "print(len(at_import), db['names'].virtual_table_using, db['plain'].virtual_table_using,\n"
              "      len([p for p in compiled if 'VIRTUAL' in p]))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         timeout=300).stdout.split()
    assert out == ["0", "FTS5", "None", "1"]


def _helps(parser) -> dict[str, str]:
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001
    return {a.dest: a.help for a in sub._choices_actions}  # noqa: SLF001


def test_every_command_module_is_in_the_table():
    listed = {module for module, _, _ in commands.COMMANDS.values()}
    assert {m.name for m in pkgutil.iter_modules(commands.__path__)} == listed


@pytest.mark.parametrize("name", sorted(commands.COMMANDS))
def test_the_help_listed_at_start_is_the_command_s_own(name):
    """``wengang --help`` (names from the table) says what each command's module says."""
    listed = _helps(build_parser([]))
    registered = _helps(build_parser([name]))
    assert registered[name] == listed[name] == commands.COMMANDS[name][1]
    importlib.import_module(f"wengang.cli.commands.{commands.COMMANDS[name][0]}")


def test_an_alias_runs_its_command(capsys):
    args = build_parser(["settings"]).parse_args(["settings"])
    assert args.run.__module__ == "wengang.cli.commands.setup"
    with pytest.raises(SystemExit):
        build_parser(["--help"]).parse_args(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in commands.COMMANDS)


def test_openpyxl_loads_without_numpy_yet_numpy_stays_importable():
    """openpyxl would import numpy (0.09 s) to accept its scalars as cell values: hidden from it,
    as the frozen build (no numpy) has it; numpy loaded before is left to openpyxl as it was."""
    modules = _loaded_after("import wengang.services, sys\n"
                            "from openpyxl import Workbook\n"
                            "from openpyxl.compat import numbers\n"
                            "assert numbers.NUMPY is False and numbers.NUMERIC_TYPES[:2] == (int, float)\n"
                            "assert 'numpy' not in sys.modules\n")
    assert "openpyxl" in modules and "numpy" not in modules
    if importlib.util.find_spec("numpy") is None:
        return
    _loaded_after("import wengang.services, openpyxl, sys\n"
                  "import numpy  # still there for whoever asks\n"
                  "assert sys.modules['numpy'] is numpy")
    _loaded_after("import numpy, wengang.services\n"
                  "from openpyxl.compat import numbers\n"
                  "assert numbers.NUMPY is True")


def _county(path) -> str:
    from wengang.services.demo import build_demo
    from wengang.store.db import open_database

    db = open_database(path)
    build_demo(db, households=20)
    db.close()
    return str(path)


def _report_run(db: str, *args: str) -> list:
    """``wengang report`` afresh: the threads that imported openpyxl, numpy loaded or not."""
    return json.loads(subprocess.run([sys.executable, "-c", (
        "import json, sys, threading\n"
        "import wengang.cli.commands.report as report\n"
        "seen = []\n"
        "real = report._import_quietly\n"
        "def spy(name):\n"
        "    seen.append([name, threading.current_thread().name, threading.current_thread() is threading.main_thread()])\n"
        "    real(name)\n"
        "report._import_quietly = spy\n"
        "from wengang.cli.main import main\n"
        f"code = main(['--db', {db!r}, 'report', *{list(args)!r}, '--as-of', '2026-11-30'])\n"
        "print(json.dumps([code, seen, 'numpy' in sys.modules, 'openpyxl' in sys.modules]))")],
        capture_output=True, text=True, check=True, timeout=300).stdout.splitlines()[-1])


def test_report_to_excel_imports_the_writer_on_a_second_thread_while_counting(tmp_path):
    """``report F1 --out F1.xlsx`` in a new process: openpyxl is imported on its own thread
    (while SQLite derives the statuses) and the workbook written after it is loaded is the one
    the writer makes in this process; no thread when nothing goes to Excel."""
    from openpyxl import load_workbook

    from wengang.services.reports import compute_form, write_form_xlsx
    from wengang.store.db import open_database

    db = _county(tmp_path / "c.db")
    out = tmp_path / "f1.xlsx"
    code, seen, numpy_loaded, openpyxl_loaded = _report_run(db, "F1", "--out", str(out))
    assert code == 0 and seen == [["openpyxl", "import openpyxl", False]]
    assert openpyxl_loaded and not numpy_loaded
    connection = open_database(db)
    try:
        expected = write_form_xlsx(compute_form(connection, "F1", "2026-11-30", by="township"), tmp_path / "here.xlsx")
    finally:
        connection.close()
    written, here = load_workbook(out).active, load_workbook(expected).active
    assert [[c.value for c in row] for row in written.iter_rows()] == [[c.value for c in row] for row in here.iter_rows()]
    code, seen, _, _ = _report_run(db, "F1,F5", "--out", str(tmp_path / "forms"))
    assert code == 0 and seen == [["openpyxl", "import openpyxl", False]]
    assert sorted(p.suffix for p in (tmp_path / "forms").iterdir()) == [".xlsx", ".xlsx"]
    for args in (["F1", "--out", str(tmp_path / "f1.csv")], ["F1,F5", "--out", str(tmp_path / "csv"), "--format", "csv"],
                 ["F1", "--cell", "合计,ly"]):
        code, seen, _, openpyxl_loaded = _report_run(db, *args)
        assert code == 0 and seen == [] and not openpyxl_loaded
