"""Build the frozen one-folder program and check it: ``python build/build.py``.

Produces ``build/dist/wengang/`` (``wengang`` for the window, ``wengang-cli`` for the command
line), runs the frozen smoke test offscreen and prints the folder's size. Exits non-zero if
the build or the smoke test fails, so CI can run exactly this.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "build" / "dist"
WORK = ROOT / "build" / "work"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def smoke(app_dir: Path) -> int:
    exe = app_dir / ("wengang-cli.exe" if os.name == "nt" else "wengang-cli")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    started = time.perf_counter()
    code = subprocess.call([str(exe), "--smoke-test"], env=env)
    print(f"smoke test: exit {code} in {time.perf_counter() - started:.1f} s")
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-smoke", action="store_true", help="build only")
    parser.add_argument("--smoke-only", action="store_true", help="test an existing build")
    args = parser.parse_args()
    app_dir = DIST / "wengang"
    if not args.smoke_only:
        try:
            import PyInstaller  # noqa: F401, PLC0415 - only to give a clear message
        except ImportError:
            print('需要 PyInstaller：python3 -m pip install -e ".[build]"', file=sys.stderr)
            return 2
        shutil.rmtree(app_dir, ignore_errors=True)
        started = time.perf_counter()
        subprocess.check_call([
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
            "--distpath", str(DIST), "--workpath", str(WORK), str(ROOT / "installer.spec"),
        ], cwd=ROOT)
        print(f"built {app_dir} in {time.perf_counter() - started:.0f} s")
    size = folder_size(app_dir)
    print(f"size: {size / 2**20:.0f} MiB unpacked ({sum(1 for _ in app_dir.rglob('*'))} files)")
    if args.no_smoke:
        return 0
    return smoke(app_dir)


if __name__ == "__main__":
    sys.exit(main())
