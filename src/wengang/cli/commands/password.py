"""``wengang password set|change``: encrypt the database (SQLCipher) or change its password.

Passwords are asked for twice on the terminal; scripts may pass them in ``WENGANG_PASSWORD``
(current) and ``WENGANG_NEW_PASSWORD`` (new).
"""

from __future__ import annotations

import getpass
import os
import sys

from wengang.cli.common import db_path, open_db
from wengang.store.db import StoreError


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

    try:
        if not crypto.available():
            raise crypto.EncryptionUnavailableError()
        if args.action == "set":
            path = db_path(args)
            held = lock.acquire(path)
            try:
                crypto.encrypt_file(path, _new_password())
            finally:
                lock.release(held)
            print(f"数据库已加密：{path}。请牢记密码，忘记密码将无法打开数据库。"
                  "此前的未加密备份仍在 backups 文件夹中，如需要请自行删除。")
            return 0
        db = open_db(args)
        try:
            crypto.change_password(db, _new_password())
        finally:
            db.close()
        print("密码已修改。")
        return 0
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
