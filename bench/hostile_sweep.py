"""The hostile-case sweep of issue 19: ≥ 300 cases, each classified.

    PYTHONPATH=src python bench/hostile_sweep.py [--out docs/hostile_sweep.json]

Every case runs a ``wengang`` command (in this process through ``cli.main.main``; the
far-cell workbooks in a subprocess with a 3 GB address-space cap, since an unbounded reader
aborts the process) against a small county or a fresh copy of it, and is classified:

* **lost** — a database changed by a refused operation, a file that no longer passes
  ``integrity_check``, a previous export replaced by a broken one, a restore source gone;
* **crash** — a traceback, an abort (negative exit code) or a Python exception out of ``main``;
* **unclear** — refused with a message that is not Chinese or that misnames the problem
  (a full disk called damaged, a damaged file called encrypted);
* **clean** — anything else (done, or refused plainly with nothing changed).

The table printed at the end is the one in ``docs/reliability.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import io
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from importing_helpers import PERSON_HEADERS, WORK_HEADERS, person_rows, pid, write_xlsx
from openpyxl import Workbook

from wengang.cli.main import main

AS_OF = "2026-03-31"
ENGLISH = re.compile(r"\b(?:Error|error|invalid|Invalid|EOCD|Errno|No such|No space|Read-only|Permission denied|not a|"
                     r"Traceback|page|malformed)\b")
results: list[dict] = []


def run_cli(args: list[str]) -> tuple[int | str, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:  # noqa: BLE001 - that is what we are counting
            return "exception", out.getvalue(), err.getvalue() + f"\nTraceback (escaped): {exc!r}"
    return code, out.getvalue(), err.getvalue()


def db_digest(path: Path) -> str:
    """The content of every table (not the file bytes: WAL and checkpoints change those)."""
    if not path.exists():
        return "absent"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            if name in ("audit_log",):
                continue
            for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid'):
                h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        conn.close()


def sound(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def record(group: str, name: str, outcome: str, note: str = "") -> None:
    results.append({"group": group, "case": name, "outcome": outcome, "note": note[:300]})
    print(f"{outcome:8} {group:10} {name}  {note[:120]}", file=sys.stderr, flush=True)


def judge(group: str, name: str, code, err: str, *, lost: bool = False, expect_ok: bool | None = None,
          misnamed: bool = False) -> None:
    if lost:
        record(group, name, "lost", err)
    elif code == "exception" or (isinstance(code, int) and code < 0) or "Traceback" in err:
        record(group, name, "crash", err[-300:])
    elif misnamed or (code not in (0, None) and (ENGLISH.search(err) or not re.search(r"[\u4e00-\u9fff]", err))):
        record(group, name, "unclear", err.strip()[-300:])
    elif expect_ok is True and code not in (0, None):
        record(group, name, "unclear", "expected to succeed: " + err.strip()[-200:])
    else:
        record(group, name, "clean", err.strip().splitlines()[-1] if err.strip() else "")


# --- the county ------------------------------------------------------------------------------------
def make_county(folder: Path) -> Path:
    path = folder / "county.db"
    code, _, err = run_cli(["--db", str(path), "demo", "--households", "200", "--as-of", AS_OF])
    assert code == 0, err
    import gc
    gc.collect()  # the command's connection: closed, its WAL checkpointed
    assert before_count(path) > 0
    return path


def fresh(county: Path, folder: Path, name: str) -> Path:
    from wengang.store.backup import backup
    target = folder / name / "county.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    backup(county, target)  # consistent even while a connection of this process holds a WAL
    return target


# --- A. hostile import files -----------------------------------------------------------------------
def import_files(folder: Path) -> list[tuple[str, Path, str]]:
    rng = random.Random(19)
    files: list[tuple[str, Path, str]] = []
    good = write_xlsx(folder / "good.xlsx", PERSON_HEADERS, person_rows(40, start=5000))
    data = good.read_bytes()
    for i in range(45):
        p = folder / f"random{i}.xlsx"
        p.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 4000))))
        files.append((f"random bytes as .xlsx #{i}", p, "persons"))
    for i in range(10):
        p = folder / f"random{i}.csv"
        p.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6000))))
        files.append((f"random bytes as .csv #{i}", p, "persons"))
    for i, prefix in enumerate([b"PK\x03\x04", b"%PDF-1.4", b"\xd0\xcf\x11\xe0", b"SQLite format 3\x00"]):
        p = folder / f"prefix{i}.xlsx"
        p.write_bytes(prefix + bytes(rng.randrange(256) for _ in range(3000)))
        files.append((f"{prefix[:8]!r} + junk as .xlsx", p, "persons"))
    for frac in (0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 0.99):
        p = folder / f"trunc{frac}.xlsx"
        p.write_bytes(data[: int(len(data) * frac)])
        files.append((f"xlsx truncated to {frac:.0%}", p, "persons"))
    for ref in ("XFD1048576", "XFD1", "A1048576", "ZZ1048576", "AAA100000", "XFD20000", "CV1048576"):
        wb = Workbook()
        ws = wb.active
        ws.append(PERSON_HEADERS)
        for row in person_rows(3, start=6000):
            ws.append(row)
        ws[ref] = "x"
        p = folder / f"far_{ref}.xlsx"
        wb.save(p)
        files.append((f"stray cell at {ref} (subprocess)", p, "far"))
    for hidden_first in (True, False):
        wb = Workbook()
        a = wb.active
        a.title = "封面"
        a.append(PERSON_HEADERS)
        a.append(person_rows(1, start=7000)[0])
        b = wb.create_sheet("名单")
        b.append(PERSON_HEADERS)
        b.append(person_rows(1, start=7001)[0])
        (a if hidden_first else b).sheet_state = "hidden"
        p = folder / f"hidden{hidden_first}.xlsx"
        wb.save(p)
        files.append((f"hidden {'first' if hidden_first else 'second'} sheet", p, "persons"))
    for mark in ("=", "+", "-", "@", "\t", "\r"):
        rows = person_rows(2, start=8000 + ord(mark))
        rows[0][10] = mark + "1+1张三"
        rows[1][1] = mark + "镇"
        p = folder / f"formula{ord(mark)}.xlsx"
        write_xlsx(p, PERSON_HEADERS, rows)
        files.append((f"name/township starting with {mark!r}", p, "persons"))
    for size in (100_000, 1_000_000, 5_000_000):
        p = folder / f"cell{size}.csv"
        p.write_text(",".join(PERSON_HEADERS) + "\n" + "x" * size + "\n", encoding="utf-8")
        files.append((f"CSV cell of {size:,} characters", p, "persons"))
    csv_text = ",".join(PERSON_HEADERS) + "\n" + "\n".join(
        ",".join("" if v is None else str(v) for v in r) for r in person_rows(5, start=9000)) + "\n"
    for enc in ("utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"):
        p = folder / f"enc_{enc}.csv"
        try:
            p.write_bytes(csv_text.encode(enc))
        except UnicodeEncodeError:
            p.write_bytes(csv_text.encode("utf-8", "replace"))
        files.append((f"CSV in {enc}", p, "persons"))
    for name, content in (("empty.csv", b""), ("header-only.csv", (",".join(PERSON_HEADERS) + "\n").encode()),
                          ("bom-only.csv", b"\xef\xbb\xbf"), ("nul.csv", b"\x00" * 1000),
                          ("control.csv", (",".join(PERSON_HEADERS) + "\n\x1b\x07,x\n").encode())):
        p = folder / name
        p.write_bytes(content)
        files.append((name, p, "persons"))
    wrong = write_xlsx(folder / "work-as-persons.xlsx", WORK_HEADERS,
                       [[pid(1), None, "省外", "有组织劳务输出", "浙江省", "宁波市", "北仑区", "厂", "制造业",
                         "2025-03-01", None, None, 4500]])
    files.append(("employment file imported as persons", wrong, "persons"))
    bad = person_rows(6, start=9500)
    bad[0][11] = "123"
    bad[1][11] = "6.20702E+17"
    bad[2][3] = None
    bad[3][12] = "户主"
    bad[4][1] = "城关填"
    p = folder / "mistakes.xlsx"
    write_xlsx(p, PERSON_HEADERS, bad)
    files.append(("bad IDs, blank 户编号, two 户主, mistyped township", p, "persons"))
    files.append(("a folder instead of a file", folder, "persons"))
    files.append(("a file that does not exist", folder / "nope.xlsx", "persons"))
    p = folder / "unknown.ods.txt.pdf"
    p.write_bytes(b"%PDF")
    files.append(("unsupported suffix", p, "persons"))
    return files


def sweep_imports(county: Path, folder: Path) -> None:
    files = import_files(folder / "files")
    for name, path, kind in files:
        for dry in (True, False):
            target = fresh(county, folder, f"imp{len(results)}")
            before = db_digest(target)
            args = ["--db", str(target), "import", "persons", str(path)] + (["--dry-run"] if dry else [])
            if kind == "far":
                env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "WENGANG_DATA_DIR": str(folder / "data")}
                code_py = ("import resource,sys;resource.setrlimit(resource.RLIMIT_AS,(3<<30,3<<30));"
                           "from wengang.cli.main import main;sys.exit(main(sys.argv[1:]))")
                done = subprocess.run([sys.executable, "-c", code_py, *args], capture_output=True, text=True,
                                      env=env, timeout=300, check=False)
                code, err = done.returncode, done.stderr
            else:
                code, _out, err = run_cli(args)
            changed = db_digest(target) != before
            lost = (code not in (0, None) and changed) or (dry and changed) or not sound(target)
            judge("import", f"{name}{' --dry-run' if dry else ''}", code, err, lost=lost)


# --- B. damaged database files ---------------------------------------------------------------------
def sweep_damage(county: Path, folder: Path) -> None:
    cases = []
    cases.append(("0-byte file", lambda d: b""))
    cases.append(("zero-filled file", lambda d: bytes(len(d))))
    cases.append(("first byte flipped", lambda d: bytes([d[0] ^ 0xFF]) + d[1:]))
    cases.append(("header overwritten by CSV text", lambda d: b"name,id\n" * 100 + d[800:]))
    for frac in (0.1, 0.3, 0.5, 0.7, 0.9):
        cases.append((f"truncated to {frac:.0%} (whole pages)",
                      lambda d, f=frac: d[: int(len(d) * f) // 4096 * 4096 or 4096]))
    for frac in (0.33, 0.77):
        cases.append((f"truncated mid-page at {frac:.0%}", lambda d, f=frac: d[: int(len(d) * f) + 100]))
    for i in range(24):
        def scribble(d, seed=i):
            r = random.Random(seed)
            b = bytearray(d)
            for _ in range(20):
                at = r.randrange(4096, len(b) - 200)
                b[at:at + 192] = bytes(r.randrange(256) for _ in range(192))
            return bytes(b)
        cases.append((f"192 random bytes in 20 places #{i}", scribble))
    for name, damage in cases:
        target = fresh(county, folder, f"dmg{len(results)}")
        run_cli(["--db", str(target), "backup"])  # a good automatic backup exists
        data = damage(target.read_bytes())
        target.write_bytes(data)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        code, _out, err = run_cli(["--db", str(target), "import", "persons", str(folder / "files" / "good.xlsx")])
        after = target.read_bytes()
        lost = after != data and not (code == 0 and sound(target))
        misnamed = "加密" in err and "已损坏" not in err
        offered = "备份" in err
        if code == 0:
            judge("damage", name, code, err, lost=lost)  # damage SQLite does not notice and the data still reads
        else:
            judge("damage", name, code, err, lost=lost, misnamed=misnamed or not offered)
    # index corruption
    for i, index in enumerate(("idx_persons_name", "idx_persons_household", "idx_households_area")):
        target = fresh(county, folder, f"idx{i}")
        conn = sqlite3.connect(target)
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA writable_schema=ON")
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name=?", [index]).fetchone()[0]
        conn.execute("UPDATE sqlite_master SET sql=? WHERE name=?",
                     [re.sub(r"\((\w+)\)", "(id)", sql) if "(id)" not in sql else sql.replace("(id)", "(name)"), index])
        conn.commit()
        conn.close()
        data = target.read_bytes()
        code, _out, err = run_cli(["--db", str(target), "import", "persons", str(folder / "files" / "good.xlsx")])
        judge("damage", f"index {index} no longer matches its table", code, err,
              lost=target.read_bytes() != data, misnamed=code == 0)


# --- C. restore, encryption, destructive commands ---------------------------------------------------
def sweep_restore(county: Path, folder: Path) -> None:
    good = folder / "files" / "good.xlsx"
    target = fresh(county, folder, "restore")
    before = target.parent / "before.db"
    run_cli(["--db", str(target), "backup", "--out", str(before)])
    run_cli(["--db", str(target), "import", "persons", str(good)])
    imported = db_digest(target)
    code, _o, err = run_cli(["--db", str(target), "restore", str(before)])
    judge("restore", "restore a backup", code, err, expect_ok=True)
    aside = Path(str(target) + ".before-restore")
    code, _o, err = run_cli(["--db", str(target), "restore", str(aside)])
    judge("restore", "undo the restore (restore db.before-restore)", code, err,
          lost=db_digest(target) != imported, expect_ok=True)
    for name, source in (("restore from the database itself", target),
                         ("restore from a junk file", folder / "files" / "random3.xlsx"),
                         ("restore from a missing file", folder / "nope.db"),
                         ("restore from a 0-byte file", folder / "files" / "empty.csv")):
        digest = db_digest(target)
        code, _o, err = run_cli(["--db", str(target), "restore", str(source)])
        judge("restore", name, code, err, lost=db_digest(target) != digest)
    code, _o, err = run_cli(["--db", str(folder / "new" / "deeper" / "c.db"), "restore", str(before)])
    judge("restore", "restore into a missing folder", code, err, expect_ok=True)
    # a newer program's backup
    newer = folder / "newer.db"
    shutil.copyfile(before, newer)
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) VALUES ('wengang', '9999_future', 'x')")
    conn.commit()
    conn.close()
    digest = db_digest(target)
    code, _o, err = run_cli(["--db", str(target), "restore", str(newer)])
    judge("restore", "restore a newer program's backup", code, err, lost=db_digest(target) != digest)
    # encryption
    enc = fresh(county, folder, "enc")
    plain_backup = enc.parent / "plain.db"
    run_cli(["--db", str(enc), "backup", "--out", str(plain_backup)])
    os.environ["WENGANG_NEW_PASSWORD"] = "密码一"
    code, _o, err = run_cli(["--db", str(enc), "password", "set"])
    judge("encrypt", "password set", code, err, expect_ok=True)
    leftover = [p for p in (enc.parent / "backups").glob("*.db") if p.read_bytes()[:16] == b"SQLite format 3\x00"]
    judge("encrypt", "plain backups removed after password set", 0 if not leftover else 2,
          "" if not leftover else f"{len(leftover)} plain backups left", lost=bool(leftover))
    data = enc.read_bytes()
    code, _o, err = run_cli(["--db", str(enc), "restore", str(plain_backup)])
    judge("encrypt", "restore a plain backup without the password", code, err,
          lost=enc.read_bytes() != data or enc.read_bytes()[:16] == b"SQLite format 3\x00")
    os.environ["WENGANG_PASSWORD"] = "密码一"
    code, _o, err = run_cli(["--db", str(enc), "restore", str(plain_backup)])
    judge("encrypt", "restore a plain backup with the password (re-encrypted)", code, err,
          lost=enc.read_bytes()[:16] == b"SQLite format 3\x00", expect_ok=True)
    os.environ["WENGANG_NEW_PASSWORD"] = "密码二"
    code, _o, err = run_cli(["--db", str(enc), "password", "change"])
    judge("encrypt", "password change", code, err, expect_ok=True)
    from wengang.store.backup import list_backups, verify_file
    stale = [p for p in list_backups(enc) if verify_file(p, "密码二")]
    judge("encrypt", "backups re-keyed on password change", 0 if not stale else 2,
          "" if not stale else f"{len(stale)} backups keep the old key", lost=bool(stale))
    os.environ["WENGANG_PASSWORD"] = "错误密码"
    data = enc.read_bytes()
    code, _o, err = run_cli(["--db", str(enc), "info"])
    judge("encrypt", "wrong password", code, err, lost=enc.read_bytes() != data)
    os.environ.pop("WENGANG_PASSWORD")
    os.environ.pop("WENGANG_NEW_PASSWORD")
    # destructive commands
    demo = fresh(county, folder, "demo")
    code, _o, err = run_cli(["--db", str(demo), "demo", "--households", "20", "--replace"])
    saved = [p for p in (demo.parent / "backups").glob("*示范县覆盖前*.db")]
    judge("destroy", "demo --replace on a county", code, err, lost=not saved, expect_ok=True)
    code, _o, err = run_cli(["--db", str(demo), "demo", "--households", "20"])
    judge("destroy", "demo without --replace on a county", code, err)


# --- D. writers: formula injection, full disk, read-only, killed -------------------------------------
def sweep_outputs(county: Path, folder: Path) -> None:
    target = fresh(county, folder, "out")
    conn = sqlite3.connect(target)
    conn.execute("UPDATE areas SET name = '=HYPERLINK(\"http://t\",\"镇\")' WHERE id = "
                 "(SELECT id FROM areas WHERE level='township' LIMIT 1)")
    conn.execute("UPDATE persons SET name = '@SUM(1)' WHERE id = (SELECT min(id) FROM persons)")
    conn.execute("UPDATE persons SET name = '+1+1' WHERE id = (SELECT max(id) FROM persons)")
    conn.commit()
    conn.close()
    out = folder / "outputs"
    commands = {
        "report F3 xlsx": ["report", "F3", "--as-of", AS_OF, "--out", str(out / "F3.xlsx")],
        "report F3 csv": ["report", "F3", "--as-of", AS_OF, "--out", str(out / "F3.csv")],
        "report F1 xlsx": ["report", "F1", "--as-of", AS_OF, "--out", str(out / "F1.xlsx")],
        "report F6 csv": ["report", "F6", "--as-of", AS_OF, "--out", str(out / "F6.csv")],
        "ledger labour xlsx": ["ledger", "labour", "--as-of", AS_OF, "--out", str(out / "labour.xlsx")],
        "ledger labour csv": ["ledger", "labour", "--as-of", AS_OF, "--out", str(out / "labour.csv")],
        "ledger six-lists csv": ["ledger", "six-lists", "--as-of", AS_OF, "--format", "csv", "--out", str(out / "six")],
        "audit --out": ["audit", "--out", str(out / "audit.xlsx")],
        "quality --out": ["quality", "--as-of", AS_OF, "--out", str(out / "q.xlsx")],
        "template persons": ["template", "persons", "--out", str(out / "t.xlsx")],
        "backup --out": ["backup", "--out", str(out / "b.db")],
    }
    formula = re.compile(r'<f>|<c [^>]*t="str"[^>]*><f')
    for name, args in commands.items():
        code, _o, err = run_cli(["--db", str(target), *args])
        judge("output", f"{name} (formula-like names in the data)", code, err, expect_ok=True)
        produced = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".xlsx", ".csv")]
        for p in produced:
            if p.suffix == ".xlsx":
                with zipfile.ZipFile(p) as z:
                    live = any(formula.search(z.read(n).decode("utf-8", "replace"))
                               for n in z.namelist() if n.startswith("xl/worksheets/"))
            else:
                live = bool(re.search(r'(^|,)"?[=+@]', p.read_text(encoding="utf-8-sig"), re.MULTILINE))
            if live:
                record("output", f"{name}: live formula in {p.name}", "unclear", "formula cell written")
    # full disk and read-only, simulated at the shared writer (store.atomic) and at open()
    from wengang.store import atomic
    real_fsync = atomic.fsync_file
    for fault, err_no in (("full disk", errno.ENOSPC), ("read-only drive", errno.EROFS)):
        for name, args in commands.items():
            def failing(path, _e=err_no):
                raise OSError(_e, os.strerror(_e), str(path))
            previous = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
            atomic.fsync_file = failing
            try:
                code, _o, err = run_cli(["--db", str(target), *args])
            finally:
                atomic.fsync_file = real_fsync
            damaged = [p for p, b in previous.items() if not p.exists() or p.read_bytes() != b]
            debris = list(out.rglob("*.partial"))
            misnamed = "损坏" in err.replace("没有损坏", "")
            judge("disk", f"{name} on a {fault}", code, err, lost=bool(damaged) or bool(debris), misnamed=misnamed)
    # killed exports
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "WENGANG_DATA_DIR": str(folder / "data")}
    rng = random.Random(3)
    import signal
    import time
    for name in ("labour.csv", "labour.xlsx", "F3.xlsx"):
        dest = out / name
        good = dest.read_bytes()
        for k in range(5):
            args = (["ledger", "labour", "--as-of", AS_OF, "--out", str(dest)] if "labour" in name
                    else ["report", "F3", "--as-of", AS_OF, "--out", str(dest)])
            proc = subprocess.Popen([sys.executable, "-m", "wengang", "--db", str(target), *args], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.3, 1.5))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(60)
            now = dest.read_bytes() if dest.exists() else b""
            whole = now == good or (proc.returncode == 0)
            if dest.suffix == ".xlsx":
                whole = whole and zipfile.is_zipfile(dest)
            judge("kill", f"SIGKILL during {name} #{k}", 0, "", lost=not whole)
            good = dest.read_bytes()
    # killed imports
    big = write_xlsx(folder / "files" / "big.xlsx", PERSON_HEADERS, person_rows(3000, start=20000))
    for k in range(5):
        victim = fresh(county, folder, f"killimp{k}")
        before = db_digest(victim)
        proc = subprocess.Popen([sys.executable, "-m", "wengang", "--db", str(victim), "import", "persons", str(big)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 3.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(60)
        code, _o, err = run_cli(["--db", str(victim), "info"])
        after = db_digest(victim)
        conn = sqlite3.connect(victim)
        persons = conn.execute("SELECT count(*) FROM persons").fetchone()[0]
        conn.close()
        partial = after != before and persons not in (before_count(county), before_count(county) + 3000)
        judge("kill", f"SIGKILL during an import of 3,000 persons #{k}", code, err,
              lost=partial or not sound(victim))


def before_count(county: Path) -> int:
    conn = sqlite3.connect(f"file:{county}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM persons").fetchone()[0]
    finally:
        conn.close()


def main_sweep() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wengang-hostile-") as tmp:
        folder = Path(tmp)
        os.environ["WENGANG_DATA_DIR"] = str(folder / "data")
        county = make_county(folder)
        (folder / "files").mkdir()
        sweep_imports(county, folder)
        sweep_damage(county, folder)
        sweep_restore(county, folder)
        sweep_outputs(county, folder)
    groups: dict[str, dict[str, int]] = {}
    for r in results:
        g = groups.setdefault(r["group"], {"tried": 0, "clean": 0, "unclear": 0, "crash": 0, "lost": 0})
        g["tried"] += 1
        g[r["outcome"]] += 1
    total = {k: sum(g[k] for g in groups.values()) for k in ("tried", "clean", "unclear", "crash", "lost")}
    print("| group | tried | clean | unclear | crash | lost |")
    print("|---|---|---|---|---|---|")
    for name, g in groups.items():
        print(f"| {name} | {g['tried']} | {g['clean']} | {g['unclear']} | {g['crash']} | {g['lost']} |")
    print(f"| **all** | **{total['tried']}** | **{total['clean']}** | **{total['unclear']}** | "
          f"**{total['crash']}** | **{total['lost']}** |")
    for r in results:
        if r["outcome"] != "clean":
            print(f"- {r['outcome']}: {r['group']} / {r['case']}: {r['note']}")
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main_sweep())
