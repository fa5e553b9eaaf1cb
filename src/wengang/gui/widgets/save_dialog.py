"""Where to save a file: one place, so tests can patch the dialog and the folder is remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def ask_save_path(parent: QWidget, title: str, suggested: str, file_filter: str, settings=None) -> Path | None:
    """The chosen path (with the filter's suffix added if missing), or None when cancelled."""
    folder = settings.value("last_folder", "") if settings is not None else ""
    start = str(Path(folder) / suggested) if folder else suggested
    path, _chosen = QFileDialog.getSaveFileName(parent, title, start, file_filter)
    if not path:
        return None
    result = Path(path)
    suffix = file_filter.split("*")[-1].rstrip(")").strip() if "*" in file_filter else ""
    if suffix and not result.suffix:
        result = result.with_suffix(suffix)
    if settings is not None:
        settings.setValue("last_folder", str(result.parent))
    return result


def ask_open_path(parent: QWidget, title: str, file_filter: str, settings=None) -> Path | None:
    folder = settings.value("last_folder", "") if settings is not None else ""
    path, _chosen = QFileDialog.getOpenFileName(parent, title, folder or "", file_filter)
    if not path:
        return None
    if settings is not None:
        settings.setValue("last_folder", str(Path(path).parent))
    return Path(path)


def ask_folder(parent: QWidget, title: str, settings=None) -> Path | None:
    """A folder to write several files into (the six lists), remembered like the others."""
    folder = settings.value("last_folder", "") if settings is not None else ""
    path = QFileDialog.getExistingDirectory(parent, title, folder or "")
    if not path:
        return None
    if settings is not None:
        settings.setValue("last_folder", path)
    return Path(path)
