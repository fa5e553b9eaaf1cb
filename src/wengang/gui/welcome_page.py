"""First start on an empty database: import the national-system export, or open the demo county;
and, optionally, protect the file with a password before any personal data goes into it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wengang import APP_NAME


class WelcomePage(QWidget):
    import_requested = Signal()
    demo_requested = Signal()
    settings_requested = Signal()
    password_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        title = QLabel(f"欢迎使用{APP_NAME}")
        title.setStyleSheet("font-size: 26px; font-weight: bold; color: #1f4e79;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        text = QLabel(self.tr(
            "数据库还是空的。请先导入全国防止返贫监测信息系统导出的人员信息和务工监测文件；\n"
            "想先熟悉程序，可以打开一个示范县（虚构数据，可随时删除数据库重来）。"))
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setStyleSheet("font-size: 14px; color: #444;")
        layout.addWidget(text)
        layout.addSpacing(24)
        row = QHBoxLayout()
        row.addStretch()
        for label, signal in [("导入国家系统导出文件", self.import_requested), ("打开示范县", self.demo_requested),
                              ("填写单位信息…", self.settings_requested)]:
            button = QPushButton(self.tr(label))
            button.setMinimumSize(200, 56)
            button.setStyleSheet("font-size: 15px;")
            button.clicked.connect(signal.emit)
            row.addWidget(button)
            setattr(self, {"导入国家系统导出文件": "import_button", "打开示范县": "demo_button"}.get(label, "settings_button"),
                    button)
        row.addStretch()
        layout.addLayout(row)
        layout.addSpacing(28)
        # Offered, never forced: encrypting now (empty file) is instant; skipping it is one click
        # less, and 文件 → 设置密码… stays available.
        self.protect = QWidget()
        protect = QVBoxLayout(self.protect)
        note = QLabel(self.tr(
            "数据库将存放证件号码、联系电话和收入。笔记本常带下乡，建议设置密码保护（可跳过，以后可在“文件 → 设置密码”中设置）。"))
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setWordWrap(True)
        note.setStyleSheet("font-size: 13px; color: #555;")
        protect.addWidget(note)
        self.password_button = QPushButton(self.tr("设置密码保护…"))
        self.password_button.setMinimumSize(200, 40)
        self.password_button.clicked.connect(self.password_requested.emit)
        protect.addWidget(self.password_button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.protect)
        layout.addStretch(3)

    def offer_password(self, offer: bool) -> None:
        """Show the password offer (not when the file is already encrypted or SQLCipher is missing)."""
        self.protect.setVisible(offer)
