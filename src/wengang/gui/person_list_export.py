"""A list of persons to Excel from the window: the people behind a report's number
(``dialogs.persons_dialog``) or the registry as filtered (``registry_tab``), one way."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from wengang.gui.context import AppContext


def export_person_list(context: AppContext, parent: QWidget, title: str, read_ids, done, mask_kind: str = "drill_down"):
    """Persons to an Excel file (``services.person_list``) under ``title``, asked where and
    whether masked, written off the GUI thread behind a progress dialog; ``read_ids(db)`` gives
    the ids on the worker's connection (a filtered registry of 660,519 persons is read there),
    ``done(path, count)`` after. Returns the progress dialog, None when no file was chosen."""
    import re  # noqa: PLC0415

    from wengang.gui.widgets import mask_choice  # noqa: PLC0415
    from wengang.gui.widgets.progress import run_with_progress  # noqa: PLC0415
    from wengang.gui.widgets.save_dialog import ask_save_path  # noqa: PLC0415
    safe = re.sub(r'[\\/:*?"<>|·\s（）()，]+', "_", title).strip("_")
    path = ask_save_path(parent, "导出人员名单", f"{safe}_{context.as_of}.xlsx", "Excel 工作簿 (*.xlsx)",
                         context.settings)
    if path is None:
        return None
    mask = mask_choice.ask_masking(parent, context.db, mask_kind, "人员名单")
    if mask is None:
        return None
    as_of = context.as_of

    def work(db, progress):
        from wengang.services.person_list import write_person_list  # noqa: PLC0415 - loads openpyxl
        return write_person_list(db, read_ids(db), path, title=title, as_of=as_of, mask=mask,
                                 progress=progress.callback)

    def failed(exc: BaseException) -> None:
        why = f"无法写入 {path}：{exc.strerror or exc}。请关闭在 WPS/Excel 中打开的同名文件，或换一个文件夹后重试。" \
            if isinstance(exc, OSError) else f"导出未完成：{exc}"
        QMessageBox.warning(parent, "导出人员名单", why)

    return run_with_progress(context, parent, "正在导出人员名单", work, lambda written: done(*written), failed)
