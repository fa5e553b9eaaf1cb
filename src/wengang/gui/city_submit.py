"""文件 → 向市里报送…: a county writes its signed package of forms for the city.

The dialog asks the as-of date and the forms (all by default), then
``services.city.submission.write_submission`` computes them off the GUI thread, writes the
package (aggregates only) and keeps each form in the 报送存档, as ``wengang submit`` does.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.widgets.date_edit import DateEdit
from wengang.gui.widgets.progress import run_with_progress
from wengang.gui.widgets.save_dialog import ask_save_path
from wengang.services.city.submission import SUFFIX
from wengang.services.reports import list_forms
from wengang.store.areas import installation

FILE_FILTER = f"报送文件 (*{SUFFIX})"


class SubmitToCityDialog(QDialog):
    """Choose the date and the forms; the window then writes the package."""

    def __init__(self, context, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("向市里报送")
        layout = QVBoxLayout(self)
        place = installation(context.db)
        explain = QLabel(f"生成{place.county or '本县'}报给{place.city or '市里'}的报送文件：各表按乡镇的汇总数字、合计和"
                         "算比例用的人数，带本单位电子签名；不含任何人的姓名、证件号码和电话。各表同时存入报送存档。")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        row = QGridLayout()
        row.addWidget(QLabel("数据截止日期"), 0, 0)
        self.as_of = DateEdit(context.as_of)
        row.addWidget(self.as_of, 0, 1)
        layout.addLayout(row)
        box = QGroupBox("报送的报表")
        grid = QGridLayout(box)
        self.forms: dict[str, QCheckBox] = {}
        for i, spec in enumerate(list_forms()):
            check = QCheckBox(f"{spec.number} {spec.title.format(area='', year='本', last_year='上')}")
            check.setChecked(True)
            self.forms[spec.number] = check
            grid.addWidget(check, i // 2, i % 2)
        layout.addWidget(box)
        buttons = QDialogButtonBox()
        buttons.addButton("生成报送文件…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen_forms(self) -> str:
        return ",".join(number for number, check in self.forms.items() if check.isChecked())

    def write(self, path: Path, on_done=None):
        """Write the package to ``path`` in the background; ``on_done(path)`` on success."""
        from wengang.services.city.submission import write_submission  # noqa: PLC0415

        as_of, forms = self.as_of.value(), self.chosen_forms()

        def work(db, _progress):
            return write_submission(db, as_of, path, forms=forms)[0]

        def done(written) -> None:
            self.written = written
            if on_done:
                on_done(written)

        return run_with_progress(self.context, self.parent() or self, "正在生成报送文件…", work, done)


def submit_to_city(window) -> SubmitToCityDialog | None:
    """The menu action: ask, then write the package where the caseworker chooses."""
    context = window.context
    dialog = SubmitToCityDialog(context, window)
    window.last_city_submit = dialog
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return dialog
    if not dialog.chosen_forms():
        QMessageBox.information(window, "向市里报送", "请至少选择一张报表。")
        return dialog
    place = installation(context.db)
    suggested = f"{place.county or '本县'}_{dialog.as_of.value().isoformat()}{SUFFIX}"
    path = ask_save_path(window, "保存报送文件", suggested, FILE_FILTER, context.settings)
    if path is None:
        return dialog
    dialog.write(Path(path), lambda written: window.statusBar().showMessage(
        f"已生成报送文件 → {written}（请交给市里）", 10000))
    return dialog
