"""A record dialog built from field declarations, validating as the caseworker types.

Each field shows a hint under it as soon as its text changes (ID check digit with the gender and
birth date it encodes, phone, date). 保存 hands the values to a service function; when that
raises :class:`RegistryError`, the dialog stays open, marks the fields and says exactly what to
fix — nothing is written. Factories return the dialog unshown so tests can drive it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from wengang.domain.codes import codes
from wengang.domain.dates import DateError, parse_date
from wengang.domain.ids import check_id
from wengang.domain.phones import phone_problem
from wengang.gui.widgets.save_footer import add_save_footer

ERROR_STYLE = "border: 1px solid #c62828; background: #fff3f3;"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"            # text / code / date / month / id / phone / money / bool / choice
    code_list: str | None = None
    required: bool = False
    choices: tuple = ()           # (label, value) pairs for kind "choice"


# A choice among more than this many (a county's 150 villages) is found by typing part of it.
PICK_TYPED = 12


class PickCombo(QComboBox):
    """A long list to pick from by typing any part of an entry (永丰 lists 城关镇 / 永丰村 and the
    other townships' 永丰村): the value is the entry whose text it is, or the one entry holding
    the text typed; else none (a name that is no entry is never saved as one)."""

    def __init__(self, choices: tuple, parent: QWidget | None = None):
        super().__init__(parent)
        for label, value in choices:
            self.addItem(label, value)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText("输入名称中的几个字查找，或点右边的箭头选")

    def picked(self):
        text = self.currentText().strip()
        i = self.findText(text)
        if i < 0 and text:
            holding = [n for n in range(self.count()) if text in self.itemText(n)]
            i = holding[0] if len(holding) == 1 else -1
        return self.itemData(i) if i >= 0 else None


class RecordDialog(QDialog):
    def __init__(self, title: str, fields: list[Field], save: Callable[[dict], object],
                 values: dict | None = None, parent: QWidget | None = None, intro: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self._save = save
        self.fields = fields
        self.widgets: dict[str, QWidget] = {}
        self.hints: dict[str, QLabel] = {}
        self.result_value: object = None
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            layout.addWidget(label)
        form = QFormLayout()
        self.form = form
        self._boxes: dict[str, QVBoxLayout] = {}
        layout.addLayout(form)
        for f in fields:
            widget = self._make(f)
            self.widgets[f.name] = widget
            hint = QLabel()
            hint.setStyleSheet("color: #666; font-size: 11px;")
            hint.setVisible(False)
            self.hints[f.name] = hint
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(widget)
            box.addWidget(hint)
            form.addRow(f.label + ("＊" if f.required else ""), box)
            self._boxes[f.name] = box
        self.message, self.save_button = add_save_footer(self, layout, self.try_save)
        self.set_values(values or {})

    # --- widgets -------------------------------------------------------------------------------
    def _make(self, f: Field) -> QWidget:
        if f.kind == "code":
            combo = QComboBox()
            combo.setEditable(bool(codes(f.code_list).free_text))  # type: ignore[arg-type]
            combo.addItem("", None)
            for value in codes(f.code_list).values:  # type: ignore[arg-type]
                combo.addItem(value, value)
            return combo
        if f.kind == "choice":
            if len(f.choices) > PICK_TYPED:
                return PickCombo(f.choices)
            combo = QComboBox()
            for label, value in f.choices:
                combo.addItem(label, value)
            return combo
        if f.kind == "bool":
            return QCheckBox()
        edit = QLineEdit()
        placeholders = {"date": "如 2024-03-15", "month": "如 2024-03", "money": "元",
                        "id": "18位身份证号码", "phone": "11位手机号码"}
        edit.setPlaceholderText(placeholders.get(f.kind, ""))
        edit.textChanged.connect(lambda text, f=f: self._live(f, text))
        return edit

    def _live(self, f: Field, text: str) -> None:
        """The hint under a field, as the caseworker types."""
        message, bad = "", False
        if text.strip():
            if f.kind == "id":
                check = check_id(text)
                if check.ok:
                    message = f"✓ {check.gender or ''}，出生日期 {check.birth_date}"
                    if check.warnings:
                        message += "（" + "；".join(check.warnings) + "）"
                else:
                    message, bad = check.error or "", True
            elif f.kind == "phone":
                problem = phone_problem(text, landline_ok=True)
                message, bad = (problem, True) if problem else ("✓", False)
            elif f.kind in ("date", "month"):
                try:
                    value = parse_date(text, "start" if f.kind == "month" else "day")
                    message = f"✓ {value.isoformat()[:7] if f.kind == 'month' else value}"
                except DateError as exc:
                    message, bad = str(exc), True
        hint = self.hints[f.name]
        hint.setText(message)
        hint.setStyleSheet("color: %s; font-size: 11px;" % ("#c62828" if bad else "#1b7f3b"))
        hint.setVisible(bool(message))
        self.widgets[f.name].setStyleSheet(ERROR_STYLE if bad else "")

    # --- values --------------------------------------------------------------------------------
    def set_values(self, values: dict) -> None:
        for f in self.fields:
            widget = self.widgets[f.name]
            value = values.get(f.name)
            if isinstance(widget, QComboBox):
                i = widget.findData(value)
                if i < 0 and value is not None and widget.isEditable() and not isinstance(widget, PickCombo):
                    widget.setEditText(str(value))
                else:
                    widget.setCurrentIndex(max(i, 0))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QLineEdit):
                widget.setText("" if value is None else str(value))

    def values(self) -> dict:
        out: dict = {}
        for f in self.fields:
            widget = self.widgets[f.name]
            if isinstance(widget, PickCombo):
                out[f.name] = widget.picked()
            elif isinstance(widget, QComboBox):
                out[f.name] = widget.currentText().strip() or None if widget.isEditable() else widget.currentData()
            elif isinstance(widget, QCheckBox):
                out[f.name] = widget.isChecked()
            else:
                out[f.name] = widget.text().strip() or None  # type: ignore[attr-defined]
        return out

    def set_row_visible(self, name: str, visible: bool) -> None:
        """Show or hide one field with its label (e.g. 类型生效日期, only when the type changes)."""
        self.form.setRowVisible(self._boxes[name], visible)

    def row_visible(self, name: str) -> bool:
        return not self.widgets[name].isHidden()

    def set_text(self, name: str, text: str) -> None:
        """For tests and scripted use: type into a field."""
        widget = self.widgets[name]
        if isinstance(widget, QComboBox):
            i = widget.findText(text)
            widget.setCurrentIndex(i) if i >= 0 else widget.setEditText(text)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(text))
        else:
            widget.setText(text)  # type: ignore[attr-defined]

    # --- 保存 ---------------------------------------------------------------------------------
    def try_save(self) -> bool:
        from wengang.services.registry import RegistryError  # noqa: PLC0415 - loads pypinyin (slow)
        for f in self.fields:
            if not isinstance(self.widgets[f.name], QLineEdit):
                self.widgets[f.name].setStyleSheet("")
        try:
            self.result_value = self._save(self.values())
        except RegistryError as exc:
            self.show_errors(exc.errors)
            return False
        self.accept()
        return True

    def show_errors(self, errors: dict[str, str]) -> None:
        labels = {f.name: f.label for f in self.fields}
        lines = []
        for name, text in errors.items():
            if name in self.widgets:
                self.widgets[name].setStyleSheet(ERROR_STYLE)
            lines.append(f"• {labels.get(name, '')}：{text}" if name in labels else f"• {text}")
        self.message.setText(self.tr("未保存，请先改正：") + "\n" + "\n".join(lines))
        self.message.setVisible(True)
