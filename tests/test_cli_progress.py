"""What the long commands say on a terminal as they go (issue 20: a county's file at 200,000
households takes seconds to a minute per command; a silent terminal looks hung)."""

from __future__ import annotations

import re

from terminal import Terminal

from wengang.cli.main import main


def test_quality_counts_its_rules_on_a_terminal_and_nothing_elsewhere(tmp_path, monkeypatch, capsys):
    path = tmp_path / "c.db"
    assert main(["--db", str(path), "demo", "--households", "30", "--as-of", "2026-03-31"]) == 0
    capsys.readouterr()
    assert main(["--db", str(path), "quality", "--as-of", "2026-03-31"]) == 0
    assert "数据质量检查：" not in capsys.readouterr().err
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["--db", str(path), "quality", "--as-of", "2026-03-31"]) == 0
    steps = re.findall(r"\r数据质量检查：(\S+) (\d+)/(\d+)", terminal.text)
    rules = int(steps[-1][2])
    assert rules > 10 and steps[-1][:2] == ("完成", str(rules))
    assert [int(done) for _, done, _ in steps] == list(range(rules + 1))  # each rule, then 完成
    assert terminal.text.endswith("\n")
