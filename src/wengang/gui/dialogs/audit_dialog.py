"""工具 → 修改记录…: the audit trail to Excel, personal numbers masked unless chosen otherwise.

The masking choice is remembered per export kind in the database (``services.privacy``,
kind ``audit``), so the next export asks the same way; writing unmasked numbers to a USB
stick needs a second yes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.gui.widgets.date_edit import DateEdit
from wengang.gui.widgets.progress import run_with_progress
from wengang.gui.widgets.save_dialog import ask_save_path
from wengang.services.privacy import mask_preference, set_mask_preference, unmasked_export_warning

MASK_KIND = "audit"


class AuditExportDialog(QDialog):
    """Options of the export; 导出… asks where to save and writes in the background."""

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.written: tuple[Path, int] | None = None  # (file, lines) once exported
        self.setWindowTitle("导出修改记录")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        text = QLabel("修改记录列出每一次新增、修改、删除：谁、什么时候、哪条记录、原值和新值、原因、导入批次。"
                      "导出为 Excel 工作簿，可交给审核人核对。")
        text.setWordWrap(True)
        layout.addWidget(text)
        row = QHBoxLayout()
        self.since_box = QCheckBox("只导出此日期以后的修改：")
        self.since = DateEdit(dt.date.today().replace(day=1))
        self.since.setEnabled(False)
        self.since_box.toggled.connect(self.since.setEnabled)
        row.addWidget(self.since_box)
        row.addWidget(self.since)
        row.addStretch()
        layout.addLayout(row)
        self.mask = QCheckBox("隐藏证件号码和联系电话（建议：文件常要拷出本机）")
        self.mask.setChecked(mask_preference(context.db, MASK_KIND))
        layout.addWidget(self.mask)
        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton("导出…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def export(self):
        """Ask for the file, then write it off the GUI thread; returns the progress dialog."""
        masked = self.mask.isChecked()
        name = f"修改记录_{dt.date.today():%Y%m%d}.xlsx"
        out = ask_save_path(self, "保存修改记录", name, "Excel 工作簿 (*.xlsx)", self.context.settings)
        if out is None:
            return None
        warning = unmasked_export_warning(out, masked)
        if warning and QMessageBox.question(self, "导出修改记录", warning) != QMessageBox.StandardButton.Yes:
            return None
        set_mask_preference(self.context.db, MASK_KIND, masked)
        since = self.since.value() if self.since_box.isChecked() else None

        def work(db, _progress):
            from wengang.services.audit_export import export_audit  # noqa: PLC0415 - loads openpyxl
            return export_audit(db, out, since=since, masked=masked)

        def done(lines: int) -> None:
            self.written = (out, lines)
            QMessageBox.information(self, "导出修改记录", f"已导出 {lines:,} 条修改记录到：{out}")
            self.accept()

        return run_with_progress(self.context, self, "正在导出修改记录", work, done)
