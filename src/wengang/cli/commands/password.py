"""``wengang password set|change``: encrypt the database (SQLCipher) or change its password.

Passwords are asked for twice on the terminal; scripts may pass them in ``WENGANG_PASSWORD``
(current) and ``WENGANG_NEW_PASSWORD`` (new).
"""

from __future__ import annotations

import getpass
import os
import sys

from wengang.cli.common import db_path, say_checking
from wengang.store.db import StoreError, open_database


def register(sub) -> None:
    parser = sub.add_command("password", help="数据库加密：set 设置密码（加密现有数据库），change 修改密码")
    parser.add_argument("action", choices=["set", "change"])
    parser.set_defaults(run=run)


def _new_password() -> str:
    given = os.environ.get("WENGANG_NEW_PASSWORD")
    if given:
        return given
    first = getpass.getpass("新密码：")
    if first != getpass.getpass("再输入一次新密码："):
        raise StoreError("两次输入的密码不一致，未作改动。")
    return first


def run(args) -> int:
    from wengang.store import crypto, lock  # noqa: PLC0415
    from wengang.store.backup import encrypt_database, rekey_backups  # noqa: PLC0415

    try:
        if not crypto.available():
            raise crypto.EncryptionUnavailableError()
        if args.action == "set":
            path = db_path(args)
            held = lock.acquire(path)
            try:
                removed = encrypt_database(path, _new_password(), checking=say_checking)
            finally:
                lock.release(held)
            print(f"数据库已加密：{path}。请牢记密码，忘记密码将无法打开数据库。"
                  + (f"已删除 {len(removed)} 个未加密的旧备份（新的加密备份已检查无误）。" if removed else ""))
            return 0
        old = os.environ.get("WENGANG_PASSWORD") or (getpass.getpass("当前密码：") if sys.stdin.isatty() else "")
        db = open_database(db_path(args), password=old or None)
        new = _new_password()
        try:
            crypto.change_password(db, new)
        finally:
            db.close()
        changed = rekey_backups(db_path(args), old, new, checking=say_checking)  # each checked: 20 s at 200k
        print("密码已修改。" + (f"{changed} 个备份已改用新密码。" if changed else ""))
        return 0
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
