"""日常工作 → 安置点 → 登记岗位供给…: one job offered to a 安置点's labourers (seed 003: each
willing poor labourer of a site gets three job referrals a year; the site's supply list is what
the caseworker refers them to). ``wengang sites add-job`` writes the same row."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wengang.gui.context import AppContext
from wengang.gui.widgets.date_edit import DateEdit
from wengang.gui.widgets.save_footer import add_save_footer
from wengang.services.duties.sites import add_site_job
from wengang.services.read import lookups


class SiteJobDialog(QDialog):
    def __init__(self, context: AppContext, site_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.job_id: int | None = None
        self.setWindowTitle(self.tr("登记岗位供给"))
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.site = QComboBox()
        for sid, name in lookups.relocation_sites(context.db):
            self.site.addItem(name, sid)
        if site_id is not None and self.site.findData(site_id) >= 0:
            self.site.setCurrentIndex(self.site.findData(site_id))
        self.employer, self.post = QLineEdit(), QLineEdit()
        self.openings = QSpinBox()
        self.openings.setRange(0, 100000)
        self.openings.setSpecialValueText(self.tr("不填"))  # 0: the notice gave no number
        self.pay, self.contact = QLineEdit(), QLineEdit()
        self.pay.setPlaceholderText(self.tr("如 3000-4000元/月"))
        self.contact.setPlaceholderText(self.tr("联系人和电话"))
        self.offered = DateEdit(dt.date.today())
        for label, widget in ((self.tr("安置点＊"), self.site), (self.tr("用工单位＊"), self.employer),
                              (self.tr("岗位＊"), self.post), (self.tr("招用人数"), self.openings),
                              (self.tr("薪酬"), self.pay), (self.tr("发布日期"), self.offered),
                              (self.tr("联系"), self.contact)):
            form.addRow(label, widget)
        self.message, _save = add_save_footer(self, layout, self.try_save)

    def try_save(self) -> bool:
        """Save and close; a missing field is said in the dialog, which stays open."""
        if self.site.currentData() is None:
            return self._refused(self.tr("还没有安置点：先导入易地搬迁的户（安置点名称）"))
        try:
            self.job_id = add_site_job(
                self.context.db, self.site.currentData(), self.employer.text(), self.post.text(),
                openings=self.openings.value() or None, pay=self.pay.text().strip() or None,
                offered=self.offered.value(), contact=self.contact.text().strip() or None)
        except ValueError as exc:
            return self._refused(str(exc))
        self.context.data_changed.emit()
        self.accept()
        return True

    def _refused(self, text: str) -> bool:
        self.message.setText(text)
        self.message.setVisible(True)
        return False
