"""Import timings at county scale: export the demo county's ledger in the template layout,
then import it into a fresh database (all inserts) and again into the county (all unchanged)."""

from __future__ import annotations

import shutil

from wengang.services.importing import export_kind, import_file
from wengang.store.areas import installation, set_installation
from wengang.store.db import open_database


def _files(ctx) -> dict:
    return ctx.extra.setdefault("importing", {})


def export_persons(ctx):
    files = _files(ctx)
    files["persons"] = ctx.tmpdir / "人员信息.xlsx"
    count = export_kind(ctx.db, "persons", files["persons"])
    return f"{count}人"


def export_employment(ctx):
    files = _files(ctx)
    files["employment"] = ctx.tmpdir / "务工就业信息.xlsx"
    count = export_kind(ctx.db, "employment", files["employment"])
    return f"{count}段务工"


def _ensure_exports(ctx) -> None:
    files = _files(ctx)
    if "persons" not in files:
        export_persons(ctx)
    if "employment" not in files:
        export_employment(ctx)


def _fresh_db(ctx):
    _ensure_exports(ctx)
    target = ctx.tmpdir / "import-fresh.db"
    for suffix in ("", "-wal", "-shm"):
        (ctx.tmpdir / f"import-fresh.db{suffix}").unlink(missing_ok=True)
    shutil.rmtree(ctx.tmpdir / "backups", ignore_errors=True)
    db = open_database(target)
    place = installation(ctx.db)
    set_installation(db, place.province or "甘肃省", place.city, place.county or "测试县")
    _files(ctx)["fresh"] = db


def _result(result) -> str:
    if not result.ok:
        raise RuntimeError("导入被拒绝：" + "；".join(e.text() for e in result.errors[:3]))
    return f"{result.rows}行 新增{result.added} 更新{result.changed} 未变{result.unchanged}"


def import_persons_fresh(ctx):
    return _result(import_file(_files(ctx)["fresh"], "persons", _files(ctx)["persons"]))


def import_employment_fresh(ctx):
    try:
        return _result(import_file(_files(ctx)["fresh"], "employment", _files(ctx)["employment"]))
    finally:
        _files(ctx).pop("fresh").close()


def reimport_persons(ctx):
    return _result(import_file(ctx.db, "persons", _files(ctx)["persons"]))


OPERATIONS = [
    ("importing.export_persons", None, export_persons),
    ("importing.export_employment", None, export_employment),
    ("importing.persons_fresh", _fresh_db, import_persons_fresh),
    ("importing.employment_fresh", None, import_employment_fresh),
    ("importing.persons_again", _ensure_exports, reimport_persons),
]
