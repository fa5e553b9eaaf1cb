"""Plain results of an import: issues, the preview and the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

# What an import's problems are called wherever a caseworker reads them: the window's preview,
# the command line, the summary line, the 错误说明 workbook (the manual and 数据质量 say 提示 too).
ERROR, WARNING = "错误", "提示"


class Issue(NamedTuple):
    """One problem: the sheet's row number, the column label, what is wrong."""

    row: int
    field: str
    message: str

    def text(self) -> str:
        if self.row <= 0:  # about the whole file (unreadable, unknown kind)
            return f"{self.field}：{self.message}"
        return f"第{self.row}行 {self.field}：{self.message}"


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class Preview:
    """What importing the file would do, without writing."""

    kind: str | None
    path: Path
    headers: list[tuple[str, str]] = field(default_factory=list)  # (file header, canonical label)
    unknown_columns: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    rows: int = 0
    to_add: int = 0
    to_change: int = 0
    unchanged: int = 0
    details: dict[str, int] = field(default_factory=dict)
    outside: str = ""  # at a township: the other townships' rows left out, in words
    hand_edits: int = 0  # values changed here since their last import that the file changes (hand_edits)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportResult:
    """The outcome of :func:`import_file`; when ``ok`` is false nothing was written."""

    ok: bool
    kind: str | None
    batch_id: int | None
    rows: int
    added: int
    changed: int
    unchanged: int
    errors: list[Issue]
    warnings: list[Issue]
    errors_path: Path | None = None
    dry_run: bool = False
    unknown_columns: list[str] = field(default_factory=list)
    details: dict[str, int] = field(default_factory=dict)
    # Earlier imports' 提示 this file showed corrected, now 已处理 (importing.findings).
    hints_resolved: int = 0
    outside: str = ""  # at a township: the other townships' rows left out, in words (importing.scope)
    hand_edits: int = 0  # values changed here since their last import that the file changed

    def summary(self) -> str:
        """One line for the caseworker."""
        if not self.ok:
            return f"发现{len(self.errors)}处错误，未导入任何数据。请按错误说明修改后重新导入。"
        verb = "试导入（未写入）" if self.dry_run else "导入完成"
        text = f"{verb}：共{self.rows}行，新增{self.added}，更新{self.changed}，未变{self.unchanged}"
        if self.warnings:
            kept = "" if self.dry_run else "，已记入数据质量问题"
            text += f"；另有{len(self.warnings)}条{WARNING}{kept}"
        if self.hand_edits:
            done = "导入时将以文件为准" if self.dry_run else "已以文件为准"
            text += f"；其中{self.hand_edits}处是台账中修改过、文件中不同的内容，{done}（见{WARNING}）"
        if self.hints_resolved:
            text += f"；以前导入的{WARNING}中有{self.hints_resolved}条已在本文件中改正，记为已处理"
        if self.outside:
            text += f"。{self.outside}"
        return text


def default_errors_path(source: Path) -> Path:
    """Where a file's error workbook goes by default: beside it, ``<name>-错误说明.xlsx``."""
    return source.with_name(f"{source.stem}-错误说明.xlsx")
