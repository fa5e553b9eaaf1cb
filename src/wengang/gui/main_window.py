"""The main window: title, the global 数据截止日期, the area navigator, the search box, menus
and the tabs (概览, 登记, 台账, 报表, 导入, 数据质量); a welcome page on an empty database.

Tabs are built once and refresh lazily (only the visible one works). Every long job goes through
``AppContext.run_in_background`` behind a cancellable progress dialog.
"""

from __future__ import annotations

import datetime as dt
import importlib

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from wengang import APP_NAME, __version__
from wengang.gui import database_actions, reliability
from wengang.gui.context import AppContext, Cancelled
from wengang.gui.quality_watch import QualityWatch
from wengang.gui.tab import Tab
from wengang.gui.welcome_page import WelcomePage
from wengang.gui.widgets.area_navigator import AreaNavigator
from wengang.gui.widgets.date_edit import DateEdit
from wengang.gui.widgets.progress import run_with_progress
from wengang.gui.widgets.search_box import SearchBox
from wengang.services.read import lookups
from wengang.store.areas import heading
from wengang.store.city import installation_level, is_city
from wengang.store.owed_indexes import build_owed, owed

# Tabs are built the first time they are shown: opening the window then imports and builds only
# 概览 (the report engine, openpyxl and pypinyin load when their tabs are first used).
# Plain import statements inside functions (not importlib strings) so PyInstaller finds them.


def _overview_tab():
    from wengang.gui.overview_tab import OverviewTab  # noqa: PLC0415
    return OverviewTab


def _registry_tab():
    from wengang.gui.registry_tab import RegistryTab  # noqa: PLC0415
    return RegistryTab


def _ledger_tab():
    from wengang.gui.ledger_tab import LedgerTab  # noqa: PLC0415
    return LedgerTab


def _report_tab():
    from wengang.gui.report_tab import ReportTab  # noqa: PLC0415
    return ReportTab


def _import_tab():
    from wengang.gui.import_tab import ImportTab  # noqa: PLC0415
    return ImportTab


def _quality_tab():
    from wengang.gui.quality_tab import QualityTab  # noqa: PLC0415
    return QualityTab


def _duties_tab():
    from wengang.gui.duties_tab import DutiesTab  # noqa: PLC0415
    return DutiesTab


TABS = {"概览": _overview_tab, "登记": _registry_tab, "台账": _ledger_tab, "报表": _report_tab,
        "导入": _import_tab, "数据质量": _quality_tab, "日常工作": _duties_tab}
DEMO_HOUSEHOLDS = 2000


