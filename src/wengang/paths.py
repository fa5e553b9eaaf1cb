"""Where things live: bundled resources and the user's data folder.

Resources are found the same way from a source checkout, an installed wheel and a
PyInstaller build (qutebrowser's ``utils/resources.py`` habit): the wheel and the
frozen build carry the top-level ``resources/`` folder as ``wengang/resources``; a
source checkout reads it from the repository root.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_path

from wengang import APP_ID

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The folder holding code lists, form declarations, templates, fonts and icons."""
    candidates = [
        _PACKAGE_DIR / "resources",  # wheel / frozen build
        _PACKAGE_DIR.parents[1] / "resources",  # source checkout: src/wengang -> repo root
    ]
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.insert(0, Path(frozen_root) / "wengang" / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("找不到程序资源文件夹 resources/，安装可能不完整")


def resource_path(*parts: str) -> Path:
    """A file inside the resources folder, e.g. ``resource_path("codes.json")``."""
    return resources_dir().joinpath(*parts)


def data_dir() -> Path:
    """The user's data folder (created on demand). ``WENGANG_DATA_DIR`` overrides it."""
    override = os.environ.get("WENGANG_DATA_DIR")
    path = Path(override) if override else user_data_path(APP_ID, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """The embedded default database: ``<data folder>/wengang.db``."""
    return data_dir() / "wengang.db"
