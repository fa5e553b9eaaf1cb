"""Every exception the store raises, in one module that imports nothing of the project.

Each message is for the user (Chinese, says what to do). The modules that raise them re-export
them under their old names (``wengang.store.db.StoreError``, ``wengang.store.lock.DatabaseInUseError``
…), so callers may import from either place; new code imports from here. Keeping them here is what
lets ``db`` open ``audit``, ``backup``, ``crypto``, ``integrity`` and ``lock`` without an import
circle (import-linter's ``acyclic_siblings`` contract holds it).
"""

from __future__ import annotations

from pathlib import Path


class StoreError(RuntimeError):
    """A database the program cannot or must not use; the message is for the user."""


class NewerDatabaseError(StoreError):
    """The database was written by a newer version of the program."""


class DatabaseInUseError(StoreError):
    """Another running program holds the database."""

    def __init__(self, lock_path: Path, owner: dict):
        self.lock_path, self.owner = lock_path, owner
        super().__init__(
            "数据库正被另一个稳岗台账程序使用"
            f"（计算机 {owner.get('host', '?')}，进程 {owner.get('pid', '?')}，自 {owner.get('since', '?')}）。"
            f"请先关闭那个程序。如果确定没有程序在使用，可删除锁文件 {lock_path} 后重试。"
        )


class DamagedDatabaseError(StoreError):
    """The file is not a usable database; ``backup`` is the newest good backup, if any;
    ``details`` SQLite's own findings (for the log and a bug report, not the caseworker)."""

    details: tuple[str, ...] | list[str] = ()

    def __init__(self, path: Path | str, problem: str, backup: Path | None = None):
        self.path, self.problem, self.backup = Path(path), problem, backup
        offer = (f"最近的完好备份：{backup}。可在“恢复”中选择它，或运行 wengang restore \"{backup}\"。"
                 if backup else "没有找到可用的自动备份，请从您保存的备份文件恢复。")
        super().__init__(f"无法打开数据库文件 {self.path}：文件已损坏（{problem}），程序不会写入它。{offer}")


class PasswordRequiredError(DamagedDatabaseError):
    """The file does not start like SQLite but has whole pages: most likely encrypted."""

    def __init__(self, path: Path | str, backup: Path | None = None):
        offer = f"最近的完好备份：{backup}。" if backup else ""
        StoreError.__init__(self, f"无法打开数据库文件 {path}：文件已加密，请输入密码后打开"
                            f"（如果从未设置过密码，则文件已损坏，请从备份恢复）。{offer}")
        self.path, self.problem, self.backup = Path(path), "已加密或已损坏", backup


class RestoreError(StoreError):
    """A file that must not replace the database; nothing was replaced."""


class WrongPasswordError(StoreError):
    """The password does not open the database; nothing was changed."""


class EncryptionUnavailableError(StoreError):
    """The SQLCipher engine is not installed."""

    def __init__(self) -> None:
        super().__init__("本程序未安装加密组件（sqlcipher3），无法打开或创建加密数据库。")


class UndoError(StoreError):
    """The batch cannot be undone; the message says why. Nothing was changed."""


class TrashError(StoreError):
    """A delete or restore that cannot be done; nothing was changed."""


class LockedPeriodError(StoreError):
    """A change to a submitted, locked month without a reason."""
