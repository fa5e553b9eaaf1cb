"""The people behind a number: a lazy person table over a fixed list of ids (report drill-down)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from wengang.gui.context import AppContext
from wengang.gui.registry.models import PersonTableModel


class PersonsDialog(QDialog):
    def __init__(self, context: AppContext, title: str, person_ids: list[int], parent: QWidget | None = None):
        super().__init__(parent)
        from wengang.gui.registry_tab import make_table  # noqa: PLC0415 - avoids an import cycle
        self.context = context
        self.setWindowTitle(title)
        self.resize(960, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{title}：共 {len(person_ids):,} 人（双击打开人员信息）"))
        self.model = PersonTableModel(context.db, self)
        self.model.filter.as_of = context.as_of
        self.model.set_filter(person_ids=list(person_ids))
        self.view = make_table(self.model)
        self.view.doubleClicked.connect(lambda i: context.open_person.emit(self.model.id_at(i.row())))
        layout.addWidget(self.view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        layout.addWidget(buttons)
