"""Entry point of the ``wengang`` command."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path

from wengang import APP_NAME, __version__
from wengang.cli import commands


def _command_word(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option or --db's value)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--db":
            skip = True
        elif not token.startswith("-"):
            return token
    return None


def _command_module(module_name: str):
    """Import one command's module; the store first, so sqlite-utils loads without pandas/numpy
    whatever the command imports first (``wengang.store``)."""
    import wengang.store  # noqa: F401, PLC0415

    return importlib.import_module(f"{commands.__name__}.{module_name}")


def _listed_only(sub, name: str, help_text: str, aliases: tuple[str, ...]) -> None:
    """A command not being run: its name and help for ``wengang --help`` and argparse's choices
    (its own options are registered only when it runs, so its module is not imported)."""
    sub.add_parser(name, help=help_text, aliases=list(aliases))


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``wengang`` parser for ``argv``: the command it names is imported and registered in
    full; every other command from ``commands.COMMANDS`` only by name and help (enough for
    ``wengang --help`` and for argparse's choices), so a run imports one command module."""
    word = _command_word(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="wengang",
        description=f"{APP_NAME}：脱贫人口和监测对象稳岗就业台账（不带子命令时打开主窗口）",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--db", metavar="PATH", type=Path, default=None,
                        help="数据库文件（默认：用户数据文件夹中的 wengang.db）")
    parser.add_argument("--smoke-test", action="store_true",
                        help="自检：临时数据库、示例县、导出一张报表，成功则退出码为0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    listed = set()
    for name, (module_name, help_text, aliases) in commands.COMMANDS.items():
        listed.add(module_name)
        if word in (name, *aliases):
            _register(sub, _command_module(module_name))
        else:
            _listed_only(sub, name, help_text, aliases)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name not in listed:  # a command not yet in the table: registered, imported always
            _register(sub, _command_module(info.name))
    return parser


def _register(sub, module) -> None:
    """The command's own ``register(sub)``, with ``sub.add_command`` (``cli.common``: its
    parser also takes ``--db`` after the command's name)."""
    register = getattr(module, "register", None)
    if register is None:
        return
    if not hasattr(sub, "add_command"):
        from wengang.cli.common import add_command  # noqa: PLC0415 - with the store, not for --help

        sub.add_command = lambda name, **kw: add_command(sub, name, **kw)  # type: ignore[attr-defined]
    register(sub)


def _streams_of_the_windowed_build() -> None:
    """The window's build has no console (``installer.spec``: ``console=False``), and Python
    gives it no standard output or error (None): a command run through it stopped at its first
    ``isatty()`` with exit code 2 and nothing said. Its output goes nowhere instead, the exit
    code stays the command's (``wengang-cli`` is the build with a console)."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - for the process's life


def main(argv: list[str] | None = None) -> int:
    _streams_of_the_windowed_build()
    args = build_parser(argv).parse_args(argv)
    if args.smoke_test:
        from wengang.cli.smoke import run_smoke_test  # noqa: PLC0415 - optional, heavy

        return run_smoke_test()
    if args.command is None:
        gui_argv = ["gui", *(argv if argv is not None else sys.argv[1:])]
        args = build_parser(gui_argv).parse_args(gui_argv)
    try:
        code = int(args.run(args) or 0)
    except KeyboardInterrupt:
        _failed()
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whoever read the output stopped reading (``wengang info | head -3``): the file is not
        # at fault (this said "无法读写 <the database>"), and there is no one left to tell.
        _output_dropped()
        return 141  # as a shell reports a command that a closed pipe stopped (128 + SIGPIPE)
    except SystemExit as exc:
        if exc.code and not _input_stop(exc):  # a mistyped name is not the file's failure
            _failed()
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for a user
        _failed()
        return _unexpected(exc, args)
    return code


def _output_dropped() -> None:
    """What is still to be printed goes nowhere: Python flushes standard output once more at
    exit and would complain of the closed pipe again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no file behind sys.stdout (io.UnsupportedOperation is a ValueError)
        pass


def _input_stop(exc: SystemExit) -> bool:
    """Whether the command stopped at what was typed (``cli.common.InputStop``; loaded by
    every command that raises it, not here: the start stays light)."""
    common = sys.modules.get("wengang.cli.common")
    return common is not None and isinstance(exc, common.InputStop)


def _failed() -> None:
    """An exception left the command: the databases it still holds (its frames keep them) are
    not recorded as verified when let go (``store.db``), so the next process checks the whole
    file; a command that finishes lets its database go with its state recorded."""
    db_module = sys.modules.get("wengang.store.db")
    if db_module is not None:
        db_module.abandon_held_databases()


def _unexpected(exc: BaseException, args) -> int:
    """Say an error no command caught in Chinese (a full disk, a read-only drive, a damaged
    file, anything else) and exit 2; the details go to the log file for a bug report."""
    import logging  # noqa: PLC0415
    import traceback  # noqa: PLC0415

    from wengang.store.db import StoreError  # noqa: PLC0415
    from wengang.store.diskerrors import plain_problem  # noqa: PLC0415

    target = getattr(exc, "filename", None) or getattr(args, "out", None) or getattr(args, "db", None) or "文件"
    plain = exc if isinstance(exc, StoreError) else plain_problem(exc, Path(str(target)))
    if plain is not None:
        print(f"错误：{plain}", file=sys.stderr)
        return 2
    if isinstance(exc, OSError):
        print(f"错误：无法读写 {exc.filename or target}：{exc.strerror or exc}。", file=sys.stderr)
        return 2
    logging.getLogger("wengang").error("未处理的错误\n%s", "".join(traceback.format_exception(exc)))
    print(f"错误：程序遇到意外问题，操作未完成（{type(exc).__name__}：{exc}）。数据库中已提交的数据不受影响；"
          "请把这段文字和操作步骤告诉维护人员。", file=sys.stderr)
    return 2
