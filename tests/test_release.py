"""The release checks that run in the test suite (the frozen build itself runs in .ci/run)."""

from __future__ import annotations

import ast
from pathlib import Path

from wengang.cli.main import main
from wengang.paths import resource_path

ROOT = Path(__file__).resolve().parents[1]


def test_smoke_test_passes_from_source(qapp, capsys):
    assert main(["--smoke-test"]) == 0
    out = capsys.readouterr().out
    assert "自检通过" in out and "PDF" in out and "主窗口" in out


def test_installer_spec_is_valid_python_and_names_both_programs():
    spec = (ROOT / "installer.spec").read_text("utf-8")
    ast.parse(spec)
    assert 'name="wengang", console=False' in spec
    assert 'name="wengang-cli", console=True' in spec


def test_bundled_icon_and_font_are_resources():
    assert resource_path("icons", "wengang.ico").stat().st_size > 1000
    assert resource_path("fonts", "wqy-microhei.ttc").stat().st_size > 1_000_000
