"""设置: the business settings every form prints (填报单位, 填报人, 审核人), the installation's
省/市/县 and the labour-age bounds — stored in the database's ``settings`` table, because they
belong to the county's data, not to the laptop (window geometry goes to QSettings)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wengang.store.areas import default_unit_name, heading, installation, set_installation
from wengang.store.db import get_setting, set_setting

TEXT_SETTINGS = [("unit_name", "填报单位"), ("reporter", "填报人"), ("reviewer", "审核人")]
# The defaults live with the rule that uses them (resources/rules/quality.json).
AGE_SETTINGS = [("labour_age_min", "劳动年龄下限（岁）"), ("labour_age_max", "劳动年龄上限（岁）")]


def labour_age_bounds(db) -> tuple[int, int]:
    """The labour-age bounds: the settings table, else the quality rules' defaults."""
    from wengang.services.rules.quality import settings_parameters  # noqa: PLC0415

    params = settings_parameters(db)
    return params["labour_age_min"], params["labour_age_max"]


class SettingsDialog(QDialog):
    def __init__(self, db, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("设置")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        place = installation(db)
        self.place = {key: QLineEdit(getattr(place, key) or "") for key in ("province", "city", "county")}
        own = heading(db)
        if not own.settled and own.area:  # the one county the imported data names, to confirm
            self.place["county"].setText(own.area)
        for key, label in [("province", "省"), ("city", "市"), ("county", "县（市、区）")]:
            form.addRow(label, self.place[key])
        self.texts = {key: QLineEdit(get_setting(db, key) or "") for key, _label in TEXT_SETTINGS}
        # A blank 填报单位 is the county's default (set_installation): shown, not typed.
        self.place["county"].textChanged.connect(self._show_default_unit)
        self._show_default_unit(self.place["county"].text())
        for key, label in TEXT_SETTINGS:
            form.addRow(label, self.texts[key])
        self.ages: dict[str, QSpinBox] = {}
        bounds = dict(zip((key for key, _label in AGE_SETTINGS), labour_age_bounds(db)))
        for key, label in AGE_SETTINGS:
            spin = QSpinBox()
            spin.setRange(10, 80)
            spin.setValue(bounds[key])
            self.ages[key] = spin
            form.addRow(label, spin)
        # 日常工作: the subsidy rules of 应享未享 (never guessed from another province) and the
        # returnee follow-up period (issue 16).
        from wengang.services.duties.followup import followup_days  # noqa: PLC0415
        from wengang.services.rules.subsidies import chosen_rule_set_id, rule_sets  # noqa: PLC0415

        self.subsidy_rules = QComboBox()
        self.subsidy_rules.addItem("（未选择：应享未享不判断）", None)
        for rule_set in rule_sets().values():
            self.subsidy_rules.addItem(rule_set.title, rule_set.id)
        self.subsidy_rules.setCurrentIndex(max(self.subsidy_rules.findData(chosen_rule_set_id(db)), 0))
        form.addRow("补贴政策规则", self.subsidy_rules)
        self.followup = QSpinBox()
        self.followup.setRange(1, 60)
        self.followup.setValue(followup_days(db))
        self.followup.setSuffix(" 个工作日")
        form.addRow("返乡后跟踪期限", self.followup)
        # 报送时间: what fell due before the ledger began is not counted late.
        from wengang.services.duties.schedule import ledger_started  # noqa: PLC0415

        started, how = ledger_started(db)
        self.started_at_open = started or dt.date.today()
        self.started = QDateEdit(self.started_at_open)
        self.started.setCalendarPopup(True)
        self.started.setDisplayFormat("yyyy-MM-dd")
        self.started.setToolTip(self.tr("这一天以前截止的报送不算逾期（现在取自：%s）") % how)
        started_row = QHBoxLayout()
        started_row.addWidget(self.started)
        started_note = QLabel(self.tr("此前截止的报送不算逾期"))
        started_note.setStyleSheet("color: #666;")
        started_row.addWidget(started_note, 1)
        form.addRow("建账日期", started_row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        if not own.settled:
            self.message.setText("县（市、区）取自已导入的数据，请核对，并填写省（就业地域据此判断）。" if own.area
                                 else "请填写本单位所在的省、县：报表标题和填报单位据此填写。")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        buttons.addButton("保存", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _show_default_unit(self, county: str) -> None:
        county = county.strip()
        self.texts["unit_name"].setPlaceholderText(f"{default_unit_name(county)}（留空时）" if county else "")

    def save(self) -> bool:
        province, city, county = (self.place[k].text().strip() for k in ("province", "city", "county"))
        low, high = self.ages["labour_age_min"].value(), self.ages["labour_age_max"].value()
        if not (province and county):
            self.message.setText("请填写省和县：就业地域（省外/省内县外/县内）要据此判断。")
            return False
        if low >= high:
            self.message.setText("劳动年龄下限应小于上限。")
            return False
        with self.db.atomic():
            old = installation(self.db)
            if (old.province, old.city, old.county) != (province, city or None, county):
                set_installation(self.db, province, city or None, county)
            for key, edit in self.texts.items():
                if edit.text().strip() or key != "unit_name":  # a blank unit keeps the county's default
                    set_setting(self.db, key, edit.text().strip() or None)
            for key, spin in self.ages.items():
                set_setting(self.db, key, str(spin.value()))
            from wengang.services.duties.followup import SETTING_KEY as FOLLOWUP_KEY  # noqa: PLC0415
            from wengang.services.rules.subsidies import LEGACY_SETTING_KEY, SETTING_KEY  # noqa: PLC0415

            set_setting(self.db, SETTING_KEY, self.subsidy_rules.currentData())
            set_setting(self.db, LEGACY_SETTING_KEY, None)
            set_setting(self.db, FOLLOWUP_KEY, str(self.followup.value()))
            started = self.started.date().toPython()
            if started != self.started_at_open:  # unchanged: still follows the first record
                from wengang.services.duties.schedule import set_ledger_started  # noqa: PLC0415

                set_ledger_started(self.db, started)
        self.accept()
        return True
