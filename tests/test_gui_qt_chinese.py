"""Qt's own words — the standard buttons, a text box's right-click menu, the file dialog — are
Chinese once the program has set up its QApplication (gui.app.make_application loads Qt's
qtbase_zh_CN translations): a Chinese window must not say Cancel, Undo or Look in."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QLineEdit, QMessageBox

pytestmark = pytest.mark.gui
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")  # an English word (a single accelerator letter is fine)


@pytest.fixture
def app(qapp):
    from wengang.gui.app import make_application
    return make_application()


def test_standard_buttons_are_chinese(app, qtbot):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                           | QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
    qtbot.addWidget(box)
    texts = {b: box.button(b).text() for b in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel,
                                                QDialogButtonBox.StandardButton.Save,
                                                QDialogButtonBox.StandardButton.Close)}
    assert list(texts.values()) == ["确定", "取消", "保存", "关闭"]
    question = QMessageBox(QMessageBox.Icon.Question, "稳岗台账", "确定吗？",
                           QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    qtbot.addWidget(question)
    assert [question.button(b).text() for b in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No)] \
        == ["是(&Y)", "否(&N)"]


def test_a_text_box_s_right_click_menu_is_chinese(app, qtbot):
    edit = QLineEdit("张三")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    texts = [a.text().split("\t")[0] for a in menu.actions() if not a.isSeparator()]
    menu.deleteLater()
    assert "撤消(&U)" in texts and "粘贴(&P)" in texts and "全选" in texts
    assert not [t for t in texts if LATIN_WORD.search(t)], texts


def test_the_file_dialog_s_own_labels_are_chinese(app, qtbot):
    dialog = QFileDialog(None, "导入交换包", "", "交换包 (*.wgx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # Qt's own dialog, as on Linux desktops without a portal
    qtbot.addWidget(dialog)
    labels = {label.objectName(): label.text() for label in dialog.findChildren(QLabel) if label.objectName()}
    # Qt 6 writes "&Look in:" and "Files of &type:", which its Chinese catalogue lacks (gui.app.QtChinese)
    assert labels == {"lookInLabel": "查找范围(&L)：", "fileNameLabel": "文件名称(&N)：", "fileTypeLabel": "文件类型(&T)："}
    buttons = dialog.findChild(QDialogButtonBox)
    assert {b.text() for b in buttons.buttons()} == {"打开(&O)", "取消"}


def test_a_label_given_an_accelerator_is_found_without_it_and_keeps_its_key(app):
    from PySide6.QtCore import QCoreApplication
    translate = QCoreApplication.translate
    assert translate("QFileDialog", "&Directory:") == "目录(&D)："      # getExistingDirectory's label
    assert translate("QPrintSettingsOutput", "Page &Set:") == "页面组(&S)："
    assert translate("QFileDialog", "&Open") == "打开(&O)"              # the catalogue's own, unchanged
    assert translate("QFileDialog", "No such &thing here") == "No such &thing here"  # unknown: as Qt wrote it
    assert translate("MainWindow", "导出(&E)…") == "导出(&E)…"          # the program's own words untouched


def test_the_file_dialog_names_a_folder_s_type_in_chinese(app, qtbot, tmp_path):
    """The 类型 column of Qt's own file dialog: Qt 6 asks QAbstractFileIconProvider for the words
    the catalogue keeps under QFileDialog (gui.app._MOVED_CONTEXTS)."""
    from PySide6.QtCore import QCoreApplication, QFileInfo
    from PySide6.QtGui import QAbstractFileIconProvider
    translate = QCoreApplication.translate
    assert translate("QAbstractFileIconProvider", "Folder") == "文件夹"
    assert translate("QAbstractFileIconProvider", "Drive") == "驱动器"
    assert translate("QAbstractFileIconProvider", "%1 File") == "%1 文件"
    assert translate("QAbstractFileIconProvider", "No such word") == "No such word"
    (tmp_path / "备份").mkdir()
    assert QAbstractFileIconProvider().type(QFileInfo(str(tmp_path / "备份"))) == "文件夹"


# A QApplication of its own (pytest-qt's exists before make_application runs): the file dialog
# of a fresh process dates its files with the system locale's LC_TIME, read when the
# QApplication is made.
FRESH_APPLICATION = """
import json, os, sys
from PySide6.QtCore import QDateTime, QDate, QTime, QLocale
from wengang.gui.app import make_application
def user_locale():
    return {k: v for k, v in os.environ.items() if k == "LANG" or k.startswith("LC_")}
before = user_locale()  # Python may have added LC_CTYPE (PEP 538)
own = QLocale((os.environ.get("LC_ALL") or os.environ["LANG"]).split(".")[0])
make_application()
moment = QDateTime(QDate(2026, 12, 4), QTime(15, 24))
print(json.dumps({"default": QLocale().name(), "dialog": QLocale.system().toString(moment, QLocale.FormatType.ShortFormat),
                  "numbers": [QLocale.system().toString(1234.5), own.toString(1234.5)],
                  "env": [user_locale(), before]}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="Windows shows its native file dialog, dated as Windows is set")
@pytest.mark.parametrize("user", [{"LANG": "C"}, {"LANG": "en_US.UTF-8", "LC_TIME": "de_DE.UTF-8"},
                                  {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}])
def test_the_file_dialog_dates_files_the_chinese_way_whatever_the_system_locale(user):
    env = {k: v for k, v in os.environ.items() if k != "LANG" and not k.startswith("LC_")}
    env.update(user, QT_QPA_PLATFORM="offscreen", PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", FRESH_APPLICATION], env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["default"] == "zh_CN"
    assert seen["dialog"] == "2026/12/4 15:24"  # was "4 12 2026 15:24" under LANG=C
    assert seen["numbers"][0] == seen["numbers"][1]  # the system's numbers stay the user's
    assert seen["env"][0] == seen["env"][1]  # so do the programs the window opens