class TabHost(QWidget):
    """A tab's place in the QTabWidget; the tab itself is imported and built on first use."""

    def __init__(self, context: AppContext, tab_class, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.tab_class = tab_class  # a function returning the class (imports it)
        self.page: Tab | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def build(self) -> Tab:
        if self.page is None:
            self.page = self.tab_class()(self.context)
            self.layout().addWidget(self.page)
            if self.isVisible():
                self.page.show()  # now, not on the layout's queued show: callers use it at once
        return self.page

    def showEvent(self, event) -> None:  # noqa: N802 - Qt
        self.build()
        super().showEvent(event)


def _warm_imports(_db, _progress) -> None:
    # The importing package loads its Excel writers (openpyxl) only when used, for a quick
    # ``wengang import``; the window warms them here as before, for its first export or error list.
    for name in ("wengang.services.registry", "wengang.services.reports", "wengang.services.ledgers",
                 "wengang.services.importing", "wengang.services.importing.consistency",
                 "wengang.services.importing.template", "wengang.services.importing.errors_book"):
        importlib.import_module(name)


def _encryption_available() -> bool:
    from wengang.store import crypto  # noqa: PLC0415
    return crypto.available()


def tabs_for(context: AppContext) -> dict:
    """A city installation shows its own tabs (概览 by county, 报表, 报送情况): no person-level data."""
    if is_city(context.db):
        from wengang.gui.city_tabs import CITY_TABS  # noqa: PLC0415

        return CITY_TABS
    return TABS


def is_empty(context: AppContext) -> bool:
    if is_city(context.db):  # a city has no persons; its tabs say what to do first
        return False
    return not lookups.has_persons(context.db)


class MainWindow(QMainWindow):
    # Restoring a backup or setting a password reopens the database in a new window (every tab
    # and connection starts afresh on the new file); ``app.Session`` follows this signal.
    replaced = Signal(object)  # the new MainWindow

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.resize(1280, 800)
        self._build_toolbar()
        self._build_navigator()
        self.tabs = QTabWidget()
        self.hosts: dict[str, TabHost] = {}
        for title, spec in tabs_for(context).items():
            self.hosts[title] = TabHost(context, spec)
            self.tabs.addTab(self.hosts[title], self.tr(title))
        if "登记" not in self.hosts:  # a city: persons stay with the counties
            self.search.setEnabled(False)
            self.search.setPlaceholderText(self.tr("市级安装：人员信息在各县，这里只有各县报送的汇总数字"))
        self.welcome = WelcomePage()
        self.welcome.import_requested.connect(self.start_import)
        self.welcome.demo_requested.connect(self.build_demo)
        self.welcome.settings_requested.connect(self.edit_settings)
        self.welcome.password_requested.connect(self.set_password)
        self.welcome.offer_password(not context.encrypted and _encryption_available())
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.welcome)
        self.setCentralWidget(self.stack)
        self._build_menus()
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        self.quality = QualityWatch(context, self)
        context.quality_watch = self.quality  # the 数据质量 and 概览 tabs follow its runs
        self.statusBar().addPermanentWidget(self.quality.label)
        from wengang.gui.inbox_watch import InboxWatch  # noqa: PLC0415
        self.inbox = InboxWatch(context, lambda: self.show_exchange(), self)  # new exchange packages, said
        self.statusBar().addWidget(self.inbox.label)
        from wengang.gui.file_check_watch import FileCheckWatch  # noqa: PLC0415
        self.file_check = FileCheckWatch(context, self)  # a copied file's check: saving waits for it
        self.statusBar().addWidget(self.file_check.label)
        context.open_person.connect(self.open_person)
        context.find_typed.connect(self.type_into_search)
        context.on_damaged = lambda exc: database_actions.offer_restore_when_damaged(self, exc)
        context.data_changed.connect(self._data_changed)
        context.as_of_changed.connect(lambda _d: self._update_status())
        context.area_changed.connect(lambda _a: self._update_status())
        self._restore_geometry()
        self.update_title()
        self.show_welcome_if_empty()
        self._update_status()
        self._build_owed_indexes()
        # Warm the slow imports (report engine + openpyxl, pypinyin) off the GUI thread once the
        # window is up, so the first 报表 or 保存 does not pause.
        QTimer.singleShot(500, lambda: context.run_in_background(_warm_imports, idle=True))
        if not is_empty(context):
            self.quality.schedule(1500)  # at start, after the window shows: 数据质量 is current

    # --- building -----------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("工具栏"))
        bar.setObjectName("main_toolbar")
        bar.setMovable(False)
        bar.addWidget(QLabel(self.tr(" 数据截止日期 ")))
        self.as_of_edit = DateEdit(self.context.as_of)
        self.as_of_edit.setToolTip(self.tr("所有页面的统计、台账和状态都按这一天计算"))
        # Debounced: typing a year digit by digit should not recompute every tab four times.
        self._as_of_timer = QTimer(self, singleShot=True, interval=350)
        self._as_of_timer.timeout.connect(self._as_of_typed)
        self.as_of_edit.dateChanged.connect(lambda _q: self._as_of_timer.start())
        bar.addWidget(self.as_of_edit)
        bar.addSeparator()
        self.search = SearchBox()
        self.search.search_changed.connect(self.run_search)
        bar.addWidget(self.search)
        self.addToolBar(bar)

    def _build_navigator(self) -> None:
        self.navigator = AreaNavigator(self.context)
        dock = QDockWidget(self.tr("地区"), self)
        dock.setObjectName("area_dock")
        dock.setWidget(self.navigator)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        dock.setMinimumWidth(160)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.navigator_dock = dock
        # Folding the pane is the caseworker's choice (a 1024-pixel projector): it stays folded
        # on every tab and at the next start (QSettings, a laptop preference).
        dock.toggleViewAction().triggered.connect(self._remember_area_pane)
        dock.toggleViewAction().setText(self.tr("地区栏(&A)"))
        dock.toggleViewAction().setShortcut(QKeySequence("Ctrl+L"))

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(self.tr(text), self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("文件(&F)"))
        # Every item has its accelerator letter (Alt+F, then I): the menus work from the keyboard.
        person_level = [self._action(file_menu, "导入国家系统导出文件(&I)…", self.start_import, "Ctrl+I")]
        self.export_action = self._action(file_menu, "导出(&E)…", self.export_current, "Ctrl+E")
        self.print_action = self._action(file_menu, "打印(&P)…", self.print_current, QKeySequence.StandardKey.Print)
        self.submit_action = self._action(file_menu, "向市里报送(&U)…", self.submit_to_city)
        person_level.append(self.submit_action)
        person_level.append(self._action(file_menu, "数据交换(&J)…", self.show_exchange))
        file_menu.addSeparator()
        self._action(file_menu, "备份数据库(&B)…", self.backup_database)
        self._action(file_menu, "从备份恢复(&R)…", self.restore_database)
        self.password_action = self._action(
            file_menu, "修改密码(&W)…" if self.context.encrypted else "设置密码(&W)…", self.set_password)
        self.password_action.setEnabled(_encryption_available())
        file_menu.addSeparator()
        self._action(file_menu, "退出(&X)", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = bar.addMenu(self.tr("编辑(&E)"))
        self._action(edit_menu, "查找(&F)…", self.focus_search, QKeySequence.StandardKey.Find)
        person_level.append(self._action(edit_menu, "新增户(&H)…", lambda: self.show_tab("登记").add_household()))
        person_level.append(self._action(edit_menu, "新增人员(&N)…", lambda: self.show_tab("登记").add_person()))
        edit_menu.addSeparator()
        self._action(edit_menu, "设置(&S)…", self.edit_settings)
        view_menu = bar.addMenu(self.tr("视图(&V)"))
        for i, title in enumerate(self.hosts):
            self._action(view_menu, f"{title}(&{i + 1})", lambda _=False, t=title: self.show_tab(t), f"Ctrl+{i + 1}")
        view_menu.addSeparator()
        view_menu.addAction(self.navigator_dock.toggleViewAction())
        self._action(view_menu, "刷新(&R)", self.refresh_all, QKeySequence.StandardKey.Refresh)
        tools_menu = bar.addMenu(self.tr("工具(&T)"))
        person_level.append(self._action(tools_menu, "运行数据质量检查(&Q)", self.run_quality_now))
        person_level.append(self._action(tools_menu, "生成示范县(&D)…", self.build_demo))
        for action in person_level:  # a city installation keeps no person-level data
            action.setVisible("登记" in self.hosts)
        if installation_level(self.context.db) == "township":  # its county submits (services.city.submission)
            self.submit_action.setVisible(False)
        tools_menu.addSeparator()
        self._action(tools_menu, "修改记录(&A)…", self.show_audit_export)
        self._action(tools_menu, "回收站(&T)…", self.show_trash)
        help_menu = bar.addMenu(self.tr("帮助(&H)"))
        self._action(help_menu, "使用手册(&M)", self.show_guide, QKeySequence.StandardKey.HelpContents)
        self._action(help_menu, "关于(&A)", self.about)
        # F5 even where the platform's Refresh key differs.
        if QKeySequence(QKeySequence.StandardKey.Refresh).toString() != "F5":
            self._action(view_menu, "刷新（F5）(&F)", self.refresh_all, "F5")

    def _remember_area_pane(self, shown: bool) -> None:
        self.context.settings.setValue("main_window/area_pane", bool(shown))

    def area_pane_wanted(self) -> bool:
        """Whether the caseworker keeps the 地区 pane open (folded panes stay folded)."""
        return str(self.context.settings.value("main_window/area_pane", True)).lower() not in ("false", "0")

    def _as_of_typed(self) -> None:
        """The 数据截止日期 typed or picked: a day after today is asked about first (a slip of
        the year would silently count everybody as still away)."""
        value = self.as_of_edit.value()
        if value == self.context.as_of:
            return
        if value > dt.date.today() and not self.confirm_future_as_of(value):
            self.as_of_edit.blockSignals(True)
            self.as_of_edit.set_date(self.context.as_of)
            self.as_of_edit.blockSignals(False)
            return
        self.context.set_as_of(value)

    def confirm_future_as_of(self, value: dt.date) -> bool:
        answer = QMessageBox.question(self, self.tr("数据截止日期"), self.tr(
            "数据截止日期 {day} 在今天（{today}）之后：统计和台账将把今天以后才会发生的情况也算作已知。\n"
            "确定使用这个日期吗？").format(day=value.isoformat(), today=dt.date.today().isoformat()))
        return answer == QMessageBox.StandardButton.Yes

    # --- state --------------------------------------------------------------------------------
    def update_title(self) -> None:
        unit = heading(self.context.db).unit_name
        self.setWindowTitle(f"{unit + ' — ' if unit else ''}{self.context.db_path} — {APP_NAME}")

    def _update_status(self) -> None:
        place = self.navigator.currentIndex().data() if self.navigator.currentIndex().isValid() else "全部"
        self.status_label.setText(f"数据截止 {self.context.as_of}　地区：{place or '全部'}")

    def show_welcome_if_empty(self) -> None:
        empty = is_empty(self.context)
        self.stack.setCurrentWidget(self.welcome if empty else self.tabs)
        self.navigator_dock.setVisible(not empty and self.area_pane_wanted())  # nothing to navigate yet

    def _data_changed(self) -> None:
        # An import may bring new townships and villages: the tree follows at once (not at F5),
        # keeping the place picked.
        self.navigator.reload()
        if self.stack.currentWidget() is self.welcome and not is_empty(self.context):
            self.stack.setCurrentWidget(self.tabs)
            self.navigator_dock.setVisible(self.area_pane_wanted())
        self.update_title()
        self._update_status()
        self._build_owed_indexes()

    def _build_owed_indexes(self) -> None:
        """The indexes an import left for later (``store.owed_indexes``: the persons' sorted
        pages and search, the spells' dates), built on the background thread as work nobody
        waits for (the persons' 0.7 s at 50,000 households, 3.7 s at 200,000; the spells' 0.6
        and 1.6 s): what the caseworker asks for meanwhile (a form, the changes an import made)
        goes first, the build is stopped for it and begun again after. Sorting meanwhile only
        takes longer (services.read.tables). Any other failure leaves them owed: the next
        start or import tries again."""
        if not owed(self.context.db):
            return

        def failed(exc: BaseException) -> None:
            if isinstance(exc, Cancelled) and not self.context.closed:
                self._build_owed_indexes()

        self.context.run_in_background(lambda db, _progress: build_owed(db), None, failed, idle=True)

    def tab(self, title: str) -> Tab:
        """The tab called ``title`` (built now if it has not been shown yet)."""
        return self.hosts[title].build()

    @property
    def tab_pages(self) -> dict[str, Tab]:
        """The tabs built so far."""
        return {title: host.page for title, host in self.hosts.items() if host.page is not None}

    def current_tab(self) -> Tab:
        return self.tabs.currentWidget().build()  # type: ignore[union-attr]

    def show_tab(self, title: str) -> Tab:
        if self.stack.currentWidget() is not self.tabs:
            self.stack.setCurrentWidget(self.tabs)
            self.navigator_dock.setVisible(self.area_pane_wanted())
        self.tabs.setCurrentWidget(self.hosts[title])
        return self.tab(title)

    # --- actions ------------------------------------------------------------------------------
    def run_search(self, text: str) -> None:
        """The search box filters the registry (or the findings when on 数据质量)."""
        if "登记" not in self.hosts or self.context.closed:  # a city: no registry; or closing down
            return
        if self.stack.currentWidget() is self.tabs and self.tabs.currentWidget() is self.hosts["数据质量"]:
            self.current_tab().set_search(text)
            return
        if text and self.tabs.currentWidget() is not self.hosts["登记"]:
            self.show_tab("登记")
        self.tab("登记").set_search(text)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def type_into_search(self, text: str) -> None:
        """Letters typed into a big table start a search (the table does not scan its rows)."""
        if self.search.isEnabled():
            self.search.setFocus()
            self.search.setText(text)

    def refresh_all(self) -> None:
        self.navigator.reload(force=True)
        self.update_title()
        for tab in self.tab_pages.values():
            tab.mark_stale()

    def export_current(self) -> None:
        tab = self.current_tab()
        if tab.can_export():
            tab.export()
        else:
            self.statusBar().showMessage(self.tr("本页没有可导出的内容：请到“台账”或“报表”页导出。"), 6000)

    def print_current(self) -> None:
        tab = self.current_tab()
        if tab.can_print():
            tab.print_()
        else:
            self.statusBar().showMessage(self.tr("本页没有可打印的内容：请到“台账”或“报表”页打印。"), 6000)

    def open_person(self, person_id: int) -> None:
        self.tab("登记").open_person(person_id)

    def start_import(self) -> None:
        tab = self.show_tab("导入")
        if getattr(tab, "importing", None) is not None:
            tab.go(0)
            tab.choose_file()

    def _replace_with_demo(self) -> bool:
        """Whether the data here is to be replaced by the demo; the choice offered first opens
        the demo in a window of its own, on 示范县.db beside this file, the data left alone."""
        from wengang.gui.other_window import demo_path, open_in_new_window  # noqa: PLC0415

        box = QMessageBox(QMessageBox.Icon.Question, self.tr("示范县"), self.tr(
            "数据库中已有数据。示范县可以在另一个窗口中打开（单独的数据库文件“示范县.db”，当前数据不变）；"
            "也可以删除当前数据库中的全部数据，换成虚构的示范县数据。"), parent=self)
        apart = box.addButton(self.tr("在新窗口中打开示范县"), QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton(self.tr("删除当前数据并替换…"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(apart)
        box.exec()
        if box.clickedButton() is apart:
            path = demo_path(self.context.db_path)
            if not open_in_new_window(path, demo=True):
                QMessageBox.warning(self, self.tr("示范县"), self.tr("无法启动新窗口。可以在命令行运行：wengang --db {0}")
                                    .format(path))
            return False
        if box.clickedButton() is not replace:
            return False
        return QMessageBox.question(self, self.tr("示范县"), self.tr(
            "确定删除当前数据库中的全部数据，换成示范县吗？（删除前会先备份）")) == QMessageBox.StandardButton.Yes

    def edit_settings(self):
        from wengang.gui.dialogs.settings_dialog import SettingsDialog  # noqa: PLC0415
        dialog = SettingsDialog(self.context.db, self)
        if dialog.exec():
            self.update_title()
            self.context.data_changed.emit()
        return dialog

    def build_demo_if_empty(self) -> None:
        if is_empty(self.context):
            self.build_demo()

    def build_demo(self) -> None:
        from wengang.services.demo import build_demo  # noqa: PLC0415 - loaded when first asked
        replace = not is_empty(self.context)
        if replace and not self._replace_with_demo():
            return
        as_of = self.context.as_of

        def work(db, progress):
            return build_demo(db, households=DEMO_HOUSEHOLDS, seed=1, as_of=as_of, progress=progress.callback,
                              replace=replace)

        def done(_result) -> None:
            self.navigator.reload(force=True)
            self.context.data_changed.emit()
            self.show_tab("概览")

        self.demo_progress = run_with_progress(self.context, self, self.tr("正在生成示范县"), work, done)

    # --- reliability (issue 7) ----------------------------------------------------------------
    def backup_database(self):
        """文件 → 备份数据库…: returns the progress dialog (None when cancelled)."""
        return reliability.backup_now(self, self.context)

    def restore_database(self):
        """文件 → 从备份恢复…: a backup, checked in the background, replaces the file; the window
        reopens on it (``replaced``). Returns the check's progress dialog."""
        return database_actions.restore_database(self)

    def set_password(self) -> MainWindow | None:
        """设置密码… (encrypt the file) or 修改密码…; the window reopens with the new password."""
        return database_actions.set_password(self)

    def submit_to_city(self):
        """文件 → 向市里报送…: the county's signed package of forms (``gui.city_submit``)."""
        from wengang.gui.city_submit import submit_to_city  # noqa: PLC0415

        return submit_to_city(self)

    def show_audit_export(self):
        """工具 → 修改记录…: the export dialog (shown, not blocking; returned for tests)."""
        from wengang.gui.dialogs.audit_dialog import AuditExportDialog  # noqa: PLC0415
        dialog = AuditExportDialog(self.context, self)
        dialog.open()
        return dialog

    def show_exchange(self):
        """文件 → 数据交换…: packages with the townships / the county, and conflict review."""
        from wengang.gui.dialogs.exchange_dialog import ExchangeDialog  # noqa: PLC0415
        dialog = ExchangeDialog(self.context, self)
        dialog.open()
        return dialog

    def show_trash(self):
        """工具 → 回收站…: the deleted records (shown, not blocking; returned for tests)."""
        from wengang.gui.dialogs.trash_dialog import TrashDialog  # noqa: PLC0415
        dialog = TrashDialog(self.context, self)
        dialog.open()
        return dialog

    def run_quality_now(self) -> None:
        """工具 → 运行数据质量检查: the 数据质量 tab, checked again now (in the background)."""
        self.show_tab("数据质量")
        self.quality.schedule(0)

    def show_guide(self):
        """帮助 → 使用手册: the bundled guide, offline (returned for tests)."""
        from wengang.gui.dialogs.guide_dialog import GuideDialog  # noqa: PLC0415
        self.guide = GuideDialog(self)
        self.guide.show()
        return self.guide

    def about(self) -> None:
        QMessageBox.about(self, self.tr("关于"), f"{APP_NAME} {__version__}\n脱贫人口和监测对象稳岗就业台账\n"
                                                 f"数据库：{self.context.db_path}")

    # --- geometry in QSettings (a laptop's preference, not the county's data) -----------------
    def _restore_geometry(self) -> None:
        geometry = self.context.settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.fit_screen()
        state = self.context.settings.value("main_window/state")
        if state is not None:
            self.restoreState(state)
        last_tab = self.context.settings.value("main_window/tab")
        if last_tab in self.hosts:
            self.tabs.setCurrentWidget(self.hosts[last_tab])

    def fit_screen(self) -> None:
        """Never larger than the screen's free area (a 1366×768 laptop, a 1024×768 projector,
        or a window last used on a bigger monitor): the status bar and the buttons at the bottom
        stay visible."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders
        width = min(self.width(), free.width() - frame.width())
        height = min(self.height(), free.height() - frame.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
            self.move(free.topLeft())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt
        super().showEvent(event)
        if not getattr(self, "_fitted", False):  # once shown, the frame's size is known
            self._fitted = True
            self.fit_screen()
        self.stack.currentWidget().setFocus()  # not the date field: a stray keystroke would change it

    def _say_finishing(self) -> None:
        """Closing waits for work that must end (a write, the day's backup): say so, painted now."""
        self.statusBar().showMessage(self.tr("正在完成后台工作（如保存、今天的自动备份），完成后自动关闭…"))
        self.repaint()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt
        self.context.settings.setValue("main_window/geometry", self.saveGeometry())
        self.context.settings.setValue("main_window/state", self.saveState())
        self.context.settings.setValue("main_window/tab", self.tabs.tabText(self.tabs.currentIndex()))
        self.quality.shut_down()
        self.context.finish_work(before_waiting=self._say_finishing)
        for tab in self.tab_pages.values():
            tab.shutdown()
        super().closeEvent(event)
