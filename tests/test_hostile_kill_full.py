"""Fault injection (issue 19): exports killed with SIGKILL at random moments (a subprocess,
bounded loop) and a real full disk (a 2 MB tmpfs, when this process may mount one; the
monkeypatched ENOSPC cases in test_hostile_outputs/test_hostile_import run everywhere)."""

from __future__ import annotations

import contextlib
import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wengang.cli.main import main

SRC = str(Path(__file__).resolve().parents[1] / "src")
AS_OF = "2026-03-31"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    path = tmp_path_factory.mktemp("kill") / "c.db"
    assert main(["--db", str(path), "demo", "--households", "1500", "--as-of", AS_OF]) == 0
    return path


def _export(db: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC, "WENGANG_DATA_DIR": str(out.parent / "data")}
    return subprocess.Popen([sys.executable, "-m", "wengang", "--db", str(db), "ledger", "labour", "--as-of", AS_OF,
                             "--out", str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _rows(path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))


def _sheets_of(data: bytes) -> dict[str, bytes]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {n: book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/")}


def _sheets(path: Path) -> dict[str, bytes]:
    return _sheets_of(path.read_bytes())


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_exports_killed_at_random_never_leave_a_short_file(county, tmp_path, suffix):
    out = tmp_path / f"劳动力.{suffix}"
    started = time.monotonic()
    first = _export(county, out)
    assert first.wait(120) == 0
    took = time.monotonic() - started  # kills land inside a run however fast the machine is
    good = out.read_bytes()
    full = _rows(out) if suffix == "csv" else None
    rng = random.Random(19)
    killed = 0
    for _ in range(6):  # bounded: about 6 × 1 s
        proc = _export(county, out)
        time.sleep(rng.uniform(0.1, 0.9) * took)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(60)
        assert out.exists()
        if suffix == "csv":
            assert _rows(out) == full  # never 932 of 17,238 lines that look complete
            assert out.read_bytes() == good or proc.returncode == 0
        else:
            # Killed after the rename (while closing the database) leaves the new, whole file:
            # its rows are the good file's rows; only the zip's timestamps may differ.
            assert _sheets(out) == _sheets_of(good)
    assert killed >= 1
    leftovers = list(tmp_path.glob("*.partial"))
    # The next write to the same target removes what the killed ones left.
    assert _export(county, out).wait(120) == 0
    assert all(not p.exists() for p in leftovers)
    assert not list(tmp_path.glob("*.partial"))


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                              capture_output=True, check=False, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("cannot mount a tmpfs here")
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, timeout=20)


def _fill(folder: Path, leave: int) -> None:
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with contextlib.suppress(OSError), open(folder / "filler.bin", "wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))


def test_a_full_disk_keeps_the_previous_export_and_says_so(county, tiny_disk, capsys):
    out = tiny_disk / "劳动力.csv"
    assert main(["--db", str(county), "ledger", "labour", "--as-of", AS_OF, "--out", str(out)]) == 0
    good = out.read_bytes()
    _fill(tiny_disk, 16 * 1024)
    capsys.readouterr()
    code = main(["--db", str(county), "ledger", "labour", "--as-of", AS_OF, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and ("空间" in err or "No space" in err), err
    assert out.read_bytes() == good and not list(tiny_disk.glob("*.partial"))


def test_backup_to_a_full_disk_is_said_plainly(county, tiny_disk, capsys):
    _fill(tiny_disk, 16 * 1024)
    capsys.readouterr()
    code = main(["--db", str(county), "backup", "--out", str(tiny_disk / "备份.db")])
    err = capsys.readouterr().err
    assert code == 2 and "磁盘空间已满" in err and "Traceback" not in err, err
    assert not (tiny_disk / "备份.db").exists() and not list(tiny_disk.glob("*.partial"))


def test_a_database_on_a_full_disk_is_not_called_damaged(tiny_disk, tmp_path, capsys):
    from importing_helpers import PERSON_HEADERS, person_rows, write_xlsx
    db = tiny_disk / "c.db"
    assert main(["--db", str(db), "setup", "--province", "甘肃省", "--county", "测试县"]) == 0
    roster = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADERS, person_rows(3000))
    _fill(tiny_disk, 64 * 1024)
    capsys.readouterr()
    code = main(["--db", str(db), "import", "persons", str(roster)])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert "损坏" not in err.replace("没有损坏", "") and "Error" not in err, err
    (tiny_disk / "filler.bin").unlink()
    capsys.readouterr()
    assert main(["--db", str(db), "info"]) == 0  # still opens, nothing half-imported
    from wengang.store.db import open_database
    check = open_database(db, lock=False)
    assert check["persons"].count == 0
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
