"""Personal data leaving the machine: remembered masking choices, removable-drive warning.

Whether an export kind (``ledger_<name>``, ``audit``, …) masks 证件号码/联系电话 is a business
setting kept in the database (settings ``mask_<kind>``), so it follows the data, not the
Windows account; default is masked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlite_utils

from wengang.store.db import get_setting, set_setting


def mask_preference(db: sqlite_utils.Database, kind: str, default: bool = True) -> bool:
    value = get_setting(db, f"mask_{kind}")
    return default if value is None else value == "1"


def set_mask_preference(db: sqlite_utils.Database, kind: str, masked: bool) -> None:
    set_setting(db, f"mask_{kind}", "1" if masked else "0")


def is_removable_drive(path: Path | str) -> bool:
    """Best effort: is ``path`` on a USB stick / removable disk? (Warn before unmasked data.)"""
    path = Path(path).resolve()
    if sys.platform == "win32":
        import ctypes  # noqa: PLC0415 - Windows only

        drive = path.drive + "\\"
        return ctypes.windll.kernel32.GetDriveTypeW(drive) == 2  # DRIVE_REMOVABLE
    # Desktop Linux and macOS mount USB sticks here; good enough for a warning.
    return str(path).startswith(("/media/", "/run/media/", "/Volumes/"))


def unmasked_export_warning(path: Path | str, masked: bool) -> str | None:
    """The warning to show before writing unmasked personal data to a removable drive."""
    if masked or not is_removable_drive(path):
        return None
    return ("将把未隐藏的证件号码和联系电话写到移动存储设备上。U盘容易丢失，"
            "如非必要请选择“隐藏证件号码和电话”。仍要继续吗？")
