"""Asked at every export that carries 证件号码 and 联系电话: masked or whole, showing the choice
remembered for this kind of export (``services.privacy``), so nobody misses that the file is
masked — or that it is not."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from wengang.services.privacy import mask_preference, set_mask_preference


def masking_box(parent: QWidget | None, remembered: bool, what: str) -> tuple[QMessageBox, object, object]:
    """The unshown question (for tests): (box, masked button, whole button)."""
    box = QMessageBox(QMessageBox.Icon.Question, "证件号码和电话", (
        f"导出{what}：证件号码和联系电话如何写入文件？\n\n"
        f"上次的选择：{'隐藏中间几位' if remembered else '完整显示'}。"
        "\n报送、公示或拷到U盘时建议隐藏；村里核对身份时需要完整号码。"), parent=parent)
    masked = box.addButton("隐藏中间几位（620702********1234）", QMessageBox.ButtonRole.AcceptRole)
    whole = box.addButton("完整显示", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(masked if remembered else whole)
    return box, masked, whole


def ask_masking(parent: QWidget | None, db, kind: str, what: str = "") -> bool | None:
    """True (mask), False (whole numbers) or None (cancelled); the answer is remembered."""
    remembered = mask_preference(db, kind)
    box, masked, whole = masking_box(parent, remembered, what)
    box.exec()
    clicked = box.clickedButton()
    if clicked not in (masked, whole):
        return None
    choice = clicked is masked
    set_mask_preference(db, kind, choice)
    return choice
