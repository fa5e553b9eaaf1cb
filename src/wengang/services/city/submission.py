"""A county's submission to its city: one signed file with the forms' aggregates.

The package is JSON: an envelope ``{"format", "version", "payload", "signature",
"public_key"}`` whose ``payload`` is the signed text (UTF-8). The payload names the county
(省/市/县, 填报单位), the schema version, the parameters (as-of date, period, reference
date) and, per form, the county's form by township exactly as ``wengang report`` computes it
— every row, its 合计, and the counts behind each ratio (a ratio is always recomputed from
them upstream) — plus the townships a form leaves out (F1: no 上年 employment).

Nothing person-level is in it: forms are counts by area, and the package is checked for
ID numbers, phone numbers and the county's person names before it is written.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from wengang.services import signing
from wengang.services.archive import archive_report, result_from_json, result_to_json
from wengang.services.reports import compute_form, form_request, get_form, list_forms, prepare_forms
from wengang.services.reports.forms import FormError, FormSpec
from wengang.services.reports.model import FormResult
from wengang.store.areas import areas_at_level, installation
from wengang.store.atomic import atomic_open
from wengang.store.city import installation_level, is_city
from wengang.store.migrations import known_migration_names

FORMAT = "wengang-submission"
VERSION = 1
SUFFIX = ".wgsb"
ALL = ("all", "全部")

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class SubmissionError(ValueError):
    """A package cannot be made or read; the message is for the caseworker."""


@dataclass
class Submission:
    """A read (not yet verified) package."""

    payload: dict
    payload_bytes: bytes
    signature: bytes
    public_key: bytes
    package_id: str
    path: Path | None = None

    @property
    def county(self) -> str:
        return self.payload["county"]["county"]

    def forms(self) -> list[dict]:
        return self.payload["forms"]


def forms_named(text: str | None) -> list[FormSpec]:
    """``F1,F5`` / ``all`` / None (all) → form specs in number order."""
    if not text or text.strip().lower() in ALL:
        return list_forms()
    names = [n.strip() for n in re.split(r"[,，、]", text) if n.strip()]
    return [get_form(n) for n in names]


def _dropped(db: sqlite_utils.Database, result: FormResult) -> list[str]:
    """Townships the form leaves out (F1's “无就业数据” areas), named for the city's note."""
    if result.params.get("by") != "township" or not get_form(result.form_id).decl.get("drop_when_zero"):
        return []
    shown = {r.label for r in result.rows if r.kind == "area"}
    townships = [area["name"] for area in areas_at_level(db, "township")]
    return [t for t in townships if t not in shown]


def build_payload(db: sqlite_utils.Database, as_of, specs: list[FormSpec], *, period_from=None) -> tuple[dict, list]:
    """The payload dict and the computed forms (for the archive)."""
    place = installation(db)
    if is_city(db):
        raise SubmissionError("本数据库是市级安装，汇总的是各县的报送，不能再作为县报送（市级报表用 wengang report --by county）")
    if installation_level(db) == "township":
        # Its package would be signed as the county with the township's key, and holds one
        # township's numbers: a city that took it first would refuse the county's own after.
        raise SubmissionError("本机是乡镇台账：向市里报送要在县里的台账上做。请用“数据交换”把本乡镇的修改发给县里"
                              "（wengang exchange export）")
    if not place.county:
        raise SubmissionError("本单位还没有设置所在县：请先运行 wengang setup --province 省 --county 县")
    forms, results = [], []
    prepare_forms(db, [spec.id for spec in specs], as_of)
    for spec in specs:
        params = form_request(spec, by="township", period_from=period_from, as_of=as_of)
        result = compute_form(db, spec.id, as_of, **params)
        results.append(result)
        forms.append({"form_id": spec.id, "number": spec.number, "as_of": result.as_of.isoformat(),
                      "by": result.params.get("by"), "period_from": result.params.get("period_from"),
                      "ref_date": result.params.get("ref_date"),
                      "result": json.loads(result_to_json(result)), "dropped": _dropped(db, result)})
    as_of_text = results[0].as_of.isoformat() if results else str(as_of)
    payload = {
        "format": FORMAT, "version": VERSION,
        "schema": (known_migration_names() or [""])[-1],
        "county": {"province": place.province, "city": place.city, "county": place.county,
                   "unit_name": place.unit_name},
        "as_of": as_of_text, "period_from": str(period_from) if period_from else None,
        "made_at": dt.datetime.now().isoformat(timespec="seconds"),
        "forms": forms,
    }
    return payload, results


def check_aggregates_only(db: sqlite_utils.Database, text: str) -> None:
    """Refuse a payload carrying an ID number, a mobile number or a person's name."""
    if ID_NUMBER.search(text) or PHONE.search(text):
        raise SubmissionError("报送文件中出现了证件号码或手机号码，已停止：报送只能包含汇总数字")
    names = [r[0] for r in db.execute("SELECT DISTINCT name FROM persons WHERE length(name) >= 2")]
    strings = set(re.findall(r'"((?:[^"\\]|\\.)*)"', text))
    # Place names and the office's own staff (填报人, 审核人) are not persons of the ledger, even
    # when a caseworker shares a name with someone in it.
    strings -= {r[0] for r in db.execute("SELECT name FROM areas")}
    strings -= {r[0] for r in db.execute("SELECT value FROM settings WHERE key IN ('reporter', 'reviewer')") if r[0]}
    found = [n for n in names if n in strings]
    if found:
        raise SubmissionError(f"报送文件中出现了人员姓名（{found[0]}…），已停止：报送只能包含汇总数字")


def write_submission(db: sqlite_utils.Database, as_of, out: str | Path, *, forms: str | None = None,
                     period_from=None, archive: bool = True, lock: bool = False) -> tuple[Path, dict]:
    """Compute, sign and write the package; archive each form as submitted (报送存档) with the
    package as its file. Returns (path, payload)."""
    try:
        specs = forms_named(forms)
    except FormError as exc:
        raise SubmissionError(str(exc)) from exc
    payload, results = build_payload(db, as_of, specs, period_from=period_from)
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    check_aggregates_only(db, text)
    data = text.encode("utf-8")
    envelope = {"format": FORMAT, "version": VERSION, "county": payload["county"]["county"],
                "payload": text, "signature": base64.b64encode(signing.sign(db, data)).decode("ascii"),
                "public_key": base64.b64encode(signing.public_key(db)).decode("ascii")}
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w", encoding="utf-8") as fh:  # a killed or failed write keeps the previous file
        fh.write(json.dumps(envelope, ensure_ascii=False))
    if archive:
        for result in results:
            archive_report(db, result, path, lock=lock)
    return path, payload


def read_submission(path: str | Path) -> Submission:
    """Read a package file (not verified yet: see :mod:`.receipt`)."""
    path = Path(path)
    try:
        envelope = json.loads(path.read_text(encoding="utf-8"))
        if envelope.get("format") != FORMAT:
            raise SubmissionError(f"{path.name} 不是稳岗台账的报送文件")
        if int(envelope.get("version", 0)) > VERSION:
            raise SubmissionError(f"{path.name} 由更新版本的程序生成（格式版本 {envelope['version']}），请先升级本程序")
        data = envelope["payload"].encode("utf-8")
        payload = json.loads(envelope["payload"])
        signature = base64.b64decode(envelope["signature"])
        public = base64.b64decode(envelope["public_key"])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, SubmissionError):
            raise
        raise SubmissionError(f"{path.name} 无法读取或已损坏：{exc}") from exc
    return Submission(payload, data, signature, public, hashlib.sha256(data).hexdigest()[:16], path)


def form_result(entry: dict) -> FormResult:
    """A submitted form back as a :class:`FormResult`."""
    return result_from_json(json.dumps(entry["result"], ensure_ascii=False))
